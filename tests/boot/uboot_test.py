#!/usr/bin/env python3
"""U-Boot on the emulated Raspberry Pi 3: the firmware starts Debian's u-boot-rpi (rpi_3), which
finds the SD card and boots Debian's kernel from it.

    uboot_test.py --socemu PATH --work DIR VARIANT

At test time the demo card ($SOCEMU_RPI3_SDCARD) is copied into DIR and its FAT partition is
rewritten with mtools: u-boot.bin, a config.txt with kernel=u-boot.bin, and
  extlinux  extlinux/extlinux.conf: kernel, fdt, initrd and append (the card's own cmdline.txt);
            a key on the console stops autoboot, then `mmc list`, `mmc info`, `usb start`,
            `usb tree`, `fatls mmc 0:1` and `boot` (distro boot) are typed at the prompt
  bootscr   boot.scr (mkimage): load the kernel and initramfs, booti with the firmware's DTB
            (${fdt_addr}) and the card's cmdline.txt as bootargs
One boot each. Checks: the U-Boot banner, the card found and the boot file read, the Linux
banner, the init's markers up to the container and "reboot: Power down", exit 0, a U-Boot log
free of lines a real Pi 3 would not print (beyond the reviewed list in docs/rpi3-boot-log.md),
and the demo card unchanged. Exit 0 pass, 1 fail, 77 skip (assets or mtools/mkimage missing).
"""
import os
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402  (assets, card copies, mtools, marker checks)
from bootlib import HOST_TIMEOUT, fail  # noqa: E402

UBOOT_BANNER = re.compile(r"^U-Boot 20\d\d\.\d\d")
LINUX_BANNER = "] Linux version "
MARKERS = [
    "SOCEMU-INIT-START",
    "SOCEMU-CONTAINER-START",
    "hello from container",
    "SOCEMU-CONTAINER-OK",
    "SOCEMU-INIT-DONE",
    "reboot: Power down",
]
# What U-Boot must say, in order, per variant, before "Starting kernel ...".
UBOOT_STEPS = {
    "extlinux": ["MMC:   mmc@7e202000: 0", "3 USB Device(s) found", "Hit any key to stop autoboot",
                 "U-Boot> mmc list",
                 "mmc@7e202000: 0 (SD)", "mmc@7e300000: 1", "U-Boot> mmc info",
                 "Device: mmc@7e202000", "High Capacity: Yes", "Bus Width: 4-bit",
                 "U-Boot> usb start", "U-Boot> usb tree",
                 "U-Boot Root Hub", "Vendor specific (480 Mb/s",
                 "U-Boot> fatls mmc 0:1", "u-boot.bin", "extlinux/", "U-Boot> boot",
                 "Scanning mmc 0:1...", "Found /extlinux/extlinux.conf",
                 "Retrieving file: /kernel8.img", "Starting kernel ..."],
    "bootscr": ["MMC:   mmc@7e202000: 0", "Hit any key to stop autoboot", "Scanning mmc 0:1...",
                "Found U-Boot script /boot.scr", "SOCEMU-BOOTSCR", "Starting kernel ..."],
}
# U-Boot lines that differ from a real Pi 3 with this card, reviewed in docs/rpi3-boot-log.md
# ("U-Boot"): the SDIO Wi-Fi slot reports no card, and no Ethernet before `usb start`.
UBOOT_DIFFERENCES = [
    re.compile(r"^MMC: no card present$"),
    re.compile(r"^No ethernet found\.$"),
]
UBOOT_SUSPICIOUS = re.compile(
    r"error|fail|timeout|timed out|abort|exception|unknown|invalid|cannot|can't|not found|"
    r"no card|resetting|\bbad\b|warning", re.I)
# Real Pi 3 lines with those words, not differences: no uboot.env on a fresh card, the distro
# boot scan of targets that do not exist or hold nothing.
UBOOT_EXPECTED = [
    re.compile(r'^Loading Environment from FAT\.\.\. Unable to read "uboot\.env" from mmc0:1'),
]

# A conversation on the console, as a user would type it: (text to wait for, what to type). The
# key stops autoboot; each command waits for the prompt (U-Boot drops input that arrives while it
# flushes the UART after the key).
TYPED = {
    "extlinux": [("Hit any key to stop autoboot", " ")] +
                [("U-Boot> ", c + "\n") for c in ("mmc list", "mmc info", "usb start", "usb tree",
                                                  "fatls mmc 0:1", "boot")],
    "bootscr": [],
}

def card_files(fat):
    """The kernel, DTB and initramfs names the demo card's own config.txt boots."""
    config = fat.read("config.txt")
    kernel, dtb, initrd = "kernel8.img", "bcm2837-rpi-3-b.dtb", None
    for line in config.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^(kernel|device_tree)\s*=\s*(\S+)$", line)
        if m and m.group(1) == "kernel":
            kernel = m.group(2)
        elif m:
            dtb = m.group(2)
        m = re.match(r"^initramfs\s+([^\s,]+)", line)
        if m:
            initrd = m.group(1)
    cmdline = fat.read("cmdline.txt").replace("\r", " ").replace("\n", " ").strip()
    return kernel, dtb, initrd, cmdline


def make_card(env, work, variant):
    card = bt.card_copy(env, work, "uboot-card.img")
    fat = bt.Fat(card, env["SOCEMU_RPI3_SDCARD_P1_OFFSET"])
    kernel, dtb, initrd, cmdline = card_files(fat)
    if not initrd:
        fail("the demo card's config.txt names no initramfs")
    print("  card boots %s + %s + %s, cmdline: %s" % (kernel, dtb, initrd, cmdline))

    def write(name, text):
        path = os.path.join(work, name.replace("/", "_"))
        with open(path, "w") as f:
            f.write(text)
        return path

    fat.put(env["SOCEMU_RPI3_UBOOT"], "u-boot.bin")
    fat.put(write("config.txt", "arm_64bit=1\nenable_uart=1\nkernel=u-boot.bin\n"
                                "device_tree=%s\n" % dtb), "config.txt")
    if variant == "extlinux":
        fat.mkdir("extlinux")
        fat.put(write("extlinux.conf",
                      "default socemu\nlabel socemu\n    kernel /%s\n    fdt /%s\n"
                      "    initrd /%s\n    append %s\n" % (kernel, dtb, initrd, cmdline)),
                "extlinux/extlinux.conf")
    else:
        script = write("boot.cmd",
                       "echo SOCEMU-BOOTSCR\n"
                       "load mmc 0:1 ${kernel_addr_r} %s\n"
                       "load mmc 0:1 ${ramdisk_addr_r} %s\n"
                       "setenv bootargs \"%s\"\n"
                       "booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}\n"
                       % (kernel, initrd, cmdline))
        scr = os.path.join(work, "boot.scr")
        subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                        "-n", "socemu boot.scr", "-d", script, scr], check=True,
                       stdout=subprocess.DEVNULL)
        fat.put(scr, "boot.scr")
    return card, cmdline


def run_socemu(card, work, variant):
    """socemu with the card, typing TYPED[variant] at the console as its prompts appear."""
    cmd = [bt.socemu_path, "--board", "rpi3", "--sd", card, "--timeout", str(HOST_TIMEOUT),
           "--seed", "1"]
    print("$ " + " ".join(cmd), flush=True)
    out_path, err_path = os.path.join(work, "uboot.out"), os.path.join(work, "uboot.err")
    script = list(TYPED[variant])
    t0 = time.monotonic()
    out = bytearray()
    seen = 0  # where the next expected text is looked for
    with open(err_path, "wb") as err:
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        while True:
            if time.monotonic() - t0 > HOST_TIMEOUT + 120:
                p.kill()
                break
            ready, _, _ = select.select([p.stdout], [], [], 1.0)
            if not ready:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            while script:
                at = out.find(script[0][0].encode(), seen)
                if at < 0:
                    break
                seen = at + len(script[0][0])
                p.stdin.write(script.pop(0)[1].encode())
                p.stdin.flush()
        p.stdin.close()
        rc = p.wait()
    secs = time.monotonic() - t0
    with open(out_path, "wb") as f:
        f.write(out)
    with open(err_path, "rb") as f:
        err_text = f.read().decode("utf-8", "replace")
    if script:
        fail("the console never showed %r (nothing typed after it)" % script[0][0])
    print("  exit %d after %.1f s host; stderr: %s" % (rc, secs, err_text.strip()[-400:]),
          flush=True)
    return bt.Run(rc, out.decode("utf-8", "replace"), err_text, secs)


def check_uboot_log(lines):
    """U-Boot's part of the console (up to the kernel): only reviewed differences."""
    try:
        end = next(i for i, l in enumerate(lines) if LINUX_BANNER in l)
    except StopIteration:
        end = len(lines)
    differences = 0
    for line in lines[:end]:
        text = re.sub(r"\x1b[\[\]0-9;?]*[A-Za-z]|\x1b[78]", "", line).strip()
        if any(rx.search(text) for rx in UBOOT_DIFFERENCES):
            differences += 1
        elif UBOOT_SUSPICIOUS.search(text) and not any(rx.search(text) for rx in UBOOT_EXPECTED):
            fail("U-Boot printed a line a real Pi 3 would not: %r" % line)
    print("  U-Boot log: %d lines, %d reviewed differences (docs/rpi3-boot-log.md)"
          % (end, differences))


def main():
    args = bt.parse_args(__doc__, "variant", UBOOT_STEPS)
    env = bt.load_assets(files=("SOCEMU_RPI3_SDCARD", "SOCEMU_RPI3_UBOOT"),
                         values=("SOCEMU_RPI3_SDCARD_P1_OFFSET",))
    bt.require_tools("mcopy", "mtype", "mmd", *(("mkimage",) if args.variant == "bootscr" else ()))
    t0 = bt.start(args.work)
    demo = env["SOCEMU_RPI3_SDCARD"]
    before = bt.sha256(demo)
    card, _ = make_card(env, args.work, args.variant)
    r = run_socemu(card, args.work, args.variant)
    bt.check_rc(r, 0, "U-Boot boot")
    banners = [l for l in r.lines if UBOOT_BANNER.search(l)]
    if len(banners) != 1:
        fail("%d U-Boot banners, want 1" % len(banners))
    else:
        print("  " + banners[0])
    bt.check_order(r.lines, UBOOT_STEPS[args.variant], "U-Boot")
    bt.check_order(r.lines, ["Starting kernel ...", LINUX_BANNER] + MARKERS, "Linux")
    check_uboot_log(r.lines)
    if bt.sha256(demo) != before:
        fail("%s changed (the test works on a copy)" % demo)
    else:
        print("  demo card unchanged (sha256 %s)" % before[:16])
    return bt.finish(args.variant, t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
