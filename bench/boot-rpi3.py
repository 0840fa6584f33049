#!/usr/bin/env python3
"""Boots the rpi3 kernel + DTB + initramfs on socemu and on qemu-system-aarch64 -M raspi3b
(default MTTCG and -accel tcg,thread=single), timestamps console marker lines as they appear,
kills each run at --limit seconds and prints wall time to each marker and socemu/QEMU(best).
Usage: bench/boot-rpi3.py [--build DIR] [--limit S] [--runs N]  (assets from assets.env)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootbench  # noqa: E402

MARKERS = ["Booting Linux", "SMP: Total of 4 processors activated", "Run /init as init process",
           "SOCEMU-INIT-START", "SOCEMU-CONTAINER-OK", "reboot: Power down"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--limit", type=float, default=120)
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    e = bootbench.assets()
    kern, dtb, initrd, cmdline = (e["SOCEMU_RPI3_KERNEL"], e["SOCEMU_RPI3_DTB"],
                                  e["SOCEMU_RPI3_INITRD"], e["SOCEMU_RPI3_CMDLINE"])
    socemu = [os.path.join(a.build, "tools/cli/socemu"), "--board", "rpi3", "--kernel", kern,
              "--dtb", dtb, "--initrd", initrd, "--append", cmdline, "--timeout", str(a.limit)]
    qemu = ["qemu-system-aarch64", "-M", "raspi3b", "-kernel", kern, "-dtb", dtb, "-initrd", initrd,
            "-append", cmdline, "-serial", "null", "-serial", "stdio", "-display", "none",
            "-monitor", "none"]
    configs = [("socemu", socemu, dict(e, SOCEMU_STATS="1")),
               ("qemu", qemu, None),
               ("qemu-1thread", qemu + ["-accel", "tcg,thread=single"], None)]
    results, stats = {}, []
    for _ in range(a.runs):
        for name, cmd, env in configs:
            # socemu exits by itself at power-off, after its stats; QEMU is killed.
            stop = None if name == "socemu" else MARKERS[-1]
            seen, st, _ = bootbench.run(cmd, MARKERS, a.limit, env, stop)
            results.setdefault(name, []).append(seen)
            stats += st
    bootbench.table(MARKERS, results, [n for n, _, _ in configs])
    for line in stats:
        if any(k in line for k in (" sched ", " cpu ", " jit ", " mmio ")):
            print(line)


if __name__ == "__main__":
    main()
