#!/usr/bin/env python3
"""Runs one bare-metal system test on socemu and checks its result protocol.
Usage: run_system_test.py SOCEMU ELF SOURCE [extra socemu args...]

Passes when socemu exits 0 (the guest powered off through the PM watchdog), the console has an
`END pass=N fail=0` line, no `FAIL` line, and a `PASS <name>` line for every check("<name>", ...)
/ check_eq("<name>", ...) literal in SOURCE (so a check that silently never ran is a failure)."""
import re
import subprocess
import sys
import time

socemu, elf, source = sys.argv[1:4]
extra = sys.argv[4:]
expected = re.findall(r'\bcheck(?:_eq)?\(\s*"([^"]+)"', open(source).read())

cmd = [socemu, "--board", "rpi3", "--kernel", elf, "--timeout", "60", "--fail", "^FAIL"] + extra
start = time.monotonic()
try:
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=110)
    out, err, code = r.stdout, r.stderr, r.returncode
except subprocess.TimeoutExpired as e:
    out, err, code = (e.stdout or b"").decode(errors="replace"), "", "killed"
host = time.monotonic() - start
sys.stdout.write(out)
sys.stdout.write(err)
print(f"[driver] exit {code}, {host:.2f} s host time")

problems = []
if code != 0:
    problems.append(f"socemu exit status {code}, wanted 0 (powered off)")
lines = [l.rstrip("\r") for l in out.splitlines()]
passed = {l.split()[1] for l in lines if l.startswith("PASS ") and len(l.split()) > 1}
fails = [l for l in lines if l.startswith("FAIL")]
if fails:
    problems.append(f"{len(fails)} FAIL line(s), first: {fails[0]}")
missing = [n for n in expected if n not in passed]
if missing:
    problems.append("no PASS line for: " + ", ".join(missing))
if not any(re.fullmatch(r"END pass=\d+ fail=0", l) for l in lines):
    problems.append("no 'END pass=N fail=0' line")
if problems:
    print("[driver] FAILED: " + "; ".join(problems))
    sys.exit(1)
print(f"[driver] ok: {len(expected)} checks passed")
