#!/usr/bin/env python3
"""Temporary files (the SD write overlay, a decompressed card) when $TMPDIR is unusable (issue 12
item 9): socemu falls back to /var/tmp, then /tmp; when none works it names every directory it
tried and why, in one line, and exits 2. The all-fail case runs in a private mount namespace
(unshare -m) with read-only /var/tmp and /tmp; skipped (77) without one.
Usage: tmpdir_test.py SOCEMU WORKDIR"""
import gzip
import os
import shutil
import subprocess
import sys

socemu, work = sys.argv[1:3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
card = os.path.join(work, "card.img")
with open(card, "wb") as f:  # no partition table: socemu gets as far as reading it
    f.truncate(4 * 1024 * 1024)
card_gz = os.path.join(work, "card.img.gz")
with gzip.open(card_gz, "wb") as f:
    f.write(b"\0" * 4096)
problems = []


def run(cmd, tmpdir):
    env = dict(os.environ, TMPDIR=tmpdir)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=60)
    print("$ TMPDIR=%s %s -> %d: %s" % (tmpdir, " ".join(cmd[-4:]), r.returncode,
                                          r.stderr.strip()))
    return r


# 1. TMPDIR unusable, /var/tmp fine: the overlay and the decompressed copy are made there, and
#    the run gets on to the card's (missing) partition table.
for image in (card, card_gz):
    r = run([socemu, "--board", "rpi3", "--sd", image, "--dump-dtb", os.path.join(work, "x")],
            "/proc")
    if "temporary file" in r.stderr or "No such file" in r.stderr:
        problems.append("TMPDIR=/proc with %s: no fallback: %s" % (image, r.stderr.strip()))

# 2. Nowhere to create one: one line naming all three, exit 2.
if not shutil.which("unshare") or subprocess.run(
        ["unshare", "-m", "true"], capture_output=True).returncode != 0:
    print("unshare -m is not available here: the all-fail case is skipped")
    sys.exit(77 if not problems else 1)
script = ("mount -t tmpfs -o ro tmpfs /var/tmp && mount -t tmpfs -o ro tmpfs /tmp && "
          "exec \"$@\"")
for image, what in ((card, "the SD write overlay"), (card_gz, "the decompressed image")):
    r = run(["unshare", "-m", "sh", "-c", script, "sh", socemu, "--board", "rpi3", "--sd", image,
             "--dump-dtb", os.path.join(work, "x")], "/proc")
    lines = r.stderr.strip().splitlines()
    want = ("cannot create a temporary file for %s: tried TMPDIR=/proc (" % what)
    if r.returncode != 2:
        problems.append("%s: exit %d, want 2" % (image, r.returncode))
    if len(lines) != 1 or want not in lines[0] or "/var/tmp (Read-only file system)" not in \
            lines[0] or "/tmp (Read-only file system)" not in lines[0]:
        problems.append("%s: want one line with %r and both fallbacks, got %r" %
                        (image, want, r.stderr))

if problems:
    print("FAILED: " + "; ".join(problems))
    sys.exit(1)
print("ok")
