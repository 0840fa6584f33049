#!/usr/bin/env python3
"""The user's SD card image under the real guest: odd sizes, compressed images, --sd-write,
kill -9 safety and the bad-image errors. Each test works on copies of the demo card
($SOCEMU_RPI3_SDCARD) in --work; the demo card itself is only read.

Tests (one per ctest, boot.rpi3.sd_<name>):
  odd_size    the demo card grown to 300 MiB + 3 sectors boots to SOCEMU-CONTAINER-OK, Linux
              reports the capacity rounded up to 512 KiB (301 MiB), and the guest's writes (ext4,
              the init's socemu.reboot=1 mark) leave the copy byte-identical (copy-on-write).
  compressed  the demo card gzip'ed boots; the decompressed copy leaves nothing in $TMPDIR.
              (xz and zstd content: devices_sd_image.)
  write       --sd-write: the guest's reboot mark (sector 2048) is in the file afterwards.
  kill9       kill -9 while the guest uses the card: the copy's sha256 is unchanged; a gzip'ed
              card killed the same way leaves nothing in $TMPDIR.
  kill9_write kill -9 while the guest writes through --sd-write (init= tests/boot/kill9-writer.sh,
              put on the copy's root with debugfs, rewrites files on the ext4 root and the
              read-write FAT): fsck.vfat -n finds the FAT consistent, and once the ext4 journal is
              replayed (e2fsck -E journal_only, as after a real power cut) e2fsck -fn is clean.
  bad_input   broken images and --sd-write misuse: exit 2 and one stderr line naming the file,
              before the guest starts; QEMU's -drive snapshot=off is --sd-write, a plain -drive
              is copy-on-write.
Exit 0 pass, 1 fail, 77 skip (assets missing). Logs stay in --work for post-mortems.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402  (assets, socemu runner, card copies, bad-input checks)
from bootlib import HOST_TIMEOUT, MIB, card_copy, fail, sha256, socemu  # noqa: E402

CAPACITY_UNIT = 512 * 1024  # CSD v2: the card's capacity is a multiple of 512 KiB
REBOOT_MARK = b"SOCEMU-REBOOT-MARK"
MARK_SECTOR = 2048  # where the init writes it (tools/assets/rpi3 init, socemu.reboot=1)
MMC_UP = re.compile(r"mmc0: new .*card")

def sector(path, n):
    with open(path, "rb") as f:
        f.seek(n * 512)
        return f.read(512)


def boot_args(card, *extra, append=None):
    args = ["--board", "rpi3", "--sd", card, "--timeout", str(HOST_TIMEOUT)]
    if append:
        args += ["--append", append]
    return args + list(extra)


def linux_size(capacity):
    """The size Linux's string_get_size prints for a card of 100..999 MiB: 3 significant
    digits, rounded half up ("301 MiB" for 300.5 MiB)."""
    mib = capacity / MIB
    assert 100 <= mib < 999.5
    return "%d MiB" % int(mib + 0.5)


def require_reboot_marker(run, what):
    """The init's socemu.reboot=1 flow must be there; say so plainly if the init changed."""
    if "SOCEMU-REBOOT-FIRST-BOOT" not in run.out:
        fail("%s: the init printed no SOCEMU-REBOOT-FIRST-BOOT: does it still honour "
             "socemu.reboot=1 (mark in sector %d)?" % (what, MARK_SECTOR))
        return False
    return True


# ---- tests ----

def test_odd_size(env, work):
    size = 300 * MIB + 3 * 512
    card = card_copy(env, work, "odd.img", size)
    before = sha256(card)
    r = socemu(boot_args(card, "--no-reboot", append="socemu.reboot=1"), work, "odd")
    if r.rc != 0:
        fail("odd size: exit %d, want 0 (rebooted under --no-reboot)" % r.rc)
    capacity = -(-size // CAPACITY_UNIT) * CAPACITY_UNIT
    want = linux_size(capacity)
    m = re.search(r"mmcblk0: mmc0:\w+ \w+ (\d+(?:\.\d+)? [KMGT]iB)", r.out)
    if not m:
        fail("odd size: no 'mmcblk0: mmc0:... <size>' line")
    elif m.group(1) != want:
        fail("odd size: Linux sees %s, want %s (%d bytes)" % (m.group(1), want, capacity))
    else:
        print("  ok Linux sees %s for a %d-byte image" % (m.group(1), size))
    bt.check_order(r.lines, [MMC_UP, "SOCEMU-CONTAINER-OK"], "odd size")
    require_reboot_marker(r, "odd size")
    if os.path.getsize(card) != size or sha256(card) != before:
        fail("odd size: the image changed without --sd-write")
    else:
        print("  ok image byte-identical after the guest wrote to it")


def test_compressed(env, work):
    card = card_copy(env, work, "card.img")
    packed = card + ".gz"
    with open(packed, "wb") as f:
        subprocess.run(["gzip", "-1", "-c", card], stdout=f, check=True)
    os.unlink(card)
    before = sha256(packed)
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    r = socemu(boot_args(packed, "--expect", "SOCEMU-CONTAINER-OK"), work, "gzip",
               env=dict(os.environ, TMPDIR=tmp))
    if r.rc != 0:
        fail("gzip card: exit %d, want 0 (SOCEMU-CONTAINER-OK)" % r.rc)
    bt.check_order(r.lines, [MMC_UP, "SOCEMU-CONTAINER-OK"], "gzip card")
    if os.listdir(tmp):
        fail("gzip card: left files in $TMPDIR: %s" % os.listdir(tmp))
    if sha256(packed) != before:
        fail("gzip card: the .gz changed")


def test_write(env, work):
    card = card_copy(env, work, "write.img")
    if REBOOT_MARK in sector(card, MARK_SECTOR):
        fail("write: the demo card already carries the reboot mark")
        return
    r = socemu(boot_args(card, "--sd-write", "--no-reboot", append="socemu.reboot=1"), work,
               "write")
    if r.rc != 0:
        fail("write: exit %d, want 0 (rebooted under --no-reboot)" % r.rc)
    if not require_reboot_marker(r, "write"):
        return
    if REBOOT_MARK not in sector(card, MARK_SECTOR):
        fail("write: the guest's mark is not in sector %d of the file" % MARK_SECTOR)
    else:
        print("  ok the guest's write is in the file (sector %d)" % MARK_SECTOR)


def kill_when(args, work, name, pattern, env=None, settle=0.0):
    """Starts socemu, SIGKILLs it once the console shows pattern (plus settle seconds)."""
    cmd = [bt.socemu_path] + args
    print("$ " + " ".join(cmd) + "   # kill -9 at %r" % pattern.pattern, flush=True)
    log = open(os.path.join(work, name + ".out"), "wb")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    text, deadline, seen = "", time.monotonic() + HOST_TIMEOUT, None
    while time.monotonic() < deadline and p.poll() is None:
        ready, _, _ = select.select([p.stdout], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        log.write(chunk)
        text += chunk.decode("utf-8", "replace")
        if seen is None and pattern.search(text):
            seen = time.monotonic()
        if seen is not None and time.monotonic() >= seen + settle:
            break
    alive = p.poll() is None
    if alive:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    p.stdout.close()
    log.close()
    if not alive or seen is None:
        fail("%s: socemu ended (exit %s) before %r" % (name, p.returncode, pattern.pattern))
        return False
    print("  killed with SIGKILL (exit %d)" % p.returncode)
    return True


def test_kill9(env, work):
    card = card_copy(env, work, "kill.img")
    before = sha256(card)
    # After the root file system is mounted read-write the guest writes to the card.
    if kill_when(boot_args(card), work, "kill-plain",
                 re.compile(r"SOCEMU-ROOTFS-OK|EXT4-fs \(mmcblk0p2\): mounted"), settle=1.0):
        if sha256(card) != before:
            fail("kill -9: the image changed")
        else:
            print("  ok image byte-identical after kill -9")
    packed = card + ".gz"
    with open(packed, "wb") as f:
        subprocess.run(["gzip", "-1", "-c", card], stdout=f, check=True)
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    if kill_when(boot_args(packed), work, "kill-gzip", MMC_UP, env=dict(os.environ, TMPDIR=tmp)):
        if os.listdir(tmp):
            fail("kill -9 of a gzip card: left files in $TMPDIR: %s" % os.listdir(tmp))
        else:
            print("  ok nothing left in $TMPDIR")


WRITER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kill9-writer.sh")
WRITER_ON_CARD = "/sbin/socemu-kill9-writer"


def run_tool(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace").strip()


def test_kill9_write(env, work):
    """A power cut while the guest writes through --sd-write: the ext4 root must be clean once
    its journal is replayed (as after a real power cut) and the FAT must be consistent."""
    bt.require_tools("debugfs", "e2fsck", "dumpe2fs", "fsck.vfat", "mtype", "mcopy")
    card = card_copy(env, work, "kill9-write.img")
    p1, p2 = bt.mbr_partitions(card)[:2]
    ext4 = "%s?offset=%d" % (card, p2[0])
    # the writer (init= after the initramfs's switch_root) onto the copy's root, and its init=
    rc, out = run_tool(["debugfs", "-w", "-R", "write %s %s" % (WRITER, WRITER_ON_CARD), ext4])
    rc2, mode = run_tool(["debugfs", "-R", "stat " + WRITER_ON_CARD, ext4])
    if rc or rc2 or "Mode:  0755" not in mode:
        fail("kill9_write: cannot put %s on the card copy: %s %s" % (WRITER_ON_CARD, out, mode))
        return
    fat = bt.Fat(card, p1[0])
    cmdline = fat.read("cmdline.txt").strip() + " init=" + WRITER_ON_CARD + "\n"
    local = os.path.join(work, "cmdline.txt")
    with open(local, "w") as f:
        f.write(cmdline)
    fat.put(local, "cmdline.txt")
    print("  card copy %s, cmdline.txt: %s" % (card, cmdline.strip()))
    before = sha256(card)
    # kill in the middle of the writing: a few rounds in (some synced, the rest in flight)
    if not kill_when(boot_args(card, "--sd-write"), work, "kill9-write",
                     re.compile(r"SOCEMU-KILL9-WRITING=6\b"), settle=0.7):
        return
    with open(os.path.join(work, "kill9-write.out"), "rb") as f:
        console = f.read().decode("utf-8", "replace")
    rounds = re.findall(r"SOCEMU-KILL9-WRITING=(\d+)", console)
    print("  the guest was writing: %d rounds printed before SIGKILL" % len(rounds))
    if "SOCEMU-KILL9-FAILED" in console or "SOCEMU-KILL9-START" not in console:
        fail("kill9_write: the writer did not start (see kill9-write.out)")
        return
    if sha256(card) == before:
        fail("kill9_write: the image did not change under --sd-write")
        return

    # FAT: consistent as left (fsck.vfat -n never writes). A volume mounted read-write and never
    # unmounted has its dirty flag set (FAT32: byte 0x41 of the boot sector, so the backup boot
    # sector differs there): that is what a power cut leaves, and the only complaint allowed.
    fat_img = bt.extract_partition(card, 0, os.path.join(work, "p1.img"))
    rc, out = run_tool(["fsck.vfat", "-n", fat_img])
    benign = re.compile(r"fsck\.fat |There are differences between boot sector and its backup\.$|"
                        r"This is mostly harmless\. Differences: \(offset:original/backup\)$|"
                        r"\s+65:01/00$|\s+Not automatically fixing this\.$|Dirty bit is set\. |"
                        r"\s*Automatically removing dirty bit\.$|Leaving filesystem unchanged\.$|"
                        r"\S+: \d+ files, \d+/\d+ clusters$|$")
    problems = [line for line in out.splitlines() if not benign.match(line)]
    if rc not in (0, 1) or problems:
        fail("kill9_write: fsck.vfat -n on the FAT partition: exit %d, %s\n%s"
             % (rc, problems, out))
    else:
        print("  ok fsck.vfat -n: only the dirty flag of an unclean unmount: %s"
              % out.splitlines()[-1])

    # ext4: the journal must need replaying (mounted read-write, never unmounted), replay it on a
    # copy, then e2fsck -fn must find nothing.
    root = bt.extract_partition(card, 1, os.path.join(work, "p2.img"))
    rc, out = run_tool(["dumpe2fs", "-h", root])
    if "needs_recovery" not in out:
        fail("kill9_write: the ext4 root was left clean (no needs_recovery): was it written "
             "at the kill?\n%s" % out[:2000])
    else:
        print("  ok ext4 left with needs_recovery (mounted read-write, never unmounted)")
    rc, out = run_tool(["e2fsck", "-fn", root])
    print("  before the journal replay, e2fsck -fn (informational): exit %d, %s"
          % (rc, out.splitlines()[-1] if out else ""))
    rc, out = run_tool(["e2fsck", "-E", "journal_only", "-y", root])
    if rc not in (0, 1):
        fail("kill9_write: e2fsck -E journal_only -y (journal replay): exit %d\n%s" % (rc, out))
        return
    print("  journal replayed: e2fsck -E journal_only -y exit %d" % rc)
    rc, out = run_tool(["e2fsck", "-fn", root])
    if rc != 0:
        fail("kill9_write: e2fsck -fn after the journal replay: exit %d\n%s" % (rc, out))
    else:
        print("  ok e2fsck -fn after the replay: %s" % out.splitlines()[-1])
    # what was checked is what the guest wrote: its files are on both partitions
    rc, out = run_tool(["debugfs", "-R", "ls /var/lib/socemu/kill9", root])
    on_ext4 = sorted(set(re.findall(r"data-\d", out)))
    try:
        on_fat = sorted(set(re.findall(r"\bf\d\s+bin\b|round\s+txt", fat.run(
            "mdir", "-i", fat.spec, "::kill9").lower())))
    except RuntimeError as e:
        on_fat = []
        print("  mdir: %s" % e)
    if not on_ext4 or not on_fat:
        fail("kill9_write: the guest's files are not on the card: ext4 %s, FAT %s"
             % (on_ext4, on_fat))
    else:
        print("  ok the guest's files are on the card: ext4 /var/lib/socemu/kill9 %s, FAT "
              "kill9/ %d files" % (" ".join(on_ext4), len(on_fat)))


def mbr_image(path, parts, size=64 * MIB, signature=True):
    """A sparse image with an MBR of (type, start_lba, sectors) entries."""
    with open(path, "wb") as f:
        f.truncate(size)
        mbr = bytearray(512)
        for i, (ptype, start, count) in enumerate(parts):
            mbr[446 + 16 * i:446 + 16 * (i + 1)] = struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype,
                                                                b"\0\0\0", start, count)
        if signature:
            mbr[510:512] = b"\x55\xaa"
        f.seek(0)
        f.write(mbr)
    return path


def test_bad_input(env, work):
    demo = env["SOCEMU_RPI3_SDCARD"]

    def path(name):
        return os.path.join(work, name)

    with open(demo, "rb") as f:
        head = f.read(100 * MIB)
    with open(path("short.img"), "wb") as f:  # a download cut in partition 2
        f.write(head)
    open(path("empty.img"), "wb").close()
    mbr_image(path("overlap.img"), [(0x0C, 2048, 65536), (0x83, 32768, 65536)])
    mbr_image(path("nosig.img"), [(0x0C, 2048, 65536)], signature=False)
    mbr_image(path("gpt.img"), [(0xEE, 1, 131071)])
    mbr_image(path("linux-only.img"), [(0x83, 2048, 65536)])
    with open(path("cut.img.gz"), "wb") as f:
        packed = subprocess.run(["gzip", "-1", "-c"], input=head[:8 * MIB], check=True,
                                stdout=subprocess.PIPE).stdout
        f.write(packed[:len(packed) // 2])
    xz = subprocess.run(["xz", "-0", "-c"], input=head[:8 * MIB], check=True,
                        stdout=subprocess.PIPE).stdout
    xz = bytearray(xz)
    for i in range(len(xz) // 2, len(xz) // 2 + 32):
        xz[i] ^= 0x5A
    with open(path("corrupt.img.xz"), "wb") as f:
        f.write(xz)
    with open(path("cut.img.zst"), "wb") as f:
        packed = subprocess.run(["zstd", "-q", "-1", "-c"], input=head[:8 * MIB], check=True,
                                stdout=subprocess.PIPE).stdout
        f.write(packed[:len(packed) // 2])
    good_gz = path("good.img.gz")
    with open(good_gz, "wb") as f:
        f.write(subprocess.run(["gzip", "-1", "-c"], input=head[:8 * MIB], check=True,
                               stdout=subprocess.PIPE).stdout)
    readonly = card_copy(env, work, "readonly.img")
    os.chmod(readonly, 0o444)
    locked = card_copy(env, work, "locked.img")

    base = ["--board", "rpi3", "--timeout", "60"]
    cases = [
        ("truncated download", ["--sd", path("short.img")], path("short.img"), "truncated image"),
        ("empty image", ["--sd", path("empty.img")], path("empty.img"), "empty"),
        ("overlapping partitions", ["--sd", path("overlap.img")], path("overlap.img"), "overlap"),
        ("no MBR signature", ["--sd", path("nosig.img")], path("nosig.img"), "no MBR"),
        ("GPT", ["--sd", path("gpt.img")], path("gpt.img"), "GPT"),
        ("no FAT partition", ["--sd", path("linux-only.img")], path("linux-only.img"),
         "no FAT boot partition"),
        ("truncated gzip", ["--sd", path("cut.img.gz")], path("cut.img.gz"),
         "truncated gzip stream"),
        ("corrupt xz", ["--sd", path("corrupt.img.xz")], path("corrupt.img.xz"),
         "corrupt xz stream"),
        ("truncated zstd", ["--sd", path("cut.img.zst")], path("cut.img.zst"),
         "truncated zstd stream"),
        ("--sd-write on a read-only file", ["--sd", readonly, "--sd-write"], readonly,
         "read-only"),
        ("-drive snapshot=off on a read-only file",
         ["-drive", "if=sd,file=%s,snapshot=off" % readonly], readonly, "read-only"),
        ("--sd-write on a gzip image", ["--sd", good_gz, "--sd-write"], good_gz,
         "needs an uncompressed image"),
        ("--sd-write on a locked image", ["--sd", locked, "--sd-write"], locked,
         "in use by another process"),
    ]
    lock_fd = os.open(locked, os.O_RDONLY)
    fcntl.flock(lock_fd, fcntl.LOCK_SH)  # another process reading it
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    try:
        for what, args, name, why in cases:
            r = socemu(base + args, work, re.sub(r"\W+", "-", what).strip("-"), timeout=60,
                       env=dict(os.environ, TMPDIR=tmp))
            bt.check_bad_input(r, what, name, why)
    finally:
        os.close(lock_fd)
    if os.listdir(tmp):
        fail("bad input: left files in $TMPDIR: %s" % os.listdir(tmp))

    # Usage errors: one line, exit 2.
    for what, args, want in [
        ("snapshot=maybe", ["-drive", "if=sd,file=%s,snapshot=maybe" % readonly], "snapshot="),
        ("--sd-write without --sd", ["--kernel", readonly, "--sd-write"], "--sd-write"),
    ]:
        r = socemu(base + args, work, re.sub(r"\W+", "-", what).strip("-"), timeout=60)
        lines = [l for l in r.err.splitlines() if l.strip()]
        if r.rc != 2 or len(lines) != 1 or want not in lines[0]:
            fail("%s: want exit 2 and one line about %s, got exit %d: %r" % (what, want, r.rc,
                                                                              lines))
        else:
            print("  ok %s: %s" % (what, lines[0]))

    # A plain -drive (like -snapshot) is copy-on-write: the read-only file is fine. The guest
    # starts, so stop it after a moment: the timeout (exit 3) is the expected end.
    r = socemu(["-M", "raspi3b", "-drive", "if=sd,file=%s" % readonly, "-snapshot", "--timeout",
                "2"], work, "drive-cow", timeout=60)
    if r.rc != 3:
        fail("plain -drive on a read-only file: exit %d, want 3 (ran until --timeout)" % r.rc)
    else:
        print("  ok plain -drive and -snapshot: copy-on-write, the read-only image boots")
    os.chmod(readonly, 0o644)


TESTS = {
    "odd_size": test_odd_size,
    "compressed": test_compressed,
    "write": test_write,
    "kill9": test_kill9,
    "kill9_write": test_kill9_write,
    "bad_input": test_bad_input,
}


def main():
    args = bt.parse_args(__doc__, "test", TESTS, raw_doc=True)
    env = bt.load_assets(files=("SOCEMU_RPI3_SDCARD",))
    t0 = bt.start(args.work)
    TESTS[args.test](env, args.work)
    if not bt.failures:  # card copies are big: keep the logs, drop the images
        for name in os.listdir(args.work):
            if re.search(r"\.img(\.\w+)?$", name):
                os.unlink(os.path.join(args.work, name))
    return bt.finish(args.test, t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
