"""A LAVA-style run: the command line LAVA's qemu boot method builds from the device-type snippet
in docs/ci.md (socemu as the QEMU command, -machine raspi3b -cpu cortex-a53 -m 1G -nographic
-monitor none, -serial null -serial mon:stdio, then the job's -kernel/-dtb/-initrd/-append), the
console on stdin/stdout as LAVA's pexpect connection drives it: wait for the shell prompt, run a
command, check its output, power off from the guest: socemu exits 0.

  lava_style_test.py --socemu build/tools/cli/socemu --work DIR
"""
import os
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
import bootlib  # noqa: E402

args = bootlib.parse_args(__doc__)
env = bootlib.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD"))
t0 = bootlib.start(args.work)
cmd = [args.socemu, "-machine", "raspi3b", "-cpu", "cortex-a53", "-m", "1G", "-nographic",
       "-monitor", "none", "-serial", "null", "-serial", "mon:stdio", "--timeout", "900",
       "-kernel", env["SOCEMU_RPI3_KERNEL"], "-dtb", env["SOCEMU_RPI3_DTB"],
       "-initrd", env["SOCEMU_RPI3_INITRD"],
       "-append", "console=ttyS1,115200 earlycon rdinit=/init socemu.shell=1"]
print("$ " + " ".join(cmd), flush=True)
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
seen = b""
log = open(os.path.join(args.work, "console.txt"), "wb")


def expect(text, timeout=900):
    """Reads the console until text appears after what was consumed; returns what came before."""
    global seen
    end = time.monotonic() + timeout
    while text not in seen:
        left = end - time.monotonic()
        if left <= 0 or p.poll() is not None:
            return None
        r, _, _ = select.select([p.stdout], [], [], min(left, 1.0))
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            log.write(chunk)
            seen += chunk
    before, _, seen = seen.partition(text)
    return before


def send(line):
    p.stdin.write(line.encode() + b"\n")
    p.stdin.flush()


if expect(b"/ # ") is None:
    bootlib.fail("no shell prompt on stdout")
else:
    send("echo LAVA''_SIGNAL $(uname -m)")
    out = expect(b"/ # ", 120)
    if out is None or b"LAVA_SIGNAL aarch64" not in out:
        bootlib.fail("command output not seen: %r" % out)
    send("poweroff -f")
try:
    rc = p.wait(300)
except subprocess.TimeoutExpired:
    p.kill()
    rc = -1
err = p.stderr.read().decode()
print("socemu exited %d: %s" % (rc, err.strip()), flush=True)
if rc != 0 or "passed: guest powered off" not in err:
    bootlib.fail("power-off from the guest: exit %d, %r" % (rc, err))
sys.exit(bootlib.finish("lava_style", t0, args.work))
