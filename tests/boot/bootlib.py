"""What the guest-boot test drivers in tests/boot share: the command line, the guest assets, one
socemu run, the failure list and the console checks (markers in order, a clean log, bad input).

A driver does `sys.path.insert(0, HERE); import bootlib`, calls parse_args(), load_assets(),
start() and ends with finish(). Every check reports through fail() and keeps going, so one run
lists all that is wrong; finish() turns the list into the exit status (0 pass, 1 fail; 77 skip
is left earlier by load_assets/require_tools).
"""
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ALLOW_FILE = os.path.join(HERE, "allowed-log-lines.txt")
HOST_TIMEOUT = 900  # --timeout given to socemu (host seconds); the ctest TIMEOUT is above it
MIB = 1 << 20
LOG_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s*")

# A clean boot: none of these may appear, except lines on the reviewed allow-list.
BOOT_FORBIDDEN = [
    (re.compile(r"timeout|timed out", re.I), "driver timeout"),
    (re.compile(r"Firmware transaction timeout"), "firmware mailbox timeout"),
    (re.compile(r"unhandled", re.I), "unhandled trap/IRQ"),
    (re.compile(r"unknown", re.I), "unknown trap/device"),
    (re.compile(r"probe of .* failed"), "probe failure"),
    (re.compile(r"probe with driver .* failed"), "probe failure"),
    (re.compile(r"[Ff]ailed|FAILED"), "failure"),
    (re.compile(r"rcu: INFO|rcu_.*stall|stall", re.I), "RCU/CPU stall"),
    (re.compile(r"\bBUG\b"), "kernel BUG"),
    (re.compile(r"WARNING:"), "kernel WARNING"),
    (re.compile(r"Call trace", re.I), "backtrace"),
    (re.compile(r"Oops|Unable to handle kernel|Internal error"), "kernel oops"),
    (re.compile(r"failed to come online|CPU\d+: failed"), "secondary CPU"),
    (re.compile(r"couldn't lock PLL|Failed to get GPIO"), "clock/firmware model"),
    (re.compile(r"-ETIMEDOUT|error -110"), "timeout error code"),
]
# ...and each of these once per boot.
BOOT_REQUIRED = [
    (re.compile(r"SMP: Total of 4 processors activated"), "all four CPUs brought up"),
    (re.compile(r"smp: Brought up 1 node, 4 CPUs"), "all four CPUs brought up"),
    (re.compile(r"printk: console \[ttyS1\] enabled"), "console on ttyS1"),
    (re.compile(r"ttyS1 at MMIO 0x3f215040 .*base_baud = 31250000\) is a 16550"),
     "mini UART at VPU 250 MHz"),
]

failures = []
socemu_path = None  # set by parse_args


def fail(msg):
    """Records a failed check and says so at once; the driver goes on checking."""
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def parse_args(doc, positional=None, choices=(), raw_doc=False):
    """--socemu PATH --work DIR [POSITIONAL]; remembers the socemu binary for socemu()."""
    global socemu_path
    if raw_doc:
        ap = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    else:
        ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--socemu", required=True)
    ap.add_argument("--work", required=True)
    if positional:
        ap.add_argument(positional, choices=sorted(choices))
    args = ap.parse_args()
    socemu_path = args.socemu
    return args


def load_assets(files=(), values=()):
    """The environment plus ~/.cache/socemu/assets.env (or $SOCEMU_ASSETS_ENV; the environment
    wins). Skips (77) unless each name in files is an existing file and each in values is set."""
    env = dict(os.environ)
    path = os.environ.get("SOCEMU_ASSETS_ENV") or os.path.expanduser("~/.cache/socemu/assets.env")
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"^(\w+)='(.*)'\s*$", line)
                if m and m.group(1) not in os.environ:
                    env[m.group(1)] = m.group(2)
    missing = [n for n in files if not env.get(n) or not os.path.isfile(env[n])]
    missing += [n for n in values if not env.get(n)]
    if missing:
        print("SKIP: guest assets missing (%s); run tools/guest-assets.sh" % ", ".join(missing))
        sys.exit(SKIP)
    return env


def require_tools(*tools):
    """Skips (77) unless every host tool is on PATH."""
    absent = [t for t in tools if not shutil.which(t)]
    if absent:
        print("SKIP: %s not installed (tools/deps.txt; run tools/setup.sh)" % ", ".join(absent))
        sys.exit(SKIP)


def start(work):
    """Checks the socemu binary and empties the work directory; returns the start time."""
    if not os.access(socemu_path, os.X_OK):
        print("FAIL: %s is not executable" % socemu_path)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return time.monotonic()


def finish(name, t0, work):
    """The summary line and the exit status: 1 if any check failed."""
    print("%s: %s in %.1f s host (logs in %s)" % (name, "FAILED" if failures else "passed",
                                                  time.monotonic() - t0, work))
    return 1 if failures else 0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


class Run:
    """One finished socemu run: exit status (-1: killed by the host timeout), console, stderr."""

    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds
        self.lines = [l.rstrip("\r") for l in out.split("\n")]


def socemu(args, work, name, timeout=HOST_TIMEOUT, env=None):
    """Runs socemu ARGS to the end; console and stderr stay in WORK/NAME.out and .err."""
    cmd = [socemu_path] + args
    out_path = os.path.join(work, name + ".out")
    err_path = os.path.join(work, name + ".err")
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            rc = subprocess.run(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                timeout=timeout + 120).returncode
        except subprocess.TimeoutExpired:
            rc = -1
    secs = time.monotonic() - t0
    with open(out_path, "rb") as f:
        out_text = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        err_text = f.read().decode("utf-8", "replace")
    print("  exit %d after %.1f s host; stderr: %s" % (rc, secs, err_text.strip()[-400:]),
          flush=True)
    return Run(rc, out_text, err_text, secs)


def kernel_args(env, append_extra="", extra=()):
    """A --kernel/--dtb/--initrd boot of the assets, their command line plus APPEND_EXTRA."""
    cmdline = env["SOCEMU_RPI3_CMDLINE"] + (" " + append_extra if append_extra else "")
    return ["--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"], "--dtb",
            env["SOCEMU_RPI3_DTB"], "--initrd", env["SOCEMU_RPI3_INITRD"], "--append", cmdline,
            "--timeout", str(HOST_TIMEOUT)] + list(extra)


def check_rc(run, want, what):
    if run.rc != want:
        fail("%s: exit %d, want %d (stderr: %s)" % (what, run.rc, want, run.err.strip()[-300:]))


def check_order(lines, markers, what):
    """Each marker (a substring, or a compiled regex) must appear in a line after the previous
    marker's line. Returns whether all did."""
    pos = 0
    for mk in markers:
        found = (lambda l: mk.search(l)) if isinstance(mk, re.Pattern) else (lambda l: mk in l)
        for i in range(pos, len(lines)):
            if found(lines[i]):
                pos = i + 1
                break
        else:
            seen = any(found(l) for l in lines)
            fail("%s: marker %r %s" % (what, getattr(mk, "pattern", mk),
                                       "out of order" if seen else "missing"))
            return False
    print("  %s: %d markers in order" % (what, len(markers)))
    return True


def load_allow_list():
    """The reviewed REGEX<TAB>reason lines of allowed-log-lines.txt."""
    allow = []
    with open(ALLOW_FILE) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "\t" not in line:
                fail("%s:%d: want REGEX<TAB>reason" % (ALLOW_FILE, n))
                continue
            rx, reason = line.split("\t", 1)
            if not reason.strip():
                fail("%s:%d: an allowed line needs a reason" % (ALLOW_FILE, n))
            allow.append(re.compile(rx))
    return allow


def check_clean(lines, what, boots=1, forbidden=BOOT_FORBIDDEN, required=BOOT_REQUIRED,
                note="4 CPUs, console ttyS1, no forbidden lines"):
    """Each required (regex, reason) seen once per boot; no forbidden (regex, reason) line (its
    timestamp removed) unless the allow-list has it. The init's own SOCEMU-MODULE-LOADED=
    lines are module names, not kernel messages."""
    allow = load_allow_list()
    for rx, why in required:
        n = sum(1 for l in lines if rx.search(l))
        if n < boots:
            fail("%s: %s: %r seen %d times, want %d" % (what, why, rx.pattern, n, boots))
    bad = 0
    for line in lines:
        text = LOG_TIMESTAMP.sub("", line)
        if text.startswith("SOCEMU-MODULE-LOADED="):
            continue
        why = next((why for rx, why in forbidden if rx.search(text)), None)
        if why and not any(a.search(text) for a in allow):
            fail("%s: forbidden log line (%s): %s" % (what, why, line))
            bad += 1
    if not bad:
        print("  clean log: " + note)


def check_bad_input(run, what, name, why=None):
    """A bad file on the command line: exit 2, before the guest starts, with one stderr line
    'socemu: NAME: ...' (that says WHY, if given)."""
    lines = [l for l in run.err.splitlines() if l.strip()]
    if run.rc != 2:
        fail("%s: exit %d, want 2 (usage/bad input)" % (what, run.rc))
    elif len(lines) != 1 or not lines[0].startswith("socemu: %s: " % name):
        fail("%s: want one stderr line 'socemu: %s: ...', got: %r" % (what, name, lines))
    elif why is not None and why not in lines[0]:
        fail("%s: the line does not say %r: %s" % (what, why, lines[0]))
    elif run.out.strip():
        fail("%s: the guest ran (console output on stdout)" % what)
    else:
        print("  ok %s: %s" % (what, lines[0]))
        return True
    return False


def card_copy(env, work, name, size=None):
    """A sparse, writable copy of the demo card in WORK (truncated or grown to SIZE)."""
    path = os.path.join(work, name)
    subprocess.run(["cp", "--sparse=always", env["SOCEMU_RPI3_SDCARD"], path], check=True)
    os.chmod(path, 0o644)
    if size is not None:
        os.truncate(path, size)
    return path


def first_partition_offset(image):
    """Byte offset of the MBR's first partition (the firmware's FAT boot partition)."""
    with open(image, "rb") as f:
        mbr = f.read(512)
    return struct.unpack_from("<I", mbr, 446 + 8)[0] * 512


def mbr_partitions(image):
    """The MBR's primary partitions that are in use: [(byte offset, byte size), ...]."""
    with open(image, "rb") as f:
        mbr = f.read(512)
    parts = []
    for i in range(4):
        lba, count = struct.unpack_from("<II", mbr, 446 + 16 * i + 8)
        if count:
            parts.append((lba * 512, count * 512))
    return parts


def extract_partition(image, index, dest):
    """Copies partition INDEX (0-based, MBR order) of IMAGE to the file DEST with dd."""
    offset, size = mbr_partitions(image)[index]
    subprocess.run(["dd", "if=" + image, "of=" + dest, "bs=512", "skip=%d" % (offset // 512),
                    "count=%d" % (size // 512), "conv=sparse", "status=none"], check=True)
    return dest


class Fat:
    """A card image's FAT partition through mtools (image@@offset); errors raise RuntimeError."""

    def __init__(self, image, offset):
        self.spec = "%s@@%s" % (image, offset)
        self.env = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLSRC="/dev/null")

    def run(self, *args):
        p = subprocess.run(list(args), env=self.env, capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError("%s: %s" % (" ".join(args), p.stderr.strip()))
        return p.stdout

    def read(self, name):
        return self.run("mtype", "-i", self.spec, "::" + name)

    def put(self, local, name):
        self.run("mcopy", "-o", "-i", self.spec, local, "::" + name)

    def mkdir(self, name):
        self.run("mmd", "-i", self.spec, "::" + name)
