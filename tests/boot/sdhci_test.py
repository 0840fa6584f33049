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
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ALLOW_FILE = os.path.join(HERE, "allowed-log-lines.txt")
HOST_TIMEOUT = 900

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
    re.compile(r"timeout|timed out", re.I),
    re.compile(r"mmc\d: (error|Got (data|command) interrupt|Unexpected interrupt)"),
    re.compile(r"Controller never released|Internal clock never stabilised"),
    re.compile(r"I/O error|EXT4-fs error|blk_update_request|Buffer I/O"),
    re.compile(r"\bBUG\b|WARNING:|Oops|Call trace|Unable to handle", re.I),
    re.compile(r"sdhci: ={5,}"),  # the start of sdhci_dumpregs
]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def load_assets():
    env = dict(os.environ)
    path = os.environ.get("SOCEMU_ASSETS_ENV") or os.path.expanduser("~/.cache/socemu/assets.env")
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"^(\w+)='(.*)'\s*$", line)
                if m and m.group(1) not in os.environ:
                    env[m.group(1)] = m.group(2)
    need = ["SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD", "SOCEMU_RPI3_SDCARD"]
    missing = [n for n in need if not env.get(n) or not os.path.isfile(env[n])]
    if missing:
        print("SKIP: guest assets missing (%s); run tools/guest-assets.sh" % ", ".join(missing))
        sys.exit(SKIP)
    tools = [t for t in ("fdtput", "fdtget", "dtc", "mcopy") if not shutil.which(t)]
    if tools:
        print("SKIP: %s missing (device-tree-compiler, mtools: tools/setup.sh)" % ", ".join(tools))
        sys.exit(SKIP)
    return env


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
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
    with open(card, "rb") as f:
        mbr = f.read(512)
    start = struct.unpack_from("<I", mbr, 446 + 8)[0] * 512
    text = run(["mcopy", "-n", "-i", "%s@@%d" % (card, start), "::cmdline.txt", "-"])
    return " ".join(text.split())


def check_order(lines, markers):
    pos = 0
    for mk in markers:
        for i in range(pos, len(lines)):
            if mk in lines[i]:
                pos = i + 1
                break
        else:
            seen = any(mk in l for l in lines)
            fail("marker %r %s" % (mk, "out of order" if seen else "missing"))
            return
    print("  markers in order: %d" % len(markers))


def check_clean(lines):
    allow = []
    with open(ALLOW_FILE) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#") and "\t" in line:
                allow.append(re.compile(line.split("\t", 1)[0]))
    bad = 0
    for line in lines:
        text = re.sub(r"^\[\s*\d+\.\d+\]\s*", "", line)
        if any(rx.search(text) for rx in FORBIDDEN) and not any(a.search(text) for a in allow):
            fail("forbidden log line: %s" % line)
            bad += 1
    if not bad:
        print("  clean log: no SD/driver errors")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socemu", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    env = load_assets()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    t0 = time.monotonic()
    card = env["SOCEMU_RPI3_SDCARD"]
    before = sha256(card)
    dtb = sdhci_dtb(env["SOCEMU_RPI3_DTB"], args.work)
    cmdline = card_cmdline(card)
    if failures:
        return 1
    print("  cmdline.txt: %s" % cmdline)
    cmd = [args.socemu, "--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"], "--dtb", dtb,
           "--initrd", env["SOCEMU_RPI3_INITRD"], "--append", cmdline, "--sd", card, "--seed",
           "1", "--timeout", str(HOST_TIMEOUT)]
    print("$ " + " ".join(cmd), flush=True)
    out_path = os.path.join(args.work, "sdhci.out")
    err_path = os.path.join(args.work, "sdhci.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            rc = subprocess.run(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                timeout=HOST_TIMEOUT + 120).returncode
        except subprocess.TimeoutExpired:
            rc = -1
    with open(out_path, "rb") as f:
        lines = [l.rstrip("\r") for l in f.read().decode("utf-8", "replace").split("\n")]
    with open(err_path, "rb") as f:
        err_text = f.read().decode("utf-8", "replace")
    print("  exit %d after %.1f s host; stderr: %s" % (rc, time.monotonic() - t0,
                                                       err_text.strip()[-300:]), flush=True)
    if rc != 0:
        fail("exit %d, want 0" % rc)
    hosts = [l for l in lines if re.search(r"mmc\d: SDHCI controller on 3f300000\.mmc", l)]
    if not hosts:
        fail("no 'SDHCI controller on 3f300000.mmc' line: sdhci-iproc did not probe")
    if any("3f202000.mmc" in l and "mmc" in l and "DMA" in l for l in lines):
        fail("the sdhost probed although the DTB disables it")
    check_order(lines, MARKERS)
    check_clean(lines)
    if sha256(card) != before:
        fail("%s changed (socemu must keep the guest's writes in its overlay)" % card)
    else:
        print("  card image unchanged (sha256 %s)" % before[:16])
    print("sdhci: %s in %.1f s host (logs in %s)" % ("FAILED" if failures else "passed",
                                                    time.monotonic() - t0, args.work))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
