#!/usr/bin/env python3
"""Checks compare.py itself with stand-in runners (shell scripts): equal runs pass; a different
stdout or status fails; a timeout fails whether one side or both sides time out (two timeouts
give None == None and empty outputs, which must not count as agreement)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def script(d, name, body):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        hello = script(d, "hello", "echo hello; exit 3")
        other = script(d, "other", "echo other; exit 3")
        status4 = script(d, "status4", "echo hello; exit 4")
        hang = script(d, "hang", "exec sleep 60")
        cases = [  # (runner, qemu, expected compare.py exit status)
            (hello, hello, 0),
            (hello, other, 1),
            (hello, status4, 1),
            (hang, hello, 1),
            (hello, hang, 1),
            (hang, hang, 1),
        ]
        for runner, qemu, want in cases:
            p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), "--runner", runner,
                                "--qemu", qemu, "--timeout", "1", "--", "prog"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            ok = p.returncode == want
            failures += not ok
            print("%s runner=%s qemu=%s: compare.py exit %d (want %d)" %
                  ("ok  " if ok else "FAIL", os.path.basename(runner), os.path.basename(qemu),
                   p.returncode, want))
            if not ok:
                print(p.stdout.decode(errors="replace"))
    print("PASS" if not failures else "FAIL")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
