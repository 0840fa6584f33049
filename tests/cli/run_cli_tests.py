#!/usr/bin/env python3
"""Runs the built socemu binary on bad input and small guests, checking the exit status and the
exact one-line message. Usage: run_cli_tests.py SOCEMU WORKDIR"""
import os
import re
import struct
import subprocess
import sys

SOCEMU, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = 0


def run(args, timeout=60):
    try:
        return subprocess.run([SOCEMU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, "no exit (killed)", "", "")


FAILURE_REPORT = re.compile(
    r"socemu: ---- failure report ----\n.*?socemu: ---- end of failure report ----\n", re.S)


def check(name, result, code, stderr_re, stdout_re=None):
    """code may be a set of allowed codes; stderr must match stderr_re in full."""
    global failures
    problems = []
    codes = code if isinstance(code, set) else {code}
    if result.returncode not in codes:
        problems.append(f"exit {result.returncode}, wanted {code}")
    # The failure report after a failed or timed-out run is checked by results_test.py.
    stderr = FAILURE_REPORT.sub("", result.stderr)
    if not re.fullmatch(stderr_re, stderr):
        problems.append(f"stderr {result.stderr!r} does not match {stderr_re!r}")
    if stdout_re is not None and not re.search(stdout_re, result.stdout):
        problems.append(f"stdout does not contain {stdout_re!r}")
    print(("FAIL " if problems else "ok   ") + name + (": " + "; ".join(problems) if problems else ""))
    failures += bool(problems)


def aarch64_elf(path, code, addr=0x80000):
    """A minimal static AArch64 executable: one PT_LOAD segment holding code at addr."""
    ehdr_size, phdr_size = 64, 56
    offset = ehdr_size + phdr_size
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, addr, ehdr_size, 0, 0, ehdr_size,
                               phdr_size, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, offset, addr, addr, len(code), len(code), 0x1000)
    with open(path, "wb") as f:
        f.write(ehdr + phdr + code)
    return path


B_SELF = struct.pack("<I", 0x14000000)  # b .
WFI = struct.pack("<I", 0xD503207F)     # wfi
spin = aarch64_elf(os.path.join(WORK, "spin.elf"), B_SELF)
sleep = aarch64_elf(os.path.join(WORK, "wfi.elf"), WFI + struct.pack("<I", 0x17FFFFFF))  # wfi; b -1
# adr x0, .; msr vbar_el3, x0; then UDF everywhere (zero words): every exception's vector faults
# again — the guest loops taking exceptions and never retires an instruction.
exc_loop = aarch64_elf(os.path.join(WORK, "exc_loop.elf"),
                       struct.pack("<II", 0x10000000, 0xD51EC000) + bytes(0x800))
truncated = os.path.join(WORK, "truncated.elf")
with open(spin, "rb") as f, open(truncated, "wb") as g:
    g.write(f.read(40))

# ---- bad input: one line, exit 2 ----
check("unknown board", run(["--board", "nosuch", "--sd", spin]), 2,
      r"socemu: unknown board 'nosuch' \(try --list-boards\)\n")
check("missing SD image", run(["--board", "rpi3", "--sd", "/missing.img"]), 2,
      r"socemu: /missing\.img: No such file or directory\n")
check("missing SD image, QEMU -drive", run(["-M", "raspi3b", "-drive",
                                            "if=sd,format=raw,file=/missing.img"]), 2,
      r"socemu: /missing\.img: No such file or directory\n")
check("directory as kernel", run(["--board", "rpi3", "--kernel", "/"]), 2,
      r"socemu: /: Is a directory\n")
check("unknown flag", run(["--frobnicate"]), 2,
      r"socemu: unknown option '--frobnicate' \(try --help\)\n")
check("missing argument", run(["--board", "rpi3", "--kernel"]), 2,
      r"socemu: --kernel: missing argument FILE\n")
check("bad number", run(["--board", "rpi3", "--kernel", spin, "--smp", "many"]), 2,
      r"socemu: --smp: 'many' is not a core count\n")
check("bad memory size", run(["--board", "rpi3", "--kernel", spin, "-m", "1X"]), 2,
      r"socemu: -m: '1X' is not a memory size \(like 1G, 512M, 1024\)\n")
check("bad regex", run(["--board", "rpi3", "--kernel", spin, "--expect", "login(:"]), 2,
      r"socemu: --expect: 'login\(:': [^\n]+\n")
check("bad --fail regex", run(["--board", "rpi3", "--kernel", spin, "--fail", "[z-a]"]), 2,
      r"socemu: --fail: '\[z-a\]': [^\n]+\n")
check("bad trace category", run(["--board", "rpi3", "--kernel", spin, "--trace", "insn,bogus"]),
      2, r"socemu: --trace: unknown trace category 'bogus' [^\n]+\n")
check("bad serial backend", run(["--board", "rpi3", "--kernel", spin, "--serial", "telnet::4444"]),
      2, r"socemu: telnet::4444: unknown serial backend [^\n]+\n")
check("too many serials", run(["--board", "rpi3", "--kernel", spin, "--serial", "null",
                               "--serial", "null", "--serial", "stdio"]), 2,
      r"socemu: --serial stdio: board rpi3 has only 2 UARTs\n")
check("nothing to boot", run(["--board", "rpi3"]), 2,
      r"socemu: nothing to boot: give --sd IMAGE or --kernel FILE\n")
check("no board", run(["--kernel", spin]), 2,
      r"socemu: no board given: use --board NAME \(try --list-boards\)\n")
check("-S without a gdb stub", run(["-M", "raspi3b", "-kernel", spin, "-S"]), 2,
      r"socemu: -S: needs --gdb tcp::PORT, -s, or a monitor \(-qmp, -monitor\) to continue\n")
check("bad --gdb address", run(["--board", "rpi3", "--kernel", spin, "--gdb", "udp::1"]), 2,
      r"socemu: --gdb udp::1: expected tcp::PORT or tcp:HOST:PORT\n")
check("truncated ELF names the file", run(["--board", "rpi3", "--kernel", truncated]), 2,
      rf"socemu: {re.escape(truncated)}: [^\n]*truncated[^\n]*\n")
check("log file in a missing directory", run(["--board", "rpi3", "--kernel", spin, "--log",
                                              "/nonexistent/x.log"]), 2,
      r"socemu: /nonexistent/x\.log: No such file or directory\n")

# Card images in formats socemu does not read: say what the file is (not "no MBR").
for name, head, what, advice in [
        ("card.qcow2", b"QFI\xfb\0\0\0\3", "a qcow2 image", "convert it with qemu-img convert"),
        ("card.img.bz2", b"BZh91AY&SY", "bzip2-compressed", "decompress it"),
        ("card.zip", b"PK\x03\x04\x14\0", "a zip archive", "unpack the image from it"),
        ("card.vmdk", b"KDMV\1\0\0\0", "a VMware VMDK image", "convert it")]:
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(head + bytes(4096))
    check(f"{what} as --sd", run(["--board", "rpi3", "--sd", path]), 2,
          rf"socemu: {re.escape(path)}: {what}; socemu reads raw card images \(\.img, or "
          rf"\.img\.gz/\.img\.xz/\.img\.zst\): {advice}[^\n]*\n")
check("-drive format=qcow2 is refused", run(["-M", "raspi3b", "-drive",
                                             "if=sd,format=qcow2,file=/missing.img"]), 2,
      r"socemu: -drive: 'if=sd,format=qcow2,file=/missing\.img' has a format= socemu does not "
      r"read \(only format=raw; convert with qemu-img convert -O raw\)\n")
# A board file of junk is quoted with its control bytes escaped, never raw to the terminal.
junk_board = os.path.join(WORK, "junk.board")
with open(junk_board, "wb") as f:
    f.write(b"board junk\nfoo \x1b[2J\x07bar = 3\n")
check("junk board file: control bytes escaped", run(["--board", junk_board, "--kernel", spin]), 2,
      rf"socemu: {re.escape(junk_board)}:2: [^\n]*'foo \\x1b\[2J\\x07bar'[^\n]*\n")
# A path longer than 1000 characters keeps the reason at the end of the line.
long_dir = os.path.join(WORK, *(["d" * 200] * 6))
os.makedirs(long_dir, exist_ok=True)
long_path = os.path.join(long_dir, "nosuch.img")
check("a 1200-character path keeps its reason", run(["--board", "rpi3", "--sd", long_path]), 2,
      rf"socemu: {re.escape(long_path)}: No such file or directory\n")

# --timeout counts the setup: an input that never finishes reading (a FIFO nobody writes; in
# real life a huge card being decompressed) ends with exit 3, not a hang.
fifo = os.path.join(WORK, "fifo.img")
if not os.path.exists(fifo):
    os.mkfifo(fifo)
check("--timeout counts the setup", run(["--board", "rpi3", "--sd", fifo, "--timeout", "1"]), 3,
      r"socemu: timed out during setup \(reading and decompressing the inputs\), before the guest "
      r"started\n")

# ---- information ----
check("--version", run(["--version"]), 0, r"", r"^socemu 0\.1\.0\n$")
check("--list-boards", run(["--list-boards"]), 0, r"", r"(?m)^rpi3 +Raspberry Pi 3")
check("-M help lists boards", run(["-M", "help"]), 0, r"", r"(?m)^rpi3 ")
help_text = run(["--help"])
check("--help", help_text, 0, r"", r"Usage: socemu")
for word in ["--board", "--list-boards", "--sd", "--kernel", "--dtb", "--initrd", "--append",
             "--memory", "--smp", "--serial", "--display", "--timeout", "--expect", "--fail",
             "--log", "--version", "--gdb", "-s ", "-S ", "--trace", "--realtime",
             "--no-reboot", "--seed", "--icount", "--quiet", "-M ", "-kernel", "-dtb",
             "-initrd", "-append", "-m ", "-smp", "-serial", "-nographic", "-drive",
             "-no-reboot", "0  passed", "1  guest failed", "2  bad input", "3  timed out",
             "4  emulator fault"]:
    if word not in help_text.stdout:
        failures += 1
        print(f"FAIL --help does not mention {word!r}")

# The man page and docs/cli.md document every socemu option and every exit code.
docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
man = open(os.path.join(docs, "socemu.1")).read()
md = open(os.path.join(docs, "cli.md")).read()
for opt in re.findall(r"^  (--[a-z-]+)", help_text.stdout, re.M):
    if opt.replace("-", r"\-") not in man or opt not in md.replace("`", " "):
        failures += 1
        print(f"FAIL {opt} missing from docs/socemu.1 or docs/cli.md")
for code in range(5):
    if f".B {code}\n" not in man or f"| {code} |" not in md:
        failures += 1
        print(f"FAIL exit code {code} missing from docs/socemu.1 or docs/cli.md")

# ---- runs ----
# A core asleep in WFI with nothing to wake it can never make progress: a guest failure.
check("sleeping guest is hung: exit 1", run(["--board", "rpi3", "--kernel", sleep,
                                             "--timeout", "5"]), 1,
      r"socemu: guest hung: all cores idle with no pending events after [^\n]+\n")
# A guest caught in an exception loop still times out (never hangs the emulator).
check("exception loop times out", run(["--board", "rpi3", "--kernel", exc_loop, "--timeout", "1"]),
      3, r"socemu: timed out after \d+\.\d s guest time, \d+\.\d s host \(\d+ instructions\)\n")
# ...and its failure report names the state of each core (the report samples once a second).
r = run(["--board", "rpi3", "--kernel", exc_loop, "--timeout", "2.5"])
if not re.search(r"socemu: cpu0 pc=0x0+80200 el=3 state=exception-loop \(at VBAR_EL3\+0x200: sync "
                 r"from current EL with SPx\)\n", r.stderr):
    failures += 1
    print(f"FAIL exception loop named in the failure report: {r.stderr!r}")
else:
    print("ok   exception loop named in the failure report")
# The sleeping guest's report: every core in WFI, nothing armed.
r = run(["--board", "rpi3", "--kernel", sleep, "--timeout", "5"])
if not (re.search(r"socemu: cpu3 pc=0x[0-9a-f]{16} el=3 state=wfi next-timer=none\n", r.stderr) and
        "every core is idle and no core has a timer armed" in r.stderr):
    failures += 1
    print(f"FAIL hung guest's failure report: {r.stderr!r}")
else:
    print("ok   hung guest's failure report")
# A busy loop never finishes: timed out (3).
check("spinning guest times out", run(["--board", "rpi3", "--kernel", spin, "--timeout", "1"]),
      3, r"socemu: timed out after \d+\.\d s guest time, \d+\.\d s host \(\d+ instructions\)\n")
check("QEMU spellings run the same guest",
      run(["-M", "raspi3b", "-kernel", spin, "-m", "1024", "-smp", "4", "-nographic", "-serial",
           "null", "-serial", "mon:stdio", "-no-reboot", "-icount", "shift=0", "-D",
           os.path.join(WORK, "log.txt"), "-d", "int", "-seed", "1", "--timeout", "1"]), 3,
      r"socemu: timed out[^\n]+\n")
check("-q: no summary", run(["--board", "rpi3", "--kernel", sleep, "-q"]), 1, r"")
# A program that prints nothing and waits on the counter forever (a junk kernel, a user program
# as --kernel): said once on stderr after 5 s of guest time (or 10 s host), with the PC; the run
# goes on until --timeout.
poll = aarch64_elf(os.path.join(WORK, "poll.elf"),
                   struct.pack("<II", 0xD53BE040, 0x17FFFFFF))  # 1: mrs x0, cntvct_el0; b 1b
check("a silent looping guest is reported once", run(["--board", "rpi3", "--kernel", poll,
                                                      "--timeout", "15"]), 3,
      r"socemu: warning: no console output after \d+\.\d s guest time \(\d+\.\d s host\); "
      r"core 0 is looping at 0x80004 \(EL3\), every other core in a loop too: is the kernel a "
      r"program for this board\?\n"
      r"socemu: timed out after [^\n]+\n")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
