#!/usr/bin/env python3
"""The firmware reads the card again at every guest reboot (issue 12 item 1).

A copy of the demo card gets a small extra initramfs (fwtest.cpio.gz, appended through
config.txt's `initramfs A,B` list) whose /fwtest-init, named by rdinit= in cmdline.txt, does one
thing per boot, chosen by socemu.fwtest= on the command line:
  edit:   first boot: mount the FAT partition read-write, append socemu.fwedited=1 to
          cmdline.txt, reboot; the next boot sees socemu.fwedited=1 in /proc/cmdline, powers off.
  delete: delete the kernel from the FAT partition and reboot: the firmware finds no kernel.
Cases: edit_cow (no --sd-write: the copy-on-write overlay must be read; the image is unchanged),
edit_write (--sd-write: the image's cmdline.txt has the edit afterwards), kernel_gone (exit 1,
one line naming the card and the missing kernel).
"""
import gzip
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bootlib  # noqa: E402

INIT = r"""#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
kver=$(uname -r)
while read -r mod; do
    case "$mod" in '' | '#'*) continue ;; esac
    insmod "/lib/modules/$kver/$mod" 2>/dev/null
done </etc/socemu/modules.load
i=0
while [ ! -b /dev/mmcblk0p1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
mode=
for arg in $(cat /proc/cmdline); do
    case "$arg" in socemu.fwtest=*) mode=${arg#socemu.fwtest=} ;; esac
done
echo "SOCEMU-FWTEST-CMDLINE=$(cat /proc/cmdline)"
mkdir -p /boot
mount -t vfat /dev/mmcblk0p1 /boot || echo SOCEMU-FWTEST-MOUNT-FAILED
if grep -q socemu.fwedited=1 /proc/cmdline; then
    echo SOCEMU-FWTEST-SECOND-BOOT
    umount /boot
    poweroff -f
fi
case "$mode" in
    edit)
        line=$(cat /boot/cmdline.txt)
        echo "$line socemu.fwedited=1" >/boot/cmdline.txt
        echo "SOCEMU-FWTEST-EDITED=$(cat /boot/cmdline.txt)"
        ;;
    delete)
        rm /boot/kernel8.img && echo SOCEMU-FWTEST-KERNEL-DELETED
        ;;
esac
umount /boot
sync
reboot -f
while :; do sleep 3600; done
"""


def cpio_newc(files):
    """An uncompressed newc archive of (name, mode, data) entries."""
    out = bytearray()

    def entry(name, mode, data, ino):
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.extend(hdr.encode() + nb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for n, (name, mode, data) in enumerate(files, 1):
        entry(name, mode, data, n)
    entry("TRAILER!!!", 0, b"", 0)
    return bytes(out)


def make_card(env, work, name, mode):
    card = bootlib.card_copy(env, work, name)
    fat = bootlib.Fat(card, bootlib.first_partition_offset(card))
    extra = os.path.join(work, "fwtest.cpio.gz")
    with open(extra, "wb") as f:
        f.write(gzip.compress(cpio_newc([("fwtest-init", 0o100755, INIT.encode())])))
    fat.put(extra, "fwtest.cpio.gz")
    config = fat.read("config.txt").replace(
        "initramfs initramfs.cpio.gz", "initramfs initramfs.cpio.gz,fwtest.cpio.gz")
    if "fwtest.cpio.gz" not in config:
        bootlib.fail("config.txt has no 'initramfs initramfs.cpio.gz' line to extend")
    cmdline = "console=ttyS1,115200 earlycon rdinit=/fwtest-init socemu.fwtest=%s\n" % mode
    for fname, text in (("config.txt", config), ("cmdline.txt", cmdline)):
        local = os.path.join(work, fname)
        with open(local, "w") as f:
            f.write(text)
        fat.put(local, fname)
    return card, fat


def main():
    args = bootlib.parse_args(__doc__, "case", ("edit_cow", "edit_write", "kernel_gone"))
    env = bootlib.load_assets(files=("SOCEMU_RPI3_SDCARD",))
    bootlib.require_tools("mcopy", "mtype")
    work = args.work
    t0 = bootlib.start(work)
    case = args.case
    card, fat = make_card(env, work, "card.img", "delete" if case == "kernel_gone" else "edit")
    before = bootlib.sha256(card)
    cmd = ["--board", "rpi3", "--sd", card, "--timeout", str(bootlib.HOST_TIMEOUT)]
    if case != "edit_cow":
        cmd.append("--sd-write")
    run = bootlib.socemu(cmd, work, case)
    if case == "kernel_gone":
        bootlib.check_rc(run, 1, case)
        bootlib.check_order(run.lines, ["SOCEMU-FWTEST-KERNEL-DELETED"], case)
        errs = [l for l in run.err.splitlines() if l.startswith("socemu: guest failed")]
        want = "after the guest's reboot the firmware cannot boot the card: %s: " % card
        if len(errs) != 1 or want not in errs[0] or "kernel8.img" not in errs[0]:
            bootlib.fail("%s: want one 'socemu: guest failed: ...%s...kernel8.img...' line, got %r"
                         % (case, want, run.err.strip()[-500:]))
        else:
            print("  ok: " + errs[0])
        return bootlib.finish("firmware_reboot." + case, t0, work)
    bootlib.check_rc(run, 0, case)
    bootlib.check_order(run.lines, [
        "SOCEMU-FWTEST-CMDLINE=", "SOCEMU-FWTEST-EDITED=",
        re.compile(r"^SOCEMU-FWTEST-CMDLINE=.* socemu\.fwedited=1"),
        "SOCEMU-FWTEST-SECOND-BOOT"], case)
    if case == "edit_cow":
        if bootlib.sha256(card) != before:
            bootlib.fail("edit_cow: the image changed without --sd-write")
    else:
        try:
            text = fat.read("cmdline.txt")
        except RuntimeError as e:
            text = str(e)
        if "socemu.fwedited=1" not in text:
            bootlib.fail("edit_write: the image's cmdline.txt lacks the guest's edit: %r" % text)
    return bootlib.finish("firmware_reboot." + case, t0, work)


if __name__ == "__main__":
    sys.exit(main())
