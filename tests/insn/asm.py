#!/usr/bin/env python3
"""Developer helper (not run by the tests): assembles A64 lines with llvm-mc and prints
'0xXXXXXXXX, /* asm */' so raw-encoding tests can carry both the word and its meaning."""
import re, subprocess, sys

def assemble(lines):
    src = '\n'.join(lines) + '\n'
    out = subprocess.run(['llvm-mc', '-triple=aarch64', '-mattr=+crc,+lse,+aes,+el3', '-show-encoding'],
                         input=src, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    words = []
    for m in re.finditer(r'encoding: \[([^\]]*)\]', out.stdout):
        b = [int(x, 16) for x in m.group(1).split(',')]
        words.append(b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24)
    return words

if __name__ == '__main__':
    lines = [l.rstrip('\n') for l in sys.stdin if l.strip()]
    for l, w in zip(lines, assemble(lines)):
        print(f'0x{w:08x}, /* {l.strip()} */')
