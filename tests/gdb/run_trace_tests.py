"""--trace insn|exec|int|mmu|unimp with --log: runs tests/gdb/trace_target.S (assembled here) once
per category and checks the log holds that category's records.
usage: run_trace_tests.py SOCEMU WORKDIR AARCH64_GCC"""
import os
import re
import subprocess
import sys

SOCEMU, WORK, GCC = sys.argv[1:4]
HERE = os.path.dirname(os.path.abspath(__file__))
os.makedirs(WORK, exist_ok=True)
elf = os.path.join(WORK, "trace_target.elf")
subprocess.run([GCC, "-nostdlib", "-static", "-Wl,-Ttext=0x80000", "-Wl,--build-id=none", "-o", elf,
                os.path.join(HERE, "trace_target.S")], check=True)

# Each category: patterns that must all appear in its log (the program's known events).
EXPECT = {
    "insn": [r"(?m)^cpu0: insn: block pc=0x0000000000080000 pa=0x0000080000 n=\d+ EL3$",
             r"(?m)^cpu0: insn:   0x0000000000080018: d4000841  svc #0x42$"],
    "exec": [r"(?m)^cpu0: exec: EL3 0x0000000000080018: d4000841  svc #0x42 +nzcv=0$",
             r"(?m)^cpu0: exec: EL3 0x0000000000080a00: d69f03e0  eret "],
    "int": [r"(?m)^cpu0: int: exception sync EL3->EL3 ec=0x15 esr=0x56000042 "
            r"far=0x[0-9a-f]{16} elr=0x000000000008001c$",
            r"(?m)^cpu0: int: eret to EL3 pc=0x000000000008001c spsr=0x[0-9a-f]+$"],
    "mmu": [r"(?m)^cpu0: mmu: tlb fill idx3 va=0x0000000000080000 pa=0x0000080000 ",
            r"(?m)^cpu0: mmu: tlbi EL3 all va=0x0000000000000000 asid=0$"],
    "unimp": [r"(?m)^trace: i2c0: write 0x4 size 4 value 0x5a$",
              r"(?m)^trace: i2c0: read 0x8 size 4 value 0x0$"],
}
failures = 0
for category, patterns in EXPECT.items():
    log = os.path.join(WORK, f"{category}.log")
    r = subprocess.run([SOCEMU, "--board", "rpi3", "--kernel", elf, "--trace", category, "--log",
                        log, "--timeout", "30"], capture_output=True, text=True, timeout=120)
    text = open(log).read()
    problems = [p for p in patterns if not re.search(p, text)]
    # The guest ends asleep with interrupts masked: a hung run (exit 1), nothing else.
    if r.returncode != 1 or "guest hung" not in r.stderr:
        problems.append(f"exit {r.returncode}: {r.stderr.strip()}")
    others = [c for c in EXPECT if c != category and c != "unimp"]
    for other in others:
        if re.search(rf"(?m)^cpu\d: {other}: ", text):
            problems.append(f"{other} records in a --trace {category} log")
    print(("FAIL " if problems else "ok   ") + f"--trace {category}: {len(text.splitlines())} lines"
          + ("".join("\n     missing/wrong: " + p for p in problems) if problems else ""))
    if problems:
        print("     log starts:\n" + "".join("       " + l + "\n" for l in text.splitlines()[:12]))
    failures += bool(problems)
sys.exit(1 if failures else 0)
