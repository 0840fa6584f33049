#!/usr/bin/env python3
"""Guest-boot tests of the rpi3 board with the real Debian assets (tools/guest-assets.sh).

    boot_test.py --socemu PATH --work DIR TEST

TEST is one of:
  kernel       --kernel/--dtb/--initrd/--append boot, no --expect: the guest must power off by
               itself (exit 0) after printing the init's markers in order; clean-log checks.
  sdcard       --sd boot through the firmware flow: the initramfs mounts /dev/mmcblk0p2 rw and
               switch_roots to it, markers incl. ROOT=, BOOTFS-OK/ROOTFS-OK, crun's pivot_root
               path, the SD card seen as "mmc0: new high speed SDHC card", the image file
               unchanged (the rw root's writes stay in the overlay); clean log.
  determinism  two kernel boots with the same --seed print byte-identical guest logs.
  reboot       socemu.reboot=1 with a card attached: the guest reboots once (the board restarts:
               two kernel banners), finds its mark on the card after the reboot, powers off.
  no_reboot    socemu.reboot=1 with --no-reboot: `reboot -f` ends the run with exit 0.
  bad_input    missing/corrupt kernel, DTB, initrd and SD images: exit 2 and one stderr line
               naming the file, before the guest starts.
Exit 0 pass, 1 fail, 77 skip (assets missing). Logs stay in --work for post-mortems.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bootlib import (HOST_TIMEOUT, check_bad_input, check_clean, check_order,  # noqa: E402
                     check_rc, fail, finish, kernel_args, load_assets, parse_args, sha256,
                     socemu, start)

# Init markers of tools/assets/rpi3/init (stage one) and rootfs-init (stage two), in the order
# they must appear. No root= on the kernel command line: the initramfs stays the root.
KERNEL_MARKERS = [
    "SOCEMU-INIT-START",
    "SOCEMU-MODULES=29/29",
    "SOCEMU-ROOT=rootfs rootfs rw",
    "SOCEMU-CONTAINER-START",
    "SOCEMU-CONTAINER-MODE=no-pivot",
    "hello from container",
    "SOCEMU-CONTAINER-EXIT=0",
    "SOCEMU-CONTAINER-OK",
    "SOCEMU-INIT-DONE",
    "reboot: Power down",
]
# The card appears while the init loads modules (asynchronously), before the root mounts;
# MODULES=29/29 is checked in a second pass (SD_MODULE_MARKERS). cmdline.txt says root= ... rw.
SD_MARKERS = [
    "SOCEMU-INIT-START",
    "mmc0: new high speed SDHC card",
    "SOCEMU-SWITCH-ROOT=/dev/mmcblk0p2",
    "SOCEMU-ROOT=/dev/mmcblk0p2 ext4 rw",
    "SOCEMU-BOOTFS-OK",
    "SOCEMU-ROOTFS-OK",
    "SOCEMU-CONTAINER-START",
    "SOCEMU-CONTAINER-MODE=pivot_root",
    "hello from container",
    "SOCEMU-CONTAINER-EXIT=0",
    "SOCEMU-CONTAINER-OK",
    "SOCEMU-INIT-DONE",
    "reboot: Power down",
]
SD_MODULE_MARKERS = ["SOCEMU-INIT-START", "SOCEMU-MODULES=29/29", "SOCEMU-SWITCH-ROOT="]
BANNER = re.compile(r"\] Linux version \S+ ")

def banner_count(lines):
    return sum(1 for l in lines if BANNER.search(l))


def test_kernel(env, work):
    r = socemu(kernel_args(env, extra=["--seed", "1"]), work, "kernel")
    check_rc(r, 0, "kernel boot")
    if "powered off" not in r.err:
        fail("kernel boot: the guest did not power off by itself: %s" % r.err.strip())
    check_order(r.lines, KERNEL_MARKERS, "kernel boot")
    check_clean(r.lines, "kernel boot")


def test_sdcard(env, work):
    card = env["SOCEMU_RPI3_SDCARD"]
    before = sha256(card)
    r = socemu(["--board", "rpi3", "--sd", card, "--timeout", str(HOST_TIMEOUT), "--seed", "1"],
               work, "sdcard")
    check_rc(r, 0, "SD boot")
    check_order(r.lines, SD_MARKERS, "SD boot")
    check_order(r.lines, SD_MODULE_MARKERS, "SD boot")
    check_clean(r.lines, "SD boot")
    if sha256(card) != before:
        fail("SD boot: %s changed (the card's writes must stay in socemu's overlay)" % card)
    else:
        print("  card image unchanged (sha256 %s)" % before[:16])


def test_determinism(env, work):
    runs = [socemu(kernel_args(env, extra=["--seed", "7"]), work, "seed7-run%d" % i)
            for i in (1, 2)]
    for i, r in enumerate(runs, 1):
        check_rc(r, 0, "determinism run %d" % i)
    a, b = runs[0].lines, runs[1].lines
    if a != b:
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                fail("determinism: guest logs differ first at line %d:\n  run1: %s\n  run2: %s"
                     % (i + 1, x, y))
                break
        else:
            fail("determinism: guest logs differ in length (%d vs %d lines)" % (len(a), len(b)))
    else:
        print("  two runs with --seed 7: %d identical lines, timestamps included" % len(a))


def test_reboot(env, work):
    card = env["SOCEMU_RPI3_SDCARD"]
    before = sha256(card)
    r = socemu(kernel_args(env, "socemu.reboot=1", ["--sd", card, "--seed", "1"]), work,
               "reboot")
    check_rc(r, 0, "reboot")
    n = banner_count(r.lines)
    if n != 2:
        fail("reboot: %d kernel banners, want 2 (the board must restart once)" % n)
    check_order(r.lines, ["SOCEMU-INIT-DONE", "SOCEMU-REBOOT-FIRST-BOOT",
                          "reboot: Restarting system", "] Linux version", "SOCEMU-INIT-START",
                          "SOCEMU-CONTAINER-OK", "SOCEMU-REBOOT-SECOND-BOOT",
                          "reboot: Power down"], "reboot")
    check_clean(r.lines, "reboot", boots=2)
    if sha256(card) != before:
        fail("reboot: %s changed on the host (the overlay must keep the guest's writes)" % card)


def test_no_reboot(env, work):
    r = socemu(kernel_args(env, "socemu.reboot=1", ["--no-reboot", "--seed", "1"]), work,
               "no-reboot")
    check_rc(r, 0, "--no-reboot")
    if "rebooted" not in r.err:
        fail("--no-reboot: summary does not say the guest rebooted: %s" % r.err.strip())
    n = banner_count(r.lines)
    if n != 1:
        fail("--no-reboot: %d kernel banners, want 1" % n)
    check_order(r.lines, ["SOCEMU-CONTAINER-OK", "SOCEMU-REBOOT-FIRST-BOOT",
                          "reboot: Restarting system"], "--no-reboot")


def test_bad_input(env, work):
    k, d, i = env["SOCEMU_RPI3_KERNEL"], env["SOCEMU_RPI3_DTB"], env["SOCEMU_RPI3_INITRD"]
    card = env["SOCEMU_RPI3_SDCARD"]

    def make(name, data):
        p = os.path.join(work, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    with open(k, "rb") as f:
        kernel_head = f.read(1 << 20)
    with open(d, "rb") as f:
        dtb = f.read()
    with open(card, "rb") as f:
        card_head = f.read(8 << 20)
    rnd = bytes((x * 1103515245 + 12345) >> 16 & 0xFF for x in range(1 << 16))
    trunc_image = make("truncated.Image", kernel_head)
    trunc_dtb = make("truncated.dtb", dtb[: len(dtb) // 4])
    bad_dtb = make("random.dtb", rnd[:4096])
    trunc_card = make("truncated-card.img", card_head)
    random_card = make("random-card.img", rnd * 256)  # 16 MiB of noise
    nofat = bytearray(16 << 20)
    nofat[510:512] = b"\x55\xaa"  # an MBR with no partitions
    nofat_card = make("nofat-card.img", bytes(nofat))
    base = ["--board", "rpi3", "--timeout", "60"]
    cases = [
        ("missing kernel", ["--kernel", "/nonexistent/Image", "--dtb", d], "/nonexistent/Image"),
        ("truncated Image", ["--kernel", trunc_image, "--dtb", d, "--initrd", i], trunc_image),
        ("missing DTB", ["--kernel", k, "--dtb", "/nonexistent/x.dtb"], "/nonexistent/x.dtb"),
        ("truncated DTB", ["--kernel", k, "--dtb", trunc_dtb], trunc_dtb),
        ("corrupt DTB", ["--kernel", k, "--dtb", bad_dtb], bad_dtb),
        ("missing initrd", ["--kernel", k, "--dtb", d, "--initrd", "/nonexistent/initrd"],
         "/nonexistent/initrd"),
        ("missing SD image", ["--sd", "/nonexistent/card.img"], "/nonexistent/card.img"),
        ("truncated SD card", ["--sd", trunc_card], trunc_card),
        ("random SD card", ["--sd", random_card], random_card),
        ("SD card without a FAT partition", ["--sd", nofat_card], nofat_card),
    ]
    armmp_dtb = env.get("SOCEMU_ARMMP_DTB")
    if armmp_dtb and os.path.isfile(armmp_dtb):
        cases.append(("BeagleBone DTB on rpi3", ["--kernel", k, "--dtb", armmp_dtb], armmp_dtb))
    else:
        print("  (no $SOCEMU_ARMMP_DTB: wrong-board DTB case not run)")
    for what, args, name in cases:
        r = socemu(base + args, work, re.sub(r"\W+", "-", what), timeout=60)
        check_bad_input(r, what, name)
        if what == "BeagleBone DTB on rpi3" and r.rc == 2 and "device tree is for" not in r.err:
            fail("%s: the error does not say the DTB is for another board" % what)


TESTS = {
    "kernel": test_kernel,
    "sdcard": test_sdcard,
    "determinism": test_determinism,
    "reboot": test_reboot,
    "no_reboot": test_no_reboot,
    "bad_input": test_bad_input,
}


def main():
    args = parse_args(__doc__, "test", TESTS)
    env = load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD",
                             "SOCEMU_RPI3_SDCARD"), values=("SOCEMU_RPI3_CMDLINE",))
    t0 = start(args.work)
    TESTS[args.test](env, args.work)
    return finish(args.test, t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
