#!/usr/bin/env python3
"""--dtb and --initrd with --sd (no --kernel): the user's file replaces the card's DTB or
initramfs in the firmware flow (issue 12 item 5: they used to be ignored without a word). Checked
with --dump-dtb (no guest run) and fdtget: the DTB's model, cmdline.txt's bootargs and the
initrd range; a DTB of random bytes is refused (exit 2, one line naming the file). Skips (77)
without the guest assets or fdtget.
Usage: sd_user_files_test.py SOCEMU WORKDIR"""
import os
import re
import shutil
import subprocess
import sys

SOCEMU, WORK = sys.argv[1], sys.argv[2]
failures = 0


def assets():
    env = {}
    path = os.environ.get("SOCEMU_ASSETS_ENV") or os.path.expanduser("~/.cache/socemu/assets.env")
    if not os.path.exists(path):
        return None
    for line in open(path):
        m = re.match(r"(\w+)='(.*)'$", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    return env


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def run(args):
    print("$ socemu " + " ".join(args))
    return subprocess.run([SOCEMU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def fdtget(dtb, node, prop, kind="s"):
    p = subprocess.run(["fdtget", "-t", kind, dtb, node, prop], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


env = assets()
card = env and env.get("SOCEMU_RPI3_SDCARD")
bplus = env and env.get("SOCEMU_RPI3_DTB_BPLUS")
if not card or not os.path.isfile(card) or not bplus or not os.path.isfile(bplus) \
        or not shutil.which("fdtget"):
    print("SKIP: guest assets (tools/guest-assets.sh) or fdtget missing")
    sys.exit(77)
os.makedirs(WORK, exist_ok=True)

# The card's own DTB (the 3 B), then the user's (the 3 B+) in its place.
own = os.path.join(WORK, "own.dtb")
r = run(["--board", "rpi3", "--sd", card, "--dump-dtb", own])
if r.returncode != 0:
    fail("card alone: exit %d: %s" % (r.returncode, r.stderr))
user = os.path.join(WORK, "user.dtb")
r = run(["--board", "rpi3", "--sd", card, "--dtb", bplus, "--dump-dtb", user])
if r.returncode != 0:
    fail("--sd --dtb: exit %d: %s" % (r.returncode, r.stderr))
else:
    own_model, user_model = fdtget(own, "/", "model"), fdtget(user, "/", "model")
    want_model = fdtget(bplus, "/", "model")
    if user_model != want_model or own_model == user_model:
        fail("--dtb with --sd: model %r, want the user's %r (the card's is %r)"
             % (user_model, want_model, own_model))
    elif "root=/dev/mmcblk0p2" not in (fdtget(user, "/chosen", "bootargs") or ""):
        fail("--dtb with --sd: the firmware fix-ups (cmdline.txt's bootargs) are missing")
    else:
        print("ok   --dtb with --sd: model %r, bootargs from cmdline.txt" % user_model)

# A DTB of random bytes: refused, naming the file.
junk = os.path.join(WORK, "junk.dtb")
with open(junk, "wb") as f:
    f.write(os.urandom(4096))
r = run(["--board", "rpi3", "--sd", card, "--dtb", junk, "--dump-dtb", user])
lines = r.stderr.splitlines()
if r.returncode != 2 or len(lines) != 1 or not lines[0].startswith("socemu: %s: " % junk):
    fail("--dtb junk with --sd: exit %d, stderr %r; want 2 and one line naming it"
         % (r.returncode, r.stderr))
else:
    print("ok   junk --dtb: " + lines[0])

# --initrd with --sd: the DTB's initrd range is the user's file's size.
initrd = os.path.join(WORK, "user.initrd")
with open(initrd, "wb") as f:
    f.write(b"\x5a" * 123457)
withrd = os.path.join(WORK, "initrd.dtb")
r = run(["--board", "rpi3", "--sd", card, "--initrd", initrd, "--dump-dtb", withrd])
start = fdtget(withrd, "/chosen", "linux,initrd-start", "x") if r.returncode == 0 else None
end = fdtget(withrd, "/chosen", "linux,initrd-end", "x") if r.returncode == 0 else None
if not start or not end or int(end, 16) - int(start, 16) != 123457:
    fail("--initrd with --sd: exit %d, initrd %r..%r, want 123457 bytes (%s)"
         % (r.returncode, start, end, r.stderr.strip()))
else:
    print("ok   --initrd with --sd: initrd 0x%s..0x%s (123457 bytes)" % (start, end))

print(f"{failures} failed")
sys.exit(1 if failures else 0)
