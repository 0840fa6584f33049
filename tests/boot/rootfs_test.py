#!/usr/bin/env python3
"""Guest-boot tests of the demo card's root file system (tools/assets/rpi3/init, rootfs-init).

    rootfs_test.py --socemu PATH --work DIR TEST

TEST is one of:
  rootfs_write  a copy of the demo card, its cmdline.txt given socemu.write=1 socemu.ddtest=16
                (mtools: the firmware flow takes the command line from the card), booted with
                --sd-write: the root is /dev/mmcblk0p2 mounted rw after switch_root, the guest's
                file is on the copy afterwards (debugfs), e2fsck -fn finds the ext4 clean, and dd
                read 16 MiB of the card between SOCEMU-DD-START and SOCEMU-DD-DONE.
  root_missing  root= names a partition the card does not have (rootdelay=1): the initramfs
                says SOCEMU-ROOT-FAILED and ends the boot, so socemu reports a failed guest (1).
Exit 0 pass, 1 fail, 77 skip (assets or host tools missing). Logs stay in --work.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402  (socemu runner, marker and clean-log checks)

WRITTEN_FILE = "/var/lib/socemu/written-by-guest"
WRITTEN_LINE = "written by the socemu guest on /dev/mmcblk0p2"
DD_MIB = 16


def run_tool(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def copy_card_with_cmdline(env, work, extra):
    """A sparse copy of the demo card whose cmdline.txt has EXTRA appended."""
    bt.require_tools("mtype", "mcopy", "debugfs", "e2fsck")
    card = bt.card_copy(env, work, "card.img")
    fat = bt.Fat(card, env["SOCEMU_RPI3_SDCARD_P1_OFFSET"])
    try:
        cmdline = fat.read("cmdline.txt").strip() + " " + extra + "\n"
        path = os.path.join(work, "cmdline.txt")
        with open(path, "w") as f:
            f.write(cmdline)
        fat.put(path, "cmdline.txt")
    except RuntimeError as e:
        bt.fail("cmdline.txt on the card copy: %s" % e)
        return None
    print("  card copy %s, cmdline.txt: %s" % (card, cmdline.strip()))
    return card


def test_rootfs_write(env, work):
    bt.load_assets(values=("SOCEMU_RPI3_SDCARD_P1_OFFSET", "SOCEMU_RPI3_SDCARD_P2_OFFSET"))
    card = copy_card_with_cmdline(env, work, "socemu.write=1 socemu.ddtest=%d" % DD_MIB)
    if not card:
        return
    ext4 = "%s?offset=%s" % (card, env["SOCEMU_RPI3_SDCARD_P2_OFFSET"])
    rc, out, _ = run_tool(["debugfs", "-R", "cat " + WRITTEN_FILE, ext4])
    if WRITTEN_LINE in out:
        bt.fail("the fresh card copy already has %s" % WRITTEN_FILE)

    r = bt.socemu(["--board", "rpi3", "--sd", card, "--sd-write", "--timeout",
                   str(bt.HOST_TIMEOUT), "--seed", "1"], work, "sd-write")
    bt.check_rc(r, 0, "--sd-write boot")
    bt.check_order(r.lines, ["SOCEMU-MODULES=29/29", "SOCEMU-SWITCH-ROOT=/dev/mmcblk0p2",
                             "SOCEMU-ROOT=/dev/mmcblk0p2 ext4 rw", "SOCEMU-ROOTFS-OK",
                             "SOCEMU-CONTAINER-MODE=pivot_root", "SOCEMU-CONTAINER-OK",
                             "SOCEMU-WRITE-OK=" + WRITTEN_FILE, "SOCEMU-DD-START",
                             "%d+0 records in" % DD_MIB,
                             "SOCEMU-DD-DONE=%d bytes copied in " % (DD_MIB << 20),
                             "SOCEMU-INIT-DONE", "reboot: Power down"],
                   "--sd-write boot")
    bt.check_clean(r.lines, "--sd-write boot")

    rc, out, err = run_tool(["debugfs", "-R", "cat " + WRITTEN_FILE, ext4])
    if out.strip() != WRITTEN_LINE:
        bt.fail("%s on the card after the run: %r, want %r (debugfs: %s)"
                % (WRITTEN_FILE, out.strip(), WRITTEN_LINE, err.strip()[-200:]))
    else:
        print("  %s on the card: %s" % (WRITTEN_FILE, out.strip()))
    rc, out, err = run_tool(["e2fsck", "-fn", ext4])
    if rc != 0:
        bt.fail("e2fsck -fn on the written card: exit %d\n%s%s" % (rc, out, err))
    else:
        print("  e2fsck -fn clean: %s" % out.strip().splitlines()[-1])


def test_root_missing(env, work):
    r = bt.socemu(bt.kernel_args(env, "root=/dev/mmcblk0p3 rootfstype=ext4 rootdelay=1 rw",
                                 ["--sd", env["SOCEMU_RPI3_SDCARD"], "--seed", "1"]),
                  work, "root-missing")
    bt.check_rc(r, 1, "missing root")
    bt.check_order(r.lines, ["SOCEMU-MODULES=29/29",
                             "SOCEMU-ROOT-FAILED=gave up waiting for root device /dev/mmcblk0p3",
                             "Kernel panic - not syncing: Attempted to kill init"], "missing root")
    if any("SOCEMU-CONTAINER-START" in line for line in r.lines):
        bt.fail("missing root: stage two ran anyway")


TESTS = {"rootfs_write": test_rootfs_write, "root_missing": test_root_missing}


def main():
    args = bt.parse_args(__doc__, "test", TESTS)
    env = bt.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD",
                                "SOCEMU_RPI3_SDCARD"), values=("SOCEMU_RPI3_CMDLINE",))
    t0 = bt.start(args.work)
    TESTS[args.test](env, args.work)
    return bt.finish(args.test, t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
