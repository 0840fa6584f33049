"""The QEMU drop-in options and the monitors, on the fake machine (no guest): QMP over stdio and a
unix socket (greeting, negotiation, every command, the events, ids echoed, errors), -S waiting
for cont, -no-shutdown, the human monitor (-monitor stdio, -mon), and the options refused with
one line (-cpu other than cortex-a53, -device, bad -netdev/-nic, -accel kvm, an unknown chardev id).

  qmp_test.py SOCEMU_FAKE WORKDIR
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_checks import check, finish, script, start  # noqa: E402

fake, work = sys.argv[1], sys.argv[2]
start(work)


spin = script("spin.fake", "out 1 hello\nspin\n")
poweroff = script("poweroff.fake", "out 1 bye\npoweroff\n")
base = ["-M", "raspi3b", "-cpu", "cortex-a53", "-m", "1G", "-nographic", "-serial", "null"]


class Qmp:
    def __init__(self, rd, wr):
        self.rd, self.wr = rd, wr

    def read(self):
        line = self.rd.readline()
        return json.loads(line) if line else None

    def send(self, obj):
        self.wr.write((json.dumps(obj) + "\n").encode() if isinstance(obj, dict) else obj)
        self.wr.flush()

    def cmd(self, name, args=None, **extra):
        msg = {"execute": name}
        if args is not None:
            msg["arguments"] = args
        msg.update(extra)
        self.send(msg)
        return self.read()


def start(args, stdin=subprocess.PIPE):
    return subprocess.Popen([fake] + args, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


# ---- QMP on stdio, as labgrid's QEMUDriver runs it ----
con = os.path.join(work, "console.txt")
p = start(base + ["-kernel", spin, "-S", "-qmp", "stdio", "-chardev",
                  "file,id=con,path=" + con, "-serial", "chardev:con", "--timeout", "60"])
q = Qmp(p.stdout, p.stdin)
greeting = q.read()
check("greeting names QMP and its capabilities",
      greeting and "QMP" in greeting and greeting["QMP"]["capabilities"] == []
      and "qemu" in greeting["QMP"]["version"], str(greeting))
r = q.cmd("query-status")
check("commands before qmp_capabilities are refused",
      r.get("error", {}).get("class") == "CommandNotFound", str(r))
check("qmp_capabilities", q.cmd("qmp_capabilities") == {"return": {}})
r = q.cmd("query-status", id="a1")
check("-S: prelaunch, id echoed",
      r == {"return": {"status": "prelaunch", "singlestep": False, "running": False}, "id": "a1"},
      str(r))
check("cont returns", q.cmd("cont") == {"return": {}})
ev = q.read()
check("RESUME event with a timestamp", ev.get("event") == "RESUME" and "seconds" in ev["timestamp"],
      str(ev))
check("running", q.cmd("query-status")["return"]["status"] == "running")
check("stop returns", q.cmd("stop") == {"return": {}})
check("STOP event", q.read().get("event") == "STOP")
check("paused", q.cmd("query-status")["return"]["status"] == "paused")
q.cmd("cont")
q.read()
check("system_reset returns", q.cmd("system_reset") == {"return": {}})
ev = q.read()
check("RESET event (host)", ev.get("event") == "RESET" and ev["data"] == {
    "guest": False, "reason": "host-qmp-system-reset"}, str(ev))
check("system_powerdown returns", q.cmd("system_powerdown") == {"return": {}})
check("POWERDOWN event", q.read().get("event") == "POWERDOWN")
r = q.cmd("query-version")
check("query-version", r["return"]["qemu"]["major"] >= 7 and "socemu" in r["return"]["package"],
      str(r))
check("query-cpus-fast is a list", isinstance(q.cmd("query-cpus-fast")["return"], list))
r = q.cmd("human-monitor-command", {"command-line": "info status"})
check("human-monitor-command info status", r == {"return": "VM status: running\r\n"}, str(r))
r = q.cmd("screendump", {"filename": os.path.join(work, "s.ppm")})
check("screendump without a framebuffer says so",
      "no framebuffer" in r.get("error", {}).get("desc", ""), str(r))
r = q.cmd("no-such-command")
check("unknown command", r.get("error", {}).get("class") == "CommandNotFound", str(r))
q.send(b'{"execute": "query-status", "arguments": [1]}\n')
check("arguments must be an object", "error" in q.read())
q.send(b"not json\n")
check("junk is an error, not the end", "error" in q.read())
q.send(b'{"execute":\n "query-status"}')  # split over lines, no newline after
check("a message split over lines", q.read()["return"]["status"] == "running")
check("quit returns", q.cmd("quit") == {"return": {}})
ev = q.read()
check("SHUTDOWN event on quit", ev.get("event") == "SHUTDOWN" and ev["data"] == {
    "guest": False, "reason": "host-qmp-quit"}, str(ev))
rc = p.wait(30)
err = p.stderr.read().decode()
check("quit exits 0", rc == 0, "%d %s" % (rc, err))
check("quit is the summary", "quit from the monitor" in err, err)
with open(con) as f:
    check("-serial chardev:ID reached the second serial (the mini UART)", "hello" in f.read())

# ---- a guest power-off: SHUTDOWN (guest); with -no-shutdown the run waits for quit ----
p = start(base + ["-kernel", poweroff, "-S", "-qmp", "stdio", "-serial", "file:" + con,
                  "--timeout", "60"])
q = Qmp(p.stdout, p.stdin)
q.read()
q.cmd("qmp_capabilities")
q.cmd("cont")
q.read()  # RESUME
ev = q.read()
check("SHUTDOWN event on a guest power-off", ev and ev.get("event") == "SHUTDOWN" and
      ev["data"]["guest"] is True, str(ev))
check("the run ends (no -no-shutdown)", p.wait(30) == 0)

p = start(base + ["-kernel", poweroff, "-no-shutdown", "-S", "-qmp", "stdio", "-serial",
                  "file:" + con, "--timeout", "60"])
q = Qmp(p.stdout, p.stdin)
q.read()
q.cmd("qmp_capabilities")
q.cmd("cont")
events = [q.read().get("event"), q.read().get("event")]
check("-no-shutdown: RESUME then SHUTDOWN", events == ["RESUME", "SHUTDOWN"], str(events))
time.sleep(0.3)
check("-no-shutdown: still there after the power-off", p.poll() is None)
r = q.cmd("query-status")
check("-no-shutdown: query-status answers", "return" in r, str(r))
q.cmd("quit")
check("-no-shutdown: quit exits 0", p.wait(30) == 0)

# ---- QMP on a unix socket server (wait=off), a client coming and going ----
sock = os.path.join(work, "qmp.sock")
p = start(base + ["-kernel", spin, "-qmp", "unix:%s,server=on,wait=off" % sock, "-serial",
                  "file:" + con, "--timeout", "60"])
for _ in range(500):
    if os.path.exists(sock):
        break
    time.sleep(0.01)
for round_ in (1, 2):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    f = s.makefile("rwb")
    q = Qmp(f, f)
    g = q.read()
    check("unix socket client %d greeted" % round_, g and "QMP" in g, str(g))
    check("unix socket client %d negotiates" % round_, q.cmd("qmp_capabilities") == {"return": {}})
    if round_ == 2:
        q.cmd("quit")
    f.close()
    s.close()
check("unix socket: quit exits 0", p.wait(30) == 0)

# ---- QMP on a tcp server (loopback), as -qmp tcp::PORT,server,nowait ----
p = None
for port in range(45300, 45400):
    p = start(base + ["-kernel", spin, "-qmp", "tcp::%d,server,nowait" % port, "-serial",
                      "file:" + con, "--timeout", "60"])
    s = None
    for _ in range(200):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.01)
    if s:
        break
    p.wait()
f = s.makefile("rwb")
q = Qmp(f, f)
check("tcp: greeted", "QMP" in q.read())
q.cmd("qmp_capabilities")
check("tcp: query-status", q.cmd("query-status")["return"]["status"] == "running")
q.cmd("quit")
f.close()
s.close()
check("tcp: quit exits 0", p.wait(30) == 0)

# ---- the human monitor ----
p = start(base + ["-kernel", spin, "-S", "-monitor", "stdio", "-serial", "file:" + con,
                  "--timeout", "60"])
out, err = p.communicate(b"info status\ncont\ninfo status\nhelp\nq\n", timeout=30)
out = out.decode()
check("human monitor banner and prompt", "(qemu) " in out and "monitor" in out, out)
check("human monitor: prelaunch, then running",
      "VM status: paused (prelaunch)" in out and "VM status: running" in out, out)
check("human monitor: quit exits 0", p.returncode == 0, err.decode())

p = start(base + ["-kernel", spin, "-chardev", "stdio,id=m", "-mon", "chardev=m,mode=control",
                  "-serial", "file:" + con, "--timeout", "60"])
q = Qmp(p.stdout, p.stdin)
check("-mon chardev=ID,mode=control is QMP", "QMP" in q.read())
q.cmd("qmp_capabilities")
q.cmd("quit")
check("-mon: quit exits 0", p.wait(30) == 0)

# ---- refused, each with one line and exit 2 ----
def refused(name, args, pattern):
    p = subprocess.run([fake] + args, capture_output=True, text=True, timeout=30)
    check(name, p.returncode == 2 and re.fullmatch(pattern, p.stderr),
          "rc %d: %r" % (p.returncode, p.stderr))


refused("-cpu cortex-a57", ["-M", "raspi3b", "-cpu", "cortex-a57", "-kernel", spin],
        r"socemu: -cpu: 'cortex-a57' is not a CPU socemu's boards have \(available: "
        r"cortex-a53, the Raspberry Pi 3's\)\n")
refused("-device", ["-M", "raspi3b", "-kernel", spin, "-device", "usb-net,netdev=n0"],
        r"socemu: -device usb-net,netdev=n0: socemu adds no devices from the command line "
        r"\(the board file lists them; the board's own Ethernet is connected with "
        r"--net/-nic/-netdev\)\n")
refused("-netdev tap", ["-M", "raspi3b", "-kernel", spin, "-netdev", "tap,id=n0"],
        r"socemu: -netdev tap,id=n0: 'tap' is not a network backend \(user or none; tap is not "
        r"supported\)\n")
refused("-nic bad option", ["-M", "raspi3b", "-kernel", spin, "-nic", "user,bogus=1"],
        r"socemu: -nic user,bogus=1: unknown option 'bogus' \(hostfwd, restrict, mac, id, "
        r"model\)\n")
refused("-accel kvm", ["-M", "raspi3b", "-kernel", spin, "-accel", "kvm"],
        r"socemu: -accel: 'kvm' is not available: .*\n")
refused("-serial chardev:unknown", ["-M", "raspi3b", "-kernel", spin, "-serial", "chardev:x"],
        r"socemu: -serial chardev:x: no -chardev with that id\n")
refused("-chardev without id", ["-M", "raspi3b", "-kernel", spin, "-chardev", "null"],
        r"socemu: -chardev: 'null' has no id=\n")
refused("-qmp stdio with the console on stdout", ["-M", "raspi3b", "-kernel", spin, "-qmp",
                                                  "stdio"],
        r"socemu: stdio: stdio is the monitor's, and the console UART \(aux\) has no other "
        r"backend: give it one with -serial/--serial \(or -nodefaults for none\)\n")
p = subprocess.run([fake] + base + ["-kernel", poweroff, "-accel", "tcg,thread=single",
                                    "-name", "guest=x", "-rtc", "base=utc", "-nodefaults",
                                    "-net", "none", "-monitor", "none"],
                   capture_output=True, text=True, timeout=30)
check("accepted and harmless: -accel tcg, -name, -rtc, -nodefaults, -net none, -monitor none",
      p.returncode == 0, p.stderr)

finish()
