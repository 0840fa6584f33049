#!/usr/bin/env python3
"""Boots the rpi3 kernel + DTB + initramfs on socemu and on qemu-system-aarch64 -M raspi3b
(default MTTCG and -accel tcg,thread=single), timestamps console marker lines as they appear,
kills each run at --limit seconds and prints wall time to each marker and socemu/QEMU(best).
Usage: bench/boot-rpi3.py [--build DIR] [--limit S] [--runs N]  (source assets.env first)."""
import argparse, os, select, subprocess, time

MARKERS = ["Booting Linux", "SMP: Total of 4 processors activated", "Run /init as init process",
           "SOCEMU-INIT-START", "SOCEMU-CONTAINER-OK", "reboot: Power down"]

def run(cmd, limit, env=None):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    seen, stats, buf = {}, [], b""
    while time.monotonic() - t0 < limit and p.poll() is None or select.select([p.stdout], [], [], 0)[0]:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if not r:
            if p.poll() is not None: break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk: break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        now = time.monotonic() - t0
        for raw in lines:
            line = raw.decode(errors="replace")
            if "socemu-stats" in line: stats.append(line.strip())
            for m in MARKERS:
                if m in line and m not in seen: seen[m] = now
        # socemu exits by itself (--expect) after printing SOCEMU_STATS; QEMU is killed.
        if len(seen) == len(MARKERS) and "socemu" not in cmd[0]: break
    p.kill(); p.wait()
    return seen, stats

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--limit", type=float, default=120)
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    e = dict(os.environ)
    env_file = os.path.expanduser("~/.cache/socemu/assets.env")
    if "SOCEMU_RPI3_KERNEL" not in e and os.path.exists(env_file):
        for line in open(env_file):
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                e[k] = v.strip("'")
    kern, dtb, initrd, cmdline = (e["SOCEMU_RPI3_KERNEL"], e["SOCEMU_RPI3_DTB"],
                                  e["SOCEMU_RPI3_INITRD"], e["SOCEMU_RPI3_CMDLINE"])
    socemu = [os.path.join(a.build, "tools/cli/socemu"), "--board", "rpi3", "--kernel", kern,
              "--dtb", dtb, "--initrd", initrd, "--append", cmdline, "--timeout", str(a.limit),
              "--expect", MARKERS[-1]]
    qemu = ["qemu-system-aarch64", "-M", "raspi3b", "-kernel", kern, "-dtb", dtb, "-initrd", initrd,
            "-append", cmdline, "-serial", "null", "-serial", "stdio", "-nographic",
            "-monitor", "none"]
    configs = [("socemu", socemu, dict(e, SOCEMU_STATS="1")),
               ("qemu", qemu, None),
               ("qemu-1thread", qemu + ["-accel", "tcg,thread=single"], None)]
    results, stats = {}, []
    for i in range(a.runs):
        for name, cmd, env in configs:
            seen, st = run(cmd, a.limit, env)
            results.setdefault(name, []).append(seen)
            stats += st
    def best(name, m):
        v = [s[m] for s in results[name] if m in s]
        return min(v) if v else None
    fmt = lambda v: "%8.2f" % v if v is not None else "       -"
    print("%-38s %8s %8s %12s %14s" % ("marker (best wall s)", "socemu", "qemu", "qemu-1thread",
                                        "socemu/qemubest"))
    for m in MARKERS:
        s, q, q1 = best("socemu", m), best("qemu", m), best("qemu-1thread", m)
        qb = min([v for v in (q, q1) if v is not None], default=None)
        ratio = "%13.2fx" % (s / qb) if s is not None and qb else "             -"
        print("%-38s %s %s %12s %s" % (m, fmt(s), fmt(q), fmt(q1).strip(), ratio))
    for line in stats:
        if " sched " in line or " cpu " in line: print(line)

if __name__ == "__main__":
    main()
