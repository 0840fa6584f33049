#!/usr/bin/env python3
"""Runs one aarch64 program under socemu-user and under qemu-aarch64 (-cpu cortex-a53) and
compares stdout and exit status exactly; a timeout on either side fails. A status is normalised as a shell reports it: killed by
signal N is 128+N. With --expect-status/--expect-stdout the reference is fixed instead of qemu,
for behaviour where qemu's cortex-a53 model differs from the Pi 3's silicon (it has AES)."""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile
import time


def run(cmd, cwd, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, b"", b"(timed out after %d s)" % timeout, timeout
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return status, p.stdout, p.stderr, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--expect-status", type=int)
    ap.add_argument("--expect-stdout")
    ap.add_argument("--timeout", type=int, default=400)
    ap.add_argument("program", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.program[1:] if a.program[:1] == ["--"] else a.program
    with tempfile.TemporaryDirectory() as cwd:
        s_status, s_out, s_err, s_time = run([a.runner, "--cpu", "cortex-a53"] + prog, cwd,
                                             a.timeout)
        if a.expect_status is not None:
            r_status, r_err, r_name = a.expect_status, b"", "expected"
            with open(a.expect_stdout, "rb") as f:
                r_out = f.read()
        else:
            r_status, r_out, r_err, _ = run([a.qemu, "-cpu", "cortex-a53"] + prog, cwd, a.timeout)
            r_name = "qemu"
    print("socemu-user: status %s, %d bytes of stdout, %.1f s" % (s_status, len(s_out), s_time))
    print("%s: status %s, %d bytes of stdout" % (r_name, r_status, len(r_out)))
    # A timeout is a failure on either side, even when both time out (None == None, b"" == b"").
    timed_out = [n for n, st in (("socemu-user", s_status), (r_name, r_status)) if st is None]
    ok = not timed_out and s_status == r_status and s_out == r_out
    for n in timed_out:
        print("%s timed out after %d s" % (n, a.timeout))
    if not ok:
        diff = difflib.unified_diff(r_out.decode(errors="replace").splitlines(True),
                                    s_out.decode(errors="replace").splitlines(True),
                                    r_name, "socemu-user")
        sys.stdout.writelines(list(diff)[:200])
        if s_err:
            print("--- socemu-user stderr (last 2000 bytes):")
            print(s_err[-2000:].decode(errors="replace"))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
