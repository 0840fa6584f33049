#!/usr/bin/env python3
"""Host memory of the SD copy-on-write overlay: boot the demo card grown to 1.5 GiB (sparse copy,
`--sd`, so every guest write lands in the overlay), have the guest write --mib MiB to the card
with dd (past the partitions), power off, and print socemu's peak RSS (/usr/bin/time -v) and the
guest's dd time. The overlay is a temporary file, so the peak should not grow with --mib.
Usage: bench/sd-overlay-rss.py [--build DIR] [--mib N] [--limit S] [--direct]"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootbench  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--limit", type=float, default=900)
    ap.add_argument("--direct", action="store_true",
                    help="dd oflag=direct: the guest's page cache does not fill guest RAM")
    a = ap.parse_args()
    if not shutil.which("/usr/bin/time"):
        print("sd-overlay-rss: /usr/bin/time is missing (package time)")
        return 77
    e = bootbench.assets()
    work = tempfile.mkdtemp(prefix="socemu-rss-", dir="/var/tmp")
    try:
        card = os.path.join(work, "card.img")
        subprocess.run(["cp", "--sparse=always", e["SOCEMU_RPI3_SDCARD"], card], check=True)
        os.truncate(card, 256 * 1024 * 1024 + (a.mib + 256) * 1024 * 1024)
        cmd = ["/usr/bin/time", "-v", os.path.join(a.build, "tools/cli/socemu"), "--board", "rpi3",
               "--sd", card, "--append", "socemu.shell=1", "--timeout", str(a.limit)]
        err = open(os.path.join(work, "stderr"), "w+")
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        out, sent, t0 = b"", False, time.time()
        script = ("t0=$(cut -d' ' -f1 /proc/uptime); dd if=/dev/zero of=/dev/mmcblk0 bs=1M "
                  "seek=256 count=%d conv=fsync%s 2>&1; t1=$(cut -d' ' -f1 /proc/uptime); "
                  "echo SOCEMU-WRITE-DONE $t0 $t1; poweroff -f\n"
                  % (a.mib, " oflag=direct" if a.direct else ""))
        while True:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
            if not sent and b"SOCEMU-INIT-DONE" in out:
                time.sleep(1)
                p.stdin.write(script.encode())
                p.stdin.flush()
                sent = True
        p.wait()
        err.seek(0)
        text = err.read()
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        done = re.search(rb"SOCEMU-WRITE-DONE ([\d.]+) ([\d.]+)", out)
        print("guest wrote %d MiB: %s; peak RSS %s MB; host %.1f s" % (
            a.mib, "in %.2f s guest time" % (float(done.group(2)) - float(done.group(1)))
            if done else "NO SOCEMU-WRITE-DONE marker",
            "%.0f" % (int(rss.group(1)) / 1000) if rss else "?", time.time() - t0))
        return 0 if done and rss else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
