"""labgrid's own QEMUDriver and ShellDriver (Debian's python3-labgrid) drive socemu as if it were
qemu-system-aarch64: socemu is the configured QEMU binary, the machine raspi3b, the CPU
cortex-a53, the kernel/DTB/initramfs the guest assets; extra_args "-initrd ... -serial null" put
labgrid's console socket on the second serial, the mini UART (the Pi 3's console), as on QEMU.
The driver starts it paused (-S) with QMP on stdio, continues it with QMP cont, the ShellDriver
finds the busybox shell (socemu.shell=1), runs commands with its marker protocol, and off()
sends QMP quit, which must exit 0. Skips (77) without labgrid or the guest assets.

  labgrid_test.py --socemu build/tools/cli/socemu --work DIR
"""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
import bootlib  # noqa: E402

args = bootlib.parse_args(__doc__)
env = bootlib.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD"))
try:
    from labgrid import Environment  # noqa: E402
except ImportError:
    # Debian's python3-labgrid is in the system Python's dist-packages; a python3 from elsewhere
    # (pyenv, a venv) first on PATH does not see it: run this test with the system one.
    if sys.executable != "/usr/bin/python3" and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-labgrid is not installed (tools/deps.txt; run tools/setup.sh)")
    sys.exit(bootlib.SKIP)

t0 = bootlib.start(args.work)
socemu = os.path.abspath(args.socemu)
config = os.path.join(args.work, "socemu-rpi3.yaml")
with open(config, "w") as f:
    f.write(f"""targets:
  main:
    drivers:
      QEMUDriver:
        qemu_bin: socemu
        machine: raspi3b
        cpu: cortex-a53
        memory: 1G
        kernel: kernel
        dtb: dtb
        extra_args: "-initrd {env['SOCEMU_RPI3_INITRD']} -serial null --timeout 900"
        boot_args: "console=ttyS1,115200 earlycon rdinit=/init socemu.shell=1"
      ShellDriver:
        prompt: '/ # '
        login_prompt: ' login: '
        username: root
        login_timeout: 900
tools:
  socemu: {socemu}
images:
  kernel: {env['SOCEMU_RPI3_KERNEL']}
  dtb: {env['SOCEMU_RPI3_DTB']}
""")

lg = Environment(config)
target = lg.get_target("main")
qemu = target.get_driver("QEMUDriver", activate=False)
target.activate(qemu)
print("labgrid runs: " + " ".join(qemu._cmd), flush=True)
qemu.on()
print("QEMUDriver.on(): socemu started, QMP negotiated, cont sent", flush=True)
status = qemu.monitor_command("query-status")
print("QMP query-status: %s" % status, flush=True)
if status.get("status") != "running":
    bootlib.fail("query-status after cont: %s" % status)

shell = target.get_driver("ShellDriver")  # activates it: waits for the prompt
print("ShellDriver: prompt found %.1f s after start" % (time.monotonic() - t0), flush=True)
checks = [("uname -m", "aarch64"), ("cat /proc/cpuinfo | grep -c ^processor", "4"),
          ("grep -o socemu.shell=1 /proc/cmdline", "socemu.shell=1")]
for cmd, want in checks:
    out, _, code = shell.run(cmd)
    print("run(%r) -> exit %d, %r" % (cmd, code, out), flush=True)
    if code != 0 or want not in out:
        bootlib.fail("%r: exit %d, output %r (wanted %r)" % (cmd, code, out, want))
out, _, code = shell.run("false")
print("run('false') -> exit %d" % code, flush=True)
if code != 1:
    bootlib.fail("'false' exited %d, not 1" % code)

# system_powerdown presses the Pi's power button: GPIO 3 (the gpio-shutdown overlay's pin, pulled
# up on the board) goes low for 200 ms of guest time, then is released (high again). The guest
# sees the level through sysfs and the press as a falling-edge interrupt.
gpio_script = ("for c in /sys/class/gpio/gpiochip*; do grep -q pinctrl-bcm2835 $c/label && "
               "echo $(( $(cat $c/base) + 3 )); done")
out, _, code = shell.run(gpio_script)


def falling_edges():
    lines, _, _ = shell.run("grep gpiolib /proc/interrupts || true")
    total = 0
    for line in lines:
        for field in line.split()[1:]:
            if not field.isdigit():
                break
            total += int(field)
    return total


if code != 0 or not out or not out[0].isdigit():
    bootlib.fail("no bcm2835 gpiochip in sysfs: %r" % out)
else:
    pin = out[0]
    shell.run("echo %s > /sys/class/gpio/export" % pin)
    shell.run("echo falling > /sys/class/gpio/gpio%s/edge" % pin)
    before, _, _ = shell.run("cat /sys/class/gpio/gpio%s/value" % pin)
    edges_before = falling_edges()
    qemu.monitor_command("system_powerdown")
    after, _, _ = shell.run("sleep 1; cat /sys/class/gpio/gpio%s/value" % pin)
    edges = falling_edges() - edges_before
    print("GPIO 3 (the power button) before system_powerdown: %s, after the press: %s, "
          "falling edges seen by the guest: %d" % (before, after, edges), flush=True)
    if before != ["1"] or after != ["1"] or edges != 1:
        bootlib.fail("system_powerdown: GPIO 3 read %r before, %r after, %d falling edges (wanted "
                     "1 (pull-up), 1 (released), 1 press)" % (before, after, edges))

# A command with arguments through labgrid's own QMP connection (monitor_command has none).
qemu.qmp.monitor_in.write(json.dumps({"execute": "human-monitor-command", "arguments": {
    "command-line": "info registers"}}).encode() + b"\n")
qemu.qmp.monitor_in.flush()
answer = qemu.qmp._read_parse_json()
while answer.get("event"):
    answer = qemu.qmp._read_parse_json()
regs = answer.get("return", "")
print("QMP human-monitor-command 'info registers' (first lines):\n" +
      "\n".join(regs.splitlines()[:3]), flush=True)
if not re.search(r"CPU#3\r?\n PC=[0-9a-f]{16} X00=", regs) or "EL1" not in regs:
    bootlib.fail("info registers: %r" % regs[:300])
child = qemu._child
try:
    qemu.off()  # QMP quit: an exit status other than 0 raises IOError
    print("QEMUDriver.off(): QMP quit, socemu exited 0", flush=True)
except IOError:
    bootlib.fail("QMP quit: socemu exited %s" % child.returncode)
sys.exit(bootlib.finish("labgrid", t0, args.work))
