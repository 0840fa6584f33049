#!/usr/bin/env python3
"""The socemu binary's framebuffer options: --display sdl starts and stops (SDL's dummy video
driver, no X needed), --screenshot without a guest framebuffer only warns, and, when the guest
assets exist (tools/guest-assets.sh), a Linux boot with fbcon on the firmware's framebuffer
leaves a 1024x768 PNG that is not all black. Usage: run_display_tests.py SOCEMU WORKDIR"""
import os
import re
import shlex
import struct
import subprocess
import sys
import zlib

SOCEMU, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = 0


def run(args, timeout=60, env=None):
    try:
        return subprocess.run([SOCEMU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, "no exit (killed)", "", "")


def report(name, problems):
    global failures
    print(("FAIL " if problems else "ok   ") + name + (": " + "; ".join(problems) if problems else ""))
    failures += bool(problems)


def png_pixels(path):
    """(width, height, rows of RGB bytes with filters undone only as far as 'all zero' needs)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def any_lit_pixel(width, raw):
    # Every PNG filter maps an all-zero image to zero bytes, so a non-zero byte outside the
    # per-row filter-type byte means some pixel is not black.
    row = 1 + 3 * width
    return any(any(raw[r + 1:r + row]) for r in range(0, len(raw), row))


def spin_elf(path, addr=0x80000):
    """A static AArch64 ELF whose one instruction branches to itself: something to boot."""
    code = struct.pack("<I", 0x14000000)  # b .
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, addr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 120, addr, addr, len(code), len(code), 0x1000)
    with open(path, "wb") as f:
        f.write(ehdr + phdr + code)


SPIN = os.path.join(WORK, "spin.elf")
spin_elf(SPIN)

# --help documents the option.
r = run(["--help"])
report("help lists --screenshot", [] if "--screenshot" in r.stdout else ["not in --help"])

# --display sdl opens and closes a window (or, built without SDL2, refuses clearly).
env = dict(os.environ, SDL_VIDEODRIVER="dummy")
r = run(["--board", "rpi3", "--kernel", SPIN, "--display", "sdl", "--timeout", "2"], env=env)
if "built without SDL2" in r.stderr:
    report("--display sdl without SDL2", [] if r.returncode == 2 else [f"exit {r.returncode}"])
else:
    problems = []
    if r.returncode in (2, 4) or r.returncode == "no exit (killed)":
        problems.append(f"exit {r.returncode}: {r.stderr.strip()}")
    if "emulator fault" in r.stderr or "--display sdl:" in r.stderr:
        problems.append(r.stderr.strip())
    report("--display sdl starts and stops (dummy video)", problems)

# No guest framebuffer: a warning, no file, the run's own status.
shot = os.path.join(WORK, "none.png")
if os.path.exists(shot):
    os.remove(shot)
r = run(["--board", "rpi3", "--kernel", SPIN, "--timeout", "1", "--screenshot", shot])
problems = []
if "--screenshot " + shot + ": the guest has no framebuffer" not in r.stderr:
    problems.append(f"stderr {r.stderr!r}")
if os.path.exists(shot):
    problems.append("a file was written")
report("--screenshot with no framebuffer warns", problems)

# A Linux boot with fbcon on the firmware framebuffer (--display none + --screenshot).
assets = os.path.expanduser("~/.cache/socemu/assets.env")
facts = {}
if os.path.exists(assets):
    for line in open(assets):
        m = re.match(r"(\w+)=(.*)", line.strip())
        if m:
            facts[m.group(1)] = shlex.split(m.group(2))[0] if m.group(2) else ""
if not all(os.path.exists(facts.get(k, "")) for k in
           ("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD")):
    print("skip Linux framebuffer boot: no guest assets (tools/guest-assets.sh)")
    sys.exit(1 if failures else 77)
shot = os.path.join(WORK, "boot.png")
if os.path.exists(shot):
    os.remove(shot)
cmdline = facts["SOCEMU_RPI3_CMDLINE"]
r = run(["--board", "rpi3", "--kernel", facts["SOCEMU_RPI3_KERNEL"], "--dtb",
         facts["SOCEMU_RPI3_DTB"], "--initrd", facts["SOCEMU_RPI3_INITRD"], "--append",
         cmdline + " console=tty0 console=ttyS1,115200", "--display", "none", "--screenshot", shot,
         "--expect", "MODULES=", "--timeout", "600"], timeout=700)
problems = []
if r.returncode != 0:
    problems.append(f"exit {r.returncode}: {r.stderr.strip()}")
if "simplefb registered" not in r.stdout:
    problems.append("no 'simplefb registered' in the kernel log")
if not os.path.exists(shot):
    problems.append("no screenshot")
else:
    w, h, raw = png_pixels(shot)
    if (w, h) != (1024, 768):
        problems.append(f"screenshot is {w}x{h}")
    elif not any_lit_pixel(w, raw):
        problems.append("screenshot is all black")
report("Linux fbcon on the firmware framebuffer, PNG not black", problems)
sys.exit(1 if failures else 0)
