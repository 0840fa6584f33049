#!/usr/bin/env python3
"""Guest-boot test: the demo SD card on the Arasan SDHCI (mmc@7e300000) instead of the sdhost.

    sdhci_test.py --socemu PATH --work DIR

The Debian DTB is copied and changed the way a Pi user would move the card to the Arasan
controller (like the firmware's `mmc` overlay): mmc@7e300000 takes pinctrl emmc_gpio48 (pins
48-53 in ALT3) and loses the Wi-Fi bits (non-removable, mmc-pwrseq, wifi@1), mmc@7e202000 (the
sdhost) is disabled. Linux's pinctrl then muxes the slot to the SDHCI, which is the only host
that can see the card. The kernel, initramfs and DTB go in with --kernel/--dtb/--initrd, the
command line is the card's own cmdline.txt, and the card ($SOCEMU_RPI3_SDCARD) is used
copy-on-write: its file must not change.

Checks: "mmcN: new high speed SDHC card" from the SDHCI, the root switch to the card, the init's
BOOTFS/ROOTFS/container markers, a power-off with exit 0, no driver errors on the console.
Exit 0 pass, 1 fail, 77 skip (assets or device-tree-compiler/mtools missing).
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402  (assets, socemu runner, marker and clean-log checks)

MARKERS = [
    "SOCEMU-INIT-START",
    "mmc0: new high speed SDHC card",
    "SOCEMU-BOOTFS-OK",
    "SOCEMU-ROOTFS-OK",
    "SOCEMU-CONTAINER-START",
    "hello from container",
    "SOCEMU-CONTAINER-OK",
    "SOCEMU-INIT-DONE",
    "reboot: Power down",
]
# What an SDHCI model that drops an interrupt, a block or a response makes Linux print.
FORBIDDEN = [
    (re.compile(r"timeout|timed out", re.I), "timeout"),
    (re.compile(r"mmc\d: (error|Got (data|command) interrupt|Unexpected interrupt)"), "mmc error"),
    (re.compile(r"Controller never released|Internal clock never stabilised"), "SDHCI reset"),
    (re.compile(r"I/O error|EXT4-fs error|blk_update_request|Buffer I/O"), "I/O error"),
    (re.compile(r"\bBUG\b|WARNING:|Oops|Call trace|Unable to handle", re.I), "kernel oops"),
    (re.compile(r"sdhci: ={5,}"), "sdhci_dumpregs"),
]


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        bt.fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def sdhci_dtb(src, work):
    """The DTB with the SD card slot moved from the sdhost to the SDHCI."""
    dtb = os.path.join(work, "bcm2837-rpi-3-b-sdhci.dtb")
    shutil.copyfile(src, dtb)
    dts = run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb])
    handles = [int(h, 16) for h in re.findall(r"phandle = <(0x[0-9a-f]+)>", dts)]
    group = "/soc/gpio@7e200000/emmc_gpio48"
    mmc = "/soc/mmc@7e300000"
    handle = run(["fdtget", "-t", "x", "-d", "", dtb, group, "phandle"]).strip()
    if not handle:  # nothing referenced the group yet: give it a phandle
        handle = "%x" % (max(handles) + 1)
        run(["fdtput", "-t", "x", dtb, group, "phandle", handle])
    run(["fdtput", "-t", "x", dtb, mmc, "pinctrl-0", handle])
    for prop in ("non-removable", "mmc-pwrseq"):
        if run(["fdtget", "-d", "-", dtb, mmc, prop]).strip() != "-":
            run(["fdtput", "-d", dtb, mmc, prop])
    if "wifi@1" in run(["fdtget", "-l", dtb, mmc]).split():
        run(["fdtput", "-r", dtb, mmc + "/wifi@1"])
    run(["fdtput", "-t", "s", dtb, "/soc/mmc@7e202000", "status", "disabled"])
    print("  DTB: %s: pinctrl-0 = emmc_gpio48 (phandle 0x%s); sdhost disabled" % (mmc, handle))
    return dtb


def card_cmdline(card):
    """cmdline.txt from the card's first (FAT) partition, as the firmware would read it."""
    try:
        return " ".join(bt.Fat(card, bt.first_partition_offset(card)).read("cmdline.txt").split())
    except RuntimeError as e:
        bt.fail(str(e))
        return ""


def main():
    args = bt.parse_args(__doc__)
    env = bt.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD",
                                "SOCEMU_RPI3_SDCARD"))
    bt.require_tools("fdtput", "fdtget", "dtc", "mtype")
    t0 = bt.start(args.work)
    card = env["SOCEMU_RPI3_SDCARD"]
    before = bt.sha256(card)
    dtb = sdhci_dtb(env["SOCEMU_RPI3_DTB"], args.work)
    cmdline = card_cmdline(card)
    if bt.failures:
        return 1
    print("  cmdline.txt: %s" % cmdline)
    r = bt.socemu(["--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"], "--dtb", dtb,
                   "--initrd", env["SOCEMU_RPI3_INITRD"], "--append", cmdline, "--sd", card,
                   "--seed", "1", "--timeout", str(bt.HOST_TIMEOUT)], args.work, "sdhci")
    if r.rc != 0:
        bt.fail("exit %d, want 0" % r.rc)
    hosts = [l for l in r.lines if re.search(r"mmc\d: SDHCI controller on 3f300000\.mmc", l)]
    if not hosts:
        bt.fail("no 'SDHCI controller on 3f300000.mmc' line: sdhci-iproc did not probe")
    if any("3f202000.mmc" in l and "mmc" in l and "DMA" in l for l in r.lines):
        bt.fail("the sdhost probed although the DTB disables it")
    bt.check_order(r.lines, MARKERS, "SDHCI boot")
    bt.check_clean(r.lines, "SDHCI boot", forbidden=FORBIDDEN, required=(),
                   note="no SD/driver errors")
    if bt.sha256(card) != before:
        bt.fail("%s changed (socemu must keep the guest's writes in its overlay)" % card)
    else:
        print("  card image unchanged (sha256 %s)" % before[:16])
    return bt.finish("sdhci", t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
