#!/usr/bin/env python3
"""socemu-user's load errors: each bad program (missing, a directory, empty, a script, an x86-64
ELF, a dynamically linked aarch64 ELF, truncated copies of a good one) must give exactly one line
on stderr, `socemu-user: PATH: reason`, with the reason we expect, and exit 127 without running."""
import argparse
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--good", required=True, help="a static aarch64 program (truncated here)")
    ap.add_argument("--dynamic", required=True, help="a dynamically linked aarch64 program")
    a = ap.parse_args()
    with open(a.good, "rb") as f:
        good = f.read()
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        def make(name, data):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(data)
            return path

        cases = [
            (os.path.join(d, "nosuch"), "No such file or directory"),
            (d, "Is a directory"),
            (make("empty", b""), "not an ELF executable (empty file)"),
            (make("script", b"#!/bin/sh\necho hi\n"), "a script, not an ELF executable"),
            (make("text", b"hello world\n"), "not an ELF executable (no ELF magic)"),
            (os.path.realpath(sys.executable), "ELF for x86-64"),
            (a.dynamic, "dynamically linked"),
            (make("trunc_header", good[:40]), "truncated ELF file"),
            (make("trunc_phdrs", good[:100]), "truncated or corrupt ELF file"),
            (make("trunc_segment", good[:len(good) // 2]), "truncated ELF file (segment"),
        ]
        for path, reason in cases:
            p = subprocess.run([a.runner, path, "arg"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=60)
            lines = p.stderr.decode(errors="replace").splitlines()
            want = "socemu-user: %s: " % path
            ok = (p.returncode == 127 and len(lines) == 1 and lines[0].startswith(want) and
                  reason in lines[0] and not p.stdout)
            print("%s %s -> status %d: %r" % ("ok  " if ok else "FAIL", os.path.basename(path),
                                             p.returncode, lines))
            failures += not ok
    print("PASS" if not failures else "FAIL: %d case(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
