#!/usr/bin/env python3
"""Idle time and host input (issue 12 item 2): idle_wait.elf sleeps 300 s of guest time in WFI.
- stdin at end of file (a pipe closed at once): idle time is skipped, the run passes (and
  repeats: same instruction count twice);
- a pipe on stdin that stays open, and a unix socket server console: idle time runs no faster
  than the wall clock: after --timeout 3 the summary's guest time is not ahead of its host time.
Usage: idle_pacing_test.py SOCEMU ELF"""
import os
import re
import subprocess
import sys
import tempfile

socemu, elf = sys.argv[1:3]
base = [socemu, "--board", "rpi3", "--kernel", elf]
TIMES = re.compile(r"after ([\d.]+) s guest time, ([\d.]+) s host \((\d+) instructions\)")
problems = []


def run(args, stdin, keep_open):
    """stdout and stderr go to files, so a pipe on stdin can stay open until socemu exits."""
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        p = subprocess.Popen(base + args, stdin=stdin, stdout=fo, stderr=fe, text=True)
        if stdin == subprocess.PIPE and not keep_open:
            p.stdin.close()
        p.wait(timeout=60)
        if p.stdin:
            p.stdin.close()
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    m = TIMES.search(err)
    print("[%s] exit %d: %s" % (" ".join(args), p.returncode, err.strip().splitlines()[-1:]))
    return p.returncode, m, out


# 1. No input: skipping stays (300 s of guest sleep well inside a 30 s timeout), deterministic.
seen = []
for _ in range(2):
    code, m, out = run(["--timeout", "30"], subprocess.PIPE, keep_open=False)
    if code != 0 or "PASS slept_300_guest_seconds" not in out or not m:
        problems.append("stdin at EOF: the run did not pass (exit %d)" % code)
    else:
        seen.append(m.group(3))
        if float(m.group(1)) < 300:
            problems.append("stdin at EOF: guest time %s s < 300" % m.group(1))
if len(seen) == 2 and seen[0] != seen[1]:
    problems.append("stdin at EOF: instruction counts differ (%s, %s)" % tuple(seen))

# 2. A live input source: guest time stays behind the wall clock.
with tempfile.TemporaryDirectory() as d:
    sock = os.path.join(d, "console.sock")
    for label, args in (("stdin pipe kept open", []),
                        ("unix socket server", ["--serial", "unix:%s,server,nowait" % sock])):
        code, m, out = run(args + ["--timeout", "3"],
                           subprocess.PIPE if not args else subprocess.DEVNULL, keep_open=True)
        if not m:
            problems.append("%s: no summary line" % label)
            continue
        guest, host = float(m.group(1)), float(m.group(2))
        if "PASS slept_300_guest_seconds" in out:
            problems.append("%s: 300 s of guest sleep done in %.1f s host" % (label, host))
        if guest > host + 0.5:
            problems.append("%s: guest time %.1f s ran ahead of host time %.1f s" %
                            (label, guest, host))
        if guest < 1:
            problems.append("%s: guest time %.1f s: idle time did not pass at all" % (label, guest))

if problems:
    print("FAILED: " + "; ".join(problems))
    sys.exit(1)
print("ok")
