"""The gdb stub end to end: socemu -S --gdb tcp::PORT on tests/gdb/target.S (assembled here),
driven by rsp_client.py (PART rsp), and gdb-multiarch in batch mode (PART gdb; exit 77, a ctest
SKIP, when gdb-multiarch is not installed). Without PART both run.
usage: run_gdb_tests.py SOCEMU WORKDIR AARCH64_GCC [GDB [PART]]"""
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rsp_client import REG_PC, REG_V0, RspClient, reg_size  # noqa: E402

SOCEMU, WORK, GCC = sys.argv[1:4]
GDB = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] and "NOTFOUND" not in sys.argv[4] else None
PART = sys.argv[5] if len(sys.argv) > 5 else "all"
if PART not in ("all", "rsp", "gdb"):
    sys.exit("run_gdb_tests.py: PART must be rsp, gdb or all, not %r" % PART)
if PART == "gdb" and not GDB:
    print("skip: gdb-multiarch not installed")
    sys.exit(77)
HERE = os.path.dirname(os.path.abspath(__file__))
os.makedirs(WORK, exist_ok=True)
elf = os.path.join(WORK, "target.elf")
subprocess.run([GCC, "-nostdlib", "-static", "-Wl,-Ttext=0x80000", "-Wl,--build-id=none", "-o", elf,
                os.path.join(HERE, "target.S")], check=True)
symbols = {}
for line in subprocess.run([GCC.replace("gcc", "nm"), elf], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    addr, _, name = line.split()
    symbols[name] = int(addr, 16)
START, LOOP, BUMP, DATA = symbols["_start"], symbols["loop"], symbols["bump"], symbols["vector_data"]

failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    failures += not ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port):
    return subprocess.Popen([SOCEMU, "--board", "rpi3", "--kernel", elf, "-S", "--gdb",
                             f"tcp::{port}", "--timeout", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ---- the Python client ----
def rsp_tests():
    port = free_port()
    emu = start(port)
    c = RspClient(port)
    sup = c.cmd("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=aarch64")
    check("qSupported", "PacketSize=" in sup and "qXfer:features:read+" in sup, sup)
    xml, off = "", 0
    while True:
        part = c.cmd("qXfer:features:read:target.xml:%x,%x" % (off, 0x200))
        xml += part[1:]
        off += len(part) - 1
        if part[0] == "l":
            break
    check("target.xml: aarch64 core + fpu",
          all(s in xml for s in ["org.gnu.gdb.aarch64.core", "org.gnu.gdb.aarch64.fpu",
                                 '"x30"', '"sp"', '"pc"', '"cpsr"', '"v31" bitsize="128"', '"fpsr"',
                                 '"fpcr"']), xml[:200])
    check("? with -S: stopped, thread 1", c.cmd("?") == "T05thread:1;")
    threads = c.cmd("qfThreadInfo")
    check("qfThreadInfo lists the 4 cores", threads == "m1,2,3,4", threads)
    check("qsThreadInfo ends the list", c.cmd("qsThreadInfo") == "l")
    check("qC", c.cmd("qC") == "QC1")
    check("T on a live thread / a missing one", c.cmd("T4") == "OK" and c.cmd("T9").startswith("E"))
    g = bytes.fromhex(c.cmd("g"))
    check("g: 68 registers", len(g) == sum(reg_size(n) for n in range(68)), len(g))
    check("g: pc at the entry", struct.unpack_from("<Q", g, 32 * 8)[0] == START)
    check("p pc", c.read_x(REG_PC) == START)
    cpsr = struct.unpack("<I", c.read_reg(33))[0]
    check("p cpsr: EL3h", cpsr & 0xf == 0xd, hex(cpsr))

    check("Z0 at bump", c.cmd("Z0,%x,4" % BUMP) == "OK")
    c.send("vCont;c")
    stop = c.recv()
    check("continue stops on the breakpoint", stop == "T05thread:1;", stop)
    check("... before executing it", c.read_x(REG_PC) == BUMP and c.read_x(4) == 0,
          (hex(c.read_x(REG_PC)), c.read_x(4)))
    check("x3 counted one call", c.read_x(3) == 1)
    check("vCont;s:1 steps one instruction", c.cmd("vCont;s:1") == "T05thread:1;"
          and c.read_x(REG_PC) == BUMP + 4 and c.read_x(4) == 2)
    check("s steps again (ret)", c.cmd("s") == "T05thread:1;" and c.read_x(REG_PC) == LOOP + 8)
    c.send("c")
    check("c: the breakpoint again", c.recv() == "T05thread:1;" and c.read_x(3) == 2)
    c.send("c")  # resuming while on the breakpoint executes it first
    check("c from the breakpoint itself", c.recv() == "T05thread:1;" and c.read_x(3) == 3
          and c.read_x(REG_PC) == BUMP)

    data = c.read_mem(DATA, 16)
    check("m reads guest memory", data == struct.pack("<QQ", 0x1122334455667788, 0x99aabbccddeeff00),
          data.hex())
    check("M writes guest memory", c.cmd("M%x,4:deadbeef" % (DATA + 16)) == "OK"
          and c.read_mem(DATA + 16, 4) == bytes.fromhex("deadbeef"))
    check("X (binary) writes guest memory", c.cmd(b"X%x,2:}\x03}\x04" % (DATA + 20)) == "OK"
          and c.read_mem(DATA + 20, 2) == b"#$")
    check("m on unmapped memory is an error", c.cmd("m%x,4" % 0x7ffffffff0).startswith("E"))
    v1 = c.read_reg(REG_V0 + 1)
    check("p v1: 128-bit register", v1 == data, v1.hex())
    check("P x5", c.write_x(5, 0xfeedface12345678) == "OK" and c.read_x(5) == 0xfeedface12345678)
    check("P pc then read back", c.write_x(REG_PC, BUMP) == "OK" and c.read_x(REG_PC) == BUMP)
    check("Hg2 selects core 1", c.cmd("Hg2") == "OK" and START <= c.read_x(REG_PC) <= symbols["park"] + 4)
    check("Hg1", c.cmd("Hg1") == "OK" and c.read_x(REG_PC) == BUMP)
    check("z0 removes it", c.cmd("z0,%x,4" % BUMP) == "OK")
    check("watchpoints unsupported (empty)", c.cmd("Z2,%x,8" % DATA) == "")
    c.send("c")
    time.sleep(0.3)
    c.send_raw(b"\x03")
    stop = c.recv()
    check("Ctrl-C interrupts", re.fullmatch(r"T02thread:[1-4];", stop) is not None, stop)
    check("D detaches", c.cmd("D") == "OK")
    c.close()
    time.sleep(0.3)
    check("the guest runs on after detach", emu.poll() is None)
    c = RspClient(port)
    check("reconnect halts again", c.cmd("?").startswith("T05thread:"))
    count = c.read_x(3)
    check("... and the guest ran meanwhile", count > 3, count)
    c.send("k")
    try:
        out, err = emu.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        emu.kill()
        out, err = emu.communicate()
    check("k ends the run: exit 0", emu.returncode == 0 and "killed from gdb" in err,
          (emu.returncode, err))


# ---- real gdb ----
def gdb_tests():
    port = free_port()
    emu = start(port)
    time.sleep(0.5)
    r = subprocess.run([GDB, "-batch", "-nx", elf, "-ex", "set architecture aarch64",
                        "-ex", f"target remote 127.0.0.1:{port}", "-ex", "info registers",
                        "-ex", "break bump", "-ex", "continue", "-ex", "stepi",
                        "-ex", "info threads", "-ex", "p/x $v1.d.u", "-ex",
                        "x/2gx &vector_data", "-ex", "kill"],
                       capture_output=True, text=True, timeout=120)
    text = r.stdout + r.stderr
    check("gdb: info registers", re.search(r"(?m)^x0 +0x0", text) and
          re.search(r"(?m)^pc +0x80000 ", text) and re.search(r"(?m)^cpsr ", text), text)
    check("gdb: breakpoint hit in bump", re.search(r"Breakpoint 1, .*bump", text), text)
    check("gdb: stepi", "0x000000000008003c in bump" in text, text)
    check("gdb: 4 threads", re.search(r"Thread 4 ", text), text)
    check("gdb: v1", "0x1122334455667788, 0x99aabbccddeeff00" in text, text)
    check("gdb: memory", re.search(r"0x1122334455667788\s+0x99aabbccddeeff00", text), text)
    try:
        emu.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        emu.kill()
        emu.communicate()
    check("gdb: kill ends socemu with 0", emu.returncode == 0, emu.returncode)


if PART in ("all", "rsp"):
    rsp_tests()
if PART in ("all", "gdb") and GDB:
    gdb_tests()
if failures:
    sys.exit(1)
if PART == "all" and not GDB:
    print("skip: gdb-multiarch not installed (the RSP client part passed)")
    sys.exit(77)
sys.exit(0)
