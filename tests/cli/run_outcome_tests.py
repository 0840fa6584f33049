#!/usr/bin/env python3
"""Runs tools/cli/main.c linked with the scripted fake machine (socemu_fake) through every way a
run can end, checking the exit status and the exact summary line.
Usage: run_outcome_tests.py SOCEMU_FAKE WORKDIR"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

FAKE, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = 0
TIMES = r"after \d+\.\d s guest time, \d+\.\d s host \(\d+ instructions\)"


def script(name, *lines):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write("#!socemu-fake\n" + "".join(l + "\n" for l in lines))
    return path


def run(args, stdin=subprocess.DEVNULL, timeout=20):
    try:
        return subprocess.run([FAKE] + args, stdin=stdin, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, "no exit (killed after 20 s)", "", "")


FAILURE_REPORT = re.compile(
    r"socemu: ---- failure report ----\n.*?socemu: ---- end of failure report ----\n", re.S)


def check(name, result, code, stderr_re, stdout_re=None):
    global failures
    problems = []
    if result.returncode != code:
        problems.append(f"exit {result.returncode}, wanted {code}")
    # The failure report after a failed or timed-out run is checked by results_test.py.
    stderr = FAILURE_REPORT.sub("", result.stderr)
    if not re.fullmatch(stderr_re, stderr):
        problems.append(f"stderr {result.stderr!r} does not match {stderr_re!r}")
    if stdout_re is not None and not re.search(stdout_re, result.stdout):
        problems.append(f"stdout {result.stdout!r} does not contain {stdout_re!r}")
    if problems:
        failures += 1
        print(f"FAIL {name}: " + "; ".join(problems))
    else:
        print(f"ok   {name}")


login = script("login.txt", "out 1 Booting Linux", "out 0 on the PL011", "outn 1 buildroot login: ",
               "spin")
check("expect matches a prompt without newline",
      run(["--board", "rpi3", "--kernel", login, "--expect", "login: $"]), 0,
      rf"socemu: passed: console matched --expect 'login: \$' {TIMES}\n",
      r"Booting Linux\nbuildroot login: ")
check("console goes to stdout by default, other UARTs nowhere",
      run(["--board", "rpi3", "--kernel", login, "--expect", "login"]), 0, r"socemu: passed: .*\n",
      r"^Booting Linux\nbuildroot login")
check("--serial in board order: first is uart0 (PL011)",
      run(["--board", "rpi3", "--kernel", login, "--serial", "stdio", "--serial", "null",
           "--expect", "PL011"]), 0, r"socemu: passed: .*\n", r"^on the PL011\n$")
check("-serial in QEMU's order: second is the mini UART (console)",
      run(["-M", "raspi3b", "-kernel", login, "-serial", "null", "-serial", "mon:stdio",
           "--expect", "login"]), 0, r"socemu: passed: .*\n", r"^Booting Linux")
check("--fail wins and reports the line",
      run(["--board", "rpi3", "--kernel", login, "--expect", "Booting", "--fail", "Boot.*Linux"]),
      1, rf"socemu: guest failed: console matched --fail 'Boot\.\*Linux' {TIMES}: Booting Linux\n")
check("--timeout with no match: exit 3",
      run(["--board", "rpi3", "--kernel", login, "--expect", "never", "--timeout", "0.5"]), 3,
      rf"socemu: timed out waiting for --expect {TIMES}\n")
check("-q hides the summary", run(["--board", "rpi3", "--kernel", login, "--timeout", "0.2",
                                   "-q"]), 3, r"")

panic = script("panic.txt", "out 1 [    2.5] Kernel panic - not syncing: VFS: Unable to mount root fs",
               "poweroff")
check("kernel panic is a guest failure", run(["--board", "rpi3", "--kernel", panic]), 1,
      rf"socemu: guest failed: kernel panic {TIMES}: \[    2\.5\] Kernel panic - not syncing: "
      r"VFS: Unable to mount root fs\n")

off = script("poweroff.txt", "out 1 reboot: Power down", "poweroff")
check("power-off passes", run(["--board", "rpi3", "--kernel", off]), 0,
      rf"socemu: passed: guest powered off {TIMES}\n")
check("power-off before --expect fails", run(["--board", "rpi3", "--kernel", off, "--expect",
                                              "login:"]), 1,
      rf"socemu: guest failed: guest powered off before --expect matched {TIMES}\n")
check("reboot with --no-reboot passes",
      run(["--board", "rpi3", "--kernel", script("reboot.txt", "reboot"), "-no-reboot"]), 0,
      rf"socemu: passed: guest rebooted \(--no-reboot\) {TIMES}\n")
loop = script("loop.txt", *(["out 1 U-Boot 2023.01", "reset"] * 5))
check("more than 3 resets is a reset loop",
      run(["--board", "rpi3", "--kernel", loop]), 1,
      rf"socemu: guest failed: reset loop \(4 resets\) {TIMES}\n")
check("with --no-reboot the first reset ends the run",
      run(["--board", "rpi3", "--kernel", loop, "--no-reboot"]), 0,
      rf"socemu: passed: guest rebooted \(--no-reboot\) {TIMES}\n")
check("hung guest is a guest failure",
      run(["--board", "rpi3", "--kernel", script("hang.txt", "hang"), "--timeout", "1"]), 1,
      rf"socemu: guest hung: all cores idle with no pending events {TIMES}\n")
check("machine panic is a guest failure",
      run(["--board", "rpi3", "--kernel", script("mpanic.txt", "panic watchdog reset loop")]), 1,
      rf"socemu: guest failed: watchdog reset loop {TIMES}\n")
check("emulator fault: exit 4, shown even with -q",
      run(["--board", "rpi3", "--kernel", script("fault.txt", "fault cpu0: unhandled"), "-q"]), 4,
      rf"socemu: emulator fault: cpu0: unhandled {TIMES}\n")
check("machine_create's error is a usage error",
      run(["--board", "rpi3", "--kernel", "/etc/hostname"]), 2,
      r"socemu: /etc/hostname: not a fake-machine script\n")

# A console or log that cannot be written (a full disk) is an emulator fault, never a pass.
check("--serial file: on a full disk: exit 4 naming the file",
      run(["--board", "rpi3", "--kernel", login, "--serial", "file:/dev/full", "--timeout", "5"]),
      4, rf"socemu: emulator fault: cannot write the serial output to /dev/full: No space left on "
      rf"device {TIMES}\n")
with open("/dev/full", "w") as full:
    full_out = subprocess.run([FAKE, "--board", "rpi3", "--kernel", off], stdin=subprocess.DEVNULL,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=20)
check("stdout on a full disk: exit 4", subprocess.CompletedProcess([], full_out.returncode, "",
                                                                   full_out.stderr), 4,
      rf"socemu: emulator fault: cannot write the console to stdout: No space left on device "
      rf"{TIMES}\n")
warn = script("warn.txt", "warn aux: something odd", "out 1 reboot: Power down", "poweroff")
check("warnings carry the socemu: prefix",
      run(["--board", "rpi3", "--kernel", warn]), 0,
      rf"socemu: warning: aux: something odd\nsocemu: passed: guest powered off {TIMES}\n")
check("--log on a full disk: exit 4 naming the file",
      run(["--board", "rpi3", "--kernel", warn, "--log", "/dev/full"]), 4,
      rf"socemu: emulator fault: cannot write the log to /dev/full: No space left on device "
      rf"{TIMES}\n")
check("an --expect line with terminal escapes after the prompt",
      run(["--board", "rpi3", "--kernel", script("esc.txt", "outn 1 ~ # \x1b[6n", "spin"),
           "--expect", "# $"]), 0, rf"socemu: passed: console matched --expect '# \$' {TIMES}\n")

# Host input reaches the guest through a pipe on stdin.
echo = script("echo.txt", "outn 1 # ", "echo 1")
check("stdin pipe input reaches the console UART",
      subprocess.run([FAKE, "--board", "rpi3", "--kernel", echo, "--expect",
                                    "# hello", "--timeout", "10"], input="hello\n",
                                   capture_output=True, text=True, timeout=20),
      0, r"socemu: passed: console matched --expect '# hello' .*\n")

# SIGTERM from a CI runner: 128 + 15, the terminal restored, a summary line.
p = subprocess.Popen([FAKE, "--board", "rpi3", "--kernel", login], stdin=subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=10)
check("SIGTERM exits 128+15", subprocess.CompletedProcess(p.args, p.returncode, out, err),
      128 + signal.SIGTERM, rf"socemu: stopped by signal 15 \(Terminated\) {TIMES}\n")

# A unix socket server for the console: the harness connects and reads it.
sock_path = os.path.join(WORK, "console.sock")
p = subprocess.Popen([FAKE, "--board", "rpi3", "--kernel", login, "--serial", "null",
                      "--serial", f"unix:{sock_path},server", "--expect", "login",
                      "--timeout", "10"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
data = b""
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path)
        break
    except OSError:
        time.sleep(0.05)
s.settimeout(10)
try:
    while b"login" not in data:
        chunk = s.recv(100)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
s.close()
out, err = p.communicate(timeout=10)
check("unix:PATH,server waits for the client, which gets the console",
      subprocess.CompletedProcess(p.args, p.returncode, out, err), 0,
      rf"socemu: unix:{re.escape(sock_path)},server: waiting for a client to connect\n"
      r"socemu: passed: .*\n")
if b"Booting Linux\r\nbuildroot login" not in data:
    failures += 1
    print(f"FAIL unix client saw {data!r}")

# On a terminal: raw mode (Ctrl-C reaches the guest, typed keys are not echoed by the tty) and
# Ctrl-A x quits with 0.
import pty  # noqa: E402
pid, fd = pty.fork()
if pid == 0:
    os.execv(FAKE, [FAKE, "--board", "rpi3", "--kernel", echo])
time.sleep(0.5)
os.write(fd, b"hi\x03")
time.sleep(0.3)
os.write(fd, b"\x01x")
tty_out = b""
try:
    while True:
        chunk = os.read(fd, 1000)
        if not chunk:
            break
        tty_out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
if os.waitstatus_to_exitcode(status) != 0 or not tty_out.startswith(b"# hi\x03socemu: quit from "
                                                                    b"the console (Ctrl-A x)"):
    failures += 1
    print(f"FAIL terminal Ctrl-A x: exit {os.waitstatus_to_exitcode(status)}, saw {tty_out!r}")
else:
    print("ok   terminal: raw input, Ctrl-C to the guest, Ctrl-A x quits with 0")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
