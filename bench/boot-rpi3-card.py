#!/usr/bin/env python3
"""Boot from the SD card: socemu (`--sd card.img`, the emulated firmware reads the card) against
qemu-system-aarch64 -M raspi3b given the kernel, DTB, initramfs and cmdline.txt taken from the
same card (QEMU has no Pi firmware) and the card as its SD (a power-of-two copy, snapshot=on),
in QEMU's default mode and with -accel tcg,thread=single. Two measurements:
  boot  wall seconds to each console marker, best of --runs, and socemu / the faster QEMU;
  dd    SD read throughput inside the guest: the init's socemu.ddtest=MIB mode reads MIB MiB of
        /dev/mmcblk0 with dd between SOCEMU-DD-START and SOCEMU-DD-DONE; host wall MiB/s there.
Usage: bench/boot-rpi3-card.py [--build DIR] [--card IMG] [--runs N] [--dd MIB] [--limit S]"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootbench  # noqa: E402

BOOT_MARKERS = ["Booting Linux", "SMP: Total of 4 processors activated", "Run /init as init process",
                "mmc0: new", "SOCEMU-INIT-START", "SOCEMU-CONTAINER-OK", "reboot: Power down"]
DD_MARKERS = ["SOCEMU-DD-START", "SOCEMU-DD-DONE"]


def first_partition_offset(card):
    with open(card, "rb") as f:
        mbr = f.read(512)
    if mbr[510:512] != b"\x55\xaa":
        sys.exit("%s: no MBR" % card)
    return struct.unpack_from("<I", mbr, 446 + 8)[0] * 512


def boot_files(card, work):
    """kernel, dtb, initramfs and cmdline as the firmware would pick them (the demo card's keys)."""
    img = "%s@@%d" % (card, first_partition_offset(card))
    def get(name):
        dst = os.path.join(work, os.path.basename(name))
        subprocess.run(["mcopy", "-n", "-o", "-i", img, "::" + name, dst], check=True)
        return dst
    cfg = open(get("config.txt")).read().splitlines()
    val = lambda key, dflt: next((l.split("=", 1)[1].strip() for l in cfg
                                  if l.strip().startswith(key + "=")), dflt)
    initramfs = next((l.split()[1] for l in cfg if l.startswith("initramfs ")), None)
    return (get(val("kernel", "kernel8.img")), get(val("device_tree", "bcm2837-rpi-3-b.dtb")),
            get(initramfs) if initramfs else None, open(get("cmdline.txt")).read().strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--card")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--dd", type=int, default=128, help="MiB for the dd test (0: skip)")
    ap.add_argument("--limit", type=float, default=180)
    a = ap.parse_args()
    e = bootbench.assets()
    card = a.card or e["SOCEMU_RPI3_SDCARD"]
    work = tempfile.mkdtemp(prefix="socemu-bench-")
    try:
        kernel, dtb, initrd, cmdline = boot_files(card, work)
        qcard = os.path.join(work, "card-pow2.img")
        shutil.copyfile(card, qcard)
        size = os.path.getsize(qcard)
        os.truncate(qcard, 1 << (size - 1).bit_length())
        socemu = [os.path.join(a.build, "tools/cli/socemu"), "--board", "rpi3", "--sd", card,
                  "--timeout", str(a.limit)]
        qemu = ["qemu-system-aarch64", "-M", "raspi3b", "-kernel", kernel, "-dtb", dtb,
                "-drive", "if=sd,format=raw,snapshot=on,file=" + qcard, "-serial", "null",
                "-serial", "stdio", "-display", "none", "-monitor", "none"]
        if initrd:
            qemu += ["-initrd", initrd]
        configs = lambda extra: [
            ("socemu", socemu + (["--append", extra] if extra else []), dict(e, SOCEMU_STATS="1")),
            ("qemu", qemu + ["-append", (cmdline + " " + extra).strip()], None),
            ("qemu-1thread", qemu + ["-append", (cmdline + " " + extra).strip(),
                                     "-accel", "tcg,thread=single"], None)]
        names = ["socemu", "qemu", "qemu-1thread"]

        print("== boot from the card: %s" % card)
        results, stats = {}, []
        for _ in range(a.runs):
            for name, cmd, env in configs(""):
                # socemu exits by itself at power-off, after its stats; QEMU is killed.
                stop = None if name == "socemu" else BOOT_MARKERS[-1]
                seen, st, _ = bootbench.run(cmd, BOOT_MARKERS, a.limit, env, stop)
                results.setdefault(name, []).append(seen)
                stats += st
        bootbench.table(BOOT_MARKERS, results, names)
        for line in stats:
            if any(k in line for k in (" sched ", " cpu ", " jit ", " mmio ")):
                print(line)

        if a.dd:
            print("\n== SD read throughput in the guest: dd of %d MiB from /dev/mmcblk0" % a.dd)
            print("%-14s %10s %10s   %s" % ("", "wall s", "MiB/s", "dd's own summary (guest time)"))
            rate = {}
            for name, cmd, env in configs("socemu.ddtest=%d" % a.dd):
                best = None
                for _ in range(a.runs):
                    seen, _, lines = bootbench.run(cmd, DD_MARKERS, a.limit, env, DD_MARKERS[-1])
                    if all(m in seen for m in DD_MARKERS):
                        dt = seen[DD_MARKERS[1]] - seen[DD_MARKERS[0]]
                        summary = next((l.strip() for l in lines if "copied" in l), "")
                        if best is None or dt < best[0]:
                            best = (dt, summary)
                if best:
                    rate[name] = a.dd / best[0]
                    print("%-14s %10.2f %10.1f   %s" % (name, best[0], rate[name], best[1]))
                else:
                    print("%-14s %10s %10s   (no SOCEMU-DD markers: does the card's init know "
                          "socemu.ddtest?)" % (name, "-", "-"))
            q = [v for n, v in rate.items() if n.startswith("qemu")]
            if "socemu" in rate and q:
                print("socemu / best QEMU throughput: %.2fx" % (rate["socemu"] / max(q)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
