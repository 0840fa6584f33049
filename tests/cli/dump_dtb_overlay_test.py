#!/usr/bin/env python3
"""config.txt dtoverlay/dtparam end to end, without booting a guest: a copy of the demo SD card
with overlays and dtparam lines added by mtools, `socemu --dump-dtb` (and QEMU's
-machine dumpdtb=), then fdtget on the DTB the guest would get. Skips (77) without the guest
assets (tools/guest-assets.sh) or mtools/dtc.
Usage: dump_dtb_overlay_test.py SOCEMU WORKDIR OVERLAY_SOURCE_DIR"""
import os
import re
import shutil
import subprocess
import sys

SOCEMU, WORK, OVERLAY_SRC = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0

# Debian's DTB has no __symbols__; a label still resolves when /aliases has it (serial0).
SERIAL_LABEL_DTS = """/dts-v1/;
/plugin/;
/ {
	fragment@0 {
		target = <&serial0>;
		__overlay__ {
			socemu-serial-label;
		};
	};
};
"""

# Lines appended to the card's config.txt; the empty dtoverlay= ends by-path's scope.
CONFIG_LINES = """
dtoverlay=by-path,speed=400
dtparam=enable=on,label=from-card
dtoverlay=serial-label
dtoverlay=missing-one
dtoverlay=
dtparam=audio=on
"""


def assets():
    env = {}
    path = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                        "socemu", "assets.env")
    if not os.path.exists(path):
        return None
    for line in open(path):
        m = re.match(r"(\w+)='(.*)'$", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    return env


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, check=True, **kw)


def socemu(*args):
    return subprocess.run([SOCEMU] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def fdtget(dtb, node, prop, kind=None):
    args = ["fdtget"] + (["-t", kind] if kind else []) + [dtb, node, prop]
    r = subprocess.run(args, capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    failures += not ok


def main():
    a = assets()
    card = a and a.get("SOCEMU_RPI3_SDCARD")
    if not card or not os.path.exists(card):
        print("skipped: no demo SD card (run tools/guest-assets.sh)")
        return 77
    for tool in ("mcopy", "mmd", "mtype", "dtc", "fdtget"):
        if not shutil.which(tool):
            print(f"skipped: {tool} is not installed")
            return 77
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    fat = f"{os.path.join(WORK, 'card.img')}@@{a['SOCEMU_RPI3_SDCARD_P1_OFFSET']}"
    copy = os.path.join(WORK, "card.img")
    sh("cp", "--sparse=always", card, copy)  # the card itself is never touched
    os.environ["MTOOLS_SKIP_CHECK"] = "1"
    with open(os.path.join(WORK, "serial-label.dts"), "w") as f:
        f.write(SERIAL_LABEL_DTS)
    sh("dtc", "-q", "-@", "-I", "dts", "-O", "dtb", "-o", os.path.join(WORK, "by-path.dtbo"),
       os.path.join(OVERLAY_SRC, "by-path.dts"))
    sh("dtc", "-q", "-@", "-I", "dts", "-O", "dtb", "-o", os.path.join(WORK, "serial-label.dtbo"),
       os.path.join(WORK, "serial-label.dts"))
    config = sh("mtype", "-i", fat, "::/config.txt").stdout + CONFIG_LINES
    with open(os.path.join(WORK, "config.txt"), "w") as f:
        f.write(config)
    sh("mmd", "-i", fat, "::/overlays")
    sh("mcopy", "-i", fat, os.path.join(WORK, "by-path.dtbo"), os.path.join(WORK, "serial-label.dtbo"),
       "::/overlays/")
    sh("mcopy", "-o", "-i", fat, os.path.join(WORK, "config.txt"), "::/config.txt")

    out = os.path.join(WORK, "out.dtb")
    r = socemu("--board", "rpi3", "--sd", copy, "--dump-dtb", out)
    check("--dump-dtb exits 0", r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    check("missing overlay is a warning naming it",
          "dtoverlay=missing-one: overlays/missing-one.dtbo not found" in r.stderr, r.stderr)
    check("unknown base parameter is a warning naming it",
          "dtparam=audio=on: unknown parameter 'audio'" in r.stderr, r.stderr)
    check("target-path overlay merged", fdtget(out, "/soc/serial@7e201000",
                                               "socemu-overlay-applied") == "")
    check("overlay parameter on the dtoverlay line (integer)",
          fdtget(out, "/socemu-test", "speed", "u") == "400")
    check("dtparam after the overlay (status boolean, string)",
          fdtget(out, "/socemu-test", "status") == "okay" and
          fdtget(out, "/socemu-test", "label") == "from-card")
    serial0 = fdtget(out, "/aliases", "serial0")
    check("label resolved through /aliases (no __symbols__ in Debian's DTB)",
          serial0 and fdtget(out, serial0, "socemu-serial-label") == "")
    check("the firmware's fix-ups are still there",
          "rootwait" in (fdtget(out, "/chosen", "bootargs") or ""))
    has_symbols = subprocess.run(["fdtget", "-l", out, "/__symbols__"],
                                 capture_output=True).returncode == 0
    print(f"note: the card's DTB {'has' if has_symbols else 'has no'} __symbols__")

    qemu_out = os.path.join(WORK, "qemu.dtb")
    r = socemu("-M", "raspi3b,dumpdtb=" + qemu_out, "-drive", f"if=sd,file={copy}")
    check("-M raspi3b,dumpdtb= writes the same DTB",
          r.returncode == 0 and open(qemu_out, "rb").read() == open(out, "rb").read(),
          f"exit {r.returncode}: {r.stderr}")
    r = socemu("-machine", "raspi3b", "-machine", "dumpdtb=" + qemu_out, "-drive",
               f"if=sd,file={copy}")
    check("-machine dumpdtb= on its own", r.returncode == 0, r.stderr)

    kernel_out = os.path.join(WORK, "kernel.dtb")
    r = socemu("--board", "rpi3", "--kernel", a["SOCEMU_RPI3_KERNEL"], "--dtb", a["SOCEMU_RPI3_DTB"],
               "--append", "console=ttyS1 socemu-dump-test", "--dump-dtb", kernel_out)
    check("--dump-dtb with --kernel/--dtb has the fix-ups",
          r.returncode == 0 and
          "socemu-dump-test" in (fdtget(kernel_out, "/chosen", "bootargs") or ""), r.stderr)

    r = socemu("--board", "rpi3", "--sd", copy, "--dump-dtb", "/nonexistent/dir/out.dtb")
    check("unwritable --dump-dtb file: exit 2, one line",
          r.returncode == 2 and
          r.stderr.endswith("socemu: /nonexistent/dir/out.dtb: No such file or directory\n"),
          f"exit {r.returncode}: {r.stderr!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
