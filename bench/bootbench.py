"""Shared by the boot benchmarks: run a command, timestamp the console lines that contain given
markers, and read the asset variables of tools/guest-assets.sh."""
import os
import select
import subprocess
import time


def run(cmd, markers, limit, env=None, stop_at=None):
    """Runs cmd for at most limit seconds. Returns ({marker: wall seconds}, [socemu-stats lines],
    [all lines]). Stops early (kill) once stop_at (a marker) has been seen."""
    t0 = time.monotonic()
    # stdin at EOF: no live console input, so idle time is skipped as in CI (docs/cli.md, Time)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env)
    seen, stats, lines_all, buf = {}, [], [], b""
    while True:
        if time.monotonic() - t0 > limit:
            break
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if not r:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        now = time.monotonic() - t0
        for raw in lines:
            line = raw.decode(errors="replace")
            lines_all.append(line)
            if "socemu-stats" in line:
                stats.append(line.strip())
            for m in markers:
                if m in line and m not in seen:
                    seen[m] = now
        if stop_at and stop_at in seen:
            break
    p.kill()
    p.wait()
    return seen, stats, lines_all


def assets():
    """The variables of ~/.cache/socemu/assets.env (or SOCEMU_ASSETS_ENV), over os.environ."""
    e = dict(os.environ)
    path = e.get("SOCEMU_ASSETS_ENV", os.path.expanduser("~/.cache/socemu/assets.env"))
    if os.path.exists(path):
        for line in open(path):
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                e.setdefault(k, v.strip("'"))
    return e


def table(markers, results, names):
    """Prints best wall seconds per marker for each configuration, and socemu / best QEMU."""
    def best(name, m):
        v = [s[m] for s in results.get(name, []) if m in s]
        return min(v) if v else None
    fmt = lambda v: "%9.2f" % v if v is not None else "        -"
    print("%-36s" % "marker (best wall s)" + "".join("%14s" % n for n in names) +
          "  socemu/qemu-best")
    for m in markers:
        vals = [best(n, m) for n in names]
        q = [v for n, v in zip(names, vals) if n.startswith("qemu") and v is not None]
        s = vals[0]
        ratio = "%8.2fx" % (s / min(q)) if s is not None and q else "        -"
        print("%-36s" % m[:36] + "".join("%14s" % fmt(v).strip() for v in vals) + "  " + ratio)
