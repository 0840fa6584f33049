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
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ALLOW_FILE = os.path.join(HERE, "allowed-log-lines.txt")
HOST_TIMEOUT = 900  # --timeout given to socemu (host seconds); the ctest TIMEOUT is above it

# Init markers of tools/assets/rpi3/init (stage one) and rootfs-init (stage two), in the order
# they must appear. No root= on the kernel command line: the initramfs stays the root.
KERNEL_MARKERS = [
    "SOCEMU-INIT-START",
    "SOCEMU-MODULES=18/18",
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
# MODULES=18/18 is checked in a second pass (SD_MODULE_MARKERS). cmdline.txt says root= ... rw.
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
SD_MODULE_MARKERS = ["SOCEMU-INIT-START", "SOCEMU-MODULES=18/18", "SOCEMU-SWITCH-ROOT="]
BANNER = re.compile(r"\] Linux version \S+ ")

# A clean boot: none of these may appear, except lines on the reviewed allow-list.
FORBIDDEN = [
    (re.compile(r"timeout|timed out", re.I), "driver timeout"),
    (re.compile(r"Firmware transaction timeout"), "firmware mailbox timeout"),
    (re.compile(r"unhandled", re.I), "unhandled trap/IRQ"),
    (re.compile(r"unknown", re.I), "unknown trap/device"),
    (re.compile(r"probe of .* failed"), "probe failure"),
    (re.compile(r"probe with driver .* failed"), "probe failure"),
    (re.compile(r"[Ff]ailed|FAILED"), "failure"),
    (re.compile(r"rcu: INFO|rcu_.*stall|stall", re.I), "RCU/CPU stall"),
    (re.compile(r"\bBUG\b"), "kernel BUG"),
    (re.compile(r"WARNING:"), "kernel WARNING"),
    (re.compile(r"Call trace", re.I), "backtrace"),
    (re.compile(r"Oops|Unable to handle kernel|Internal error"), "kernel oops"),
    (re.compile(r"failed to come online|CPU\d+: failed"), "secondary CPU"),
    (re.compile(r"couldn't lock PLL|Failed to get GPIO"), "clock/firmware model"),
    (re.compile(r"-ETIMEDOUT|error -110"), "timeout error code"),
]
REQUIRED_CLEAN = [
    (re.compile(r"SMP: Total of 4 processors activated"), "all four CPUs brought up"),
    (re.compile(r"smp: Brought up 1 node, 4 CPUs"), "all four CPUs brought up"),
    (re.compile(r"printk: console \[ttyS1\] enabled"), "console on ttyS1"),
    (re.compile(r"ttyS1 at MMIO 0x3f215040 .*base_baud = 31250000\) is a 16550"),
     "mini UART at VPU 250 MHz"),
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
    need = ["SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD", "SOCEMU_RPI3_SDCARD",
            "SOCEMU_RPI3_CMDLINE"]
    missing = [n for n in need if not env.get(n) or (n != "SOCEMU_RPI3_CMDLINE" and
                                                     not os.path.isfile(env[n]))]
    if missing:
        print("SKIP: guest assets missing (%s); run tools/guest-assets.sh" % ", ".join(missing))
        sys.exit(SKIP)
    return env


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Run:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds
        self.lines = [l.rstrip("\r") for l in out.split("\n")]


def socemu(args, work, name, timeout=HOST_TIMEOUT):
    cmd = [ARGS.socemu] + args
    out_path = os.path.join(work, name + ".out")
    err_path = os.path.join(work, name + ".err")
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            p = subprocess.run(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                               timeout=timeout + 120)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = -1
    secs = time.monotonic() - t0
    with open(out_path, "rb") as f:
        out_text = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        err_text = f.read().decode("utf-8", "replace")
    print("  exit %d after %.1f s host; stderr: %s" % (rc, secs, err_text.strip()[-400:]),
          flush=True)
    return Run(rc, out_text, err_text, secs)


def kernel_args(env, append_extra="", extra=()):
    cmdline = env["SOCEMU_RPI3_CMDLINE"] + (" " + append_extra if append_extra else "")
    return ["--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"], "--dtb",
            env["SOCEMU_RPI3_DTB"], "--initrd", env["SOCEMU_RPI3_INITRD"], "--append", cmdline,
            "--timeout", str(HOST_TIMEOUT)] + list(extra)


def check_rc(run, want, what):
    if run.rc != want:
        fail("%s: exit %d, want %d (stderr: %s)" % (what, run.rc, want, run.err.strip()[-300:]))


def check_order(lines, markers, what):
    """Each marker (a substring) must appear in a line after the previous marker's line."""
    pos = 0
    for mk in markers:
        for i in range(pos, len(lines)):
            if mk in lines[i]:
                pos = i + 1
                break
        else:
            seen = any(mk in l for l in lines)
            fail("%s: marker %r %s" % (what, mk, "out of order" if seen else "missing"))
            return
    print("  markers in order: %d" % len(markers))


def load_allow_list():
    allow = []
    with open(ALLOW_FILE) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "\t" not in line:
                fail("%s:%d: want REGEX<TAB>reason" % (ALLOW_FILE, n))
                continue
            rx, reason = line.split("\t", 1)
            if not reason.strip():
                fail("%s:%d: an allowed line needs a reason" % (ALLOW_FILE, n))
            allow.append(re.compile(rx))
    return allow


def check_clean(lines, what, boots=1):
    allow = load_allow_list()
    for rx, why in REQUIRED_CLEAN:
        n = sum(1 for l in lines if rx.search(l))
        if n < boots:
            fail("%s: %s: %r seen %d times, want %d" % (what, why, rx.pattern, n, boots))
    bad = 0
    for line in lines:
        text = re.sub(r"^\[\s*\d+\.\d+\]\s*", "", line)
        if text.startswith("SOCEMU-MODULE-LOADED="):
            continue
        for rx, why in FORBIDDEN:
            if rx.search(text):
                if any(a.search(text) for a in allow):
                    break
                fail("%s: forbidden log line (%s): %s" % (what, why, line))
                bad += 1
                break
    if not bad:
        print("  clean log: 4 CPUs, console ttyS1, no forbidden lines")


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
        err_lines = [l for l in r.err.splitlines() if l.strip()]
        if r.rc != 2:
            fail("%s: exit %d, want 2 (usage/bad input)" % (what, r.rc))
        elif len(err_lines) != 1 or not err_lines[0].startswith("socemu: " + name + ": "):
            fail("%s: want one stderr line 'socemu: %s: ...', got: %r" % (what, name, err_lines))
        elif r.out.strip():
            fail("%s: the guest ran (console output on stdout)" % what)
        else:
            print("  ok %s: %s" % (what, err_lines[0]))
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
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socemu", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("test", choices=sorted(TESTS))
    ARGS = ap.parse_args()
    env = load_assets()
    if not os.access(ARGS.socemu, os.X_OK):
        print("FAIL: %s is not executable" % ARGS.socemu)
        return 1
    shutil.rmtree(ARGS.work, ignore_errors=True)
    os.makedirs(ARGS.work)
    t0 = time.monotonic()
    TESTS[ARGS.test](env, ARGS.work)
    print("%s: %s in %.1f s host (logs in %s)" % (ARGS.test, "FAILED" if failures else "passed",
                                                  time.monotonic() - t0, ARGS.work))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
