"""Shared pieces of the CLI tests that drive the fake machine (tools/cli with a scripted board
instead of a CPU): a fresh work directory, named checks with a failure count, fake-kernel
scripts, and the closing line.
"""
import os
import shutil
import sys

failures = []
work = None


def start(workdir):
    global work
    work = workdir
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)


def check(name, ok, detail=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail and not ok else ""))
    if not ok:
        failures.append(name)


def script(name, text):
    """A fake kernel: the fake machine runs the commands of a '#!socemu-fake' file."""
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write("#!socemu-fake\n" + text)
    return path


def finish():
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)
