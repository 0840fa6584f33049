#!/usr/bin/env python3
"""Prints the include graph of cpu/ by folder (and, given the built libraries, the graph of calls
between folders from their symbols) and the cycles in it. A module is a .c/.h pair
(mem/code_cache.c + mem/code_cache.h); a folder is its first path component under cpu/
("." for cpu/arm_cpu.h). The generated decoder (a64_decode.[ch]) belongs to a64/.

Usage: tools/cpu_layers.py [--cpu DIR] [--lib LIB.a ...] [--modules] [--check]
  --lib      also read `nm` of the built static libraries: an undefined symbol of one object
             defined by another is a call (or data use) from its folder to the other's
  --modules  print module-level cycles too
  --check    exit 1 if the folder graph of either kind has a cycle
Exit status: 0 no cycles (or no --check), 1 cycles with --check, 2 bad input, 77 no nm."""
import argparse
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
GENERATED = {"a64_decode": "a64"}


def module_of(rel):
    """cpu-relative path -> module name (folder/stem); a public header X/include/X/name.h is
    module X/name, as X/name.c is."""
    parts = rel.split("/")
    if len(parts) > 3 and parts[1] == "include" and parts[2] == parts[0]:
        rel = "/".join([parts[0]] + parts[3:])
    stem = os.path.splitext(rel)[0]
    base = os.path.basename(stem)
    if base in GENERATED:
        return GENERATED[base] + "/" + base
    return stem


def folder_of(module):
    return module.split("/")[0] if "/" in module else "."


def scan_sources(cpu):
    files = {}
    for root, _, names in os.walk(cpu):
        for n in names:
            if n.endswith((".c", ".h")):
                path = os.path.join(root, n)
                files[os.path.relpath(path, cpu)] = path
    return files


def resolve(inc, rel, files):
    """An include as written -> the cpu-relative file it names, or None (outside cpu/)."""
    here = os.path.dirname(rel)
    top = inc.split("/")[0]
    for cand in (os.path.normpath(os.path.join(here, inc)), inc, "include/" + inc,
                 f"{top}/include/{inc}"):
        if cand in files:
            return cand
    base = os.path.basename(inc)
    if os.path.splitext(base)[0] in GENERATED:
        return base
    return None


def include_edges(cpu):
    files = scan_sources(cpu)
    edges = {}
    for rel, path in sorted(files.items()):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            target = resolve(inc, rel, files)
            if target is None:
                continue
            a, b = module_of(rel), module_of(target)
            if a != b:
                edges.setdefault((a, b), []).append(f"{rel} -> {inc}")
    return edges


def symbol_edges(libs, cpu):
    sources = {}
    for rel in scan_sources(cpu):
        if rel.endswith(".c"):
            sources.setdefault(os.path.basename(rel), rel)
    defined, undefined = {}, {}
    for lib in libs:
        try:
            out = subprocess.run(["nm", "-A", "--defined-only", lib], capture_output=True,
                                 text=True, check=True).stdout
            out_u = subprocess.run(["nm", "-A", "--undefined-only", lib], capture_output=True,
                                   text=True, check=True).stdout
        except FileNotFoundError:
            print("cpu_layers: nm (binutils) not found: cannot read the call graph",
                  file=sys.stderr)
            sys.exit(77)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"cpu_layers: cannot read symbols of {lib}: {e}", file=sys.stderr)
            sys.exit(2)
        for text, table in ((out, defined), (out_u, undefined)):
            for line in text.splitlines():
                m = re.match(r"^[^:]*:([^:]+\.c)\.o:\s*(?:[0-9a-f]+\s+)?([A-Za-z])\s+(\S+)$", line)
                if not m:
                    continue
                obj, kind, sym = m.groups()
                if table is defined and kind.islower():
                    continue  # local symbol
                rel = sources.get(obj, obj)
                table.setdefault(sym, set()).add(module_of(rel))
    edges = {}
    for sym, users in undefined.items():
        for owner in defined.get(sym, ()):
            for user in users:
                if user != owner:
                    edges.setdefault((user, owner), []).append(sym)
    return edges


def sccs(nodes, adj):
    """Tarjan's strongly connected components with more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(adj.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def report(title, edges, modules):
    fedges = {}
    for (a, b), why in edges.items():
        fa, fb = folder_of(a), folder_of(b)
        if fa != fb:
            fedges.setdefault((fa, fb), []).append(f"{a} -> {b}")
    print(f"== {title}: folder -> folder (module pairs)")
    for (fa, fb), pairs in sorted(fedges.items()):
        print(f"  {fa:7} -> {fb:7} {len(pairs):3}  e.g. {pairs[0]}")
    adj = {}
    for fa, fb in fedges:
        adj.setdefault(fa, set()).add(fb)
    nodes = {f for e in fedges for f in e}
    cyc = sccs(nodes, adj)
    for c in cyc:
        back = [f"{a}->{b}" for (a, b) in sorted(fedges) if a in c and b in c]
        print(f"  CYCLE between folders: {' '.join(c)}  (edges: {', '.join(back)})")
    if not cyc:
        print("  no cycles between folders")
    if modules:
        madj = {}
        for a, b in edges:
            madj.setdefault(a, set()).add(b)
        mnodes = {m for e in edges for m in e}
        for c in sccs(mnodes, madj):
            print(f"  module cycle ({len(c)}): {' '.join(c)}")
    return bool(cyc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "cpu"))
    ap.add_argument("--lib", action="append", default=[])
    ap.add_argument("--modules", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.cpu):
        print(f"cpu_layers: {a.cpu}: not a directory", file=sys.stderr)
        return 2
    for lib in a.lib:
        if not os.path.isfile(lib):
            print(f"cpu_layers: {lib}: no such library", file=sys.stderr)
            return 2
    bad = report("includes", include_edges(a.cpu), a.modules)
    if a.lib:
        bad |= report("calls (symbols)", symbol_edges(a.lib, a.cpu), a.modules)
    return 1 if bad and a.check else 0


if __name__ == "__main__":
    sys.exit(main())
