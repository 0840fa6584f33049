#!/usr/bin/env python3
"""Write a deterministic newc cpio archive (the initramfs format) of a directory to stdout.

Usage: mkcpio.py DIR MTIME [NODE ...]
  NODE  "c|b PATH MODE MAJOR MINOR" adds a device node that need not exist on the host
        (e.g. "c dev/console 600 5 1"), so the archive can be built without root.

Why not GNU cpio: device nodes (the kernel needs /dev/console in the initramfs before /init
runs) would need mknod as root, and owners, inode numbers and mtimes would come from the host.
Here every entry is owned by 0:0, carries MTIME, gets a sequential inode number, and entries are
sorted by path (bytes), so the same tree always gives the same bytes. Hard links are stored as
separate files.
"""
import os
import stat
import sys


def header(out, name, mode, ino, nlink, mtime, size, rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev[0], rdev[1], len(name_b), 0)
    out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name_b)
    out.write(b"\0" * (-(110 + len(name_b)) % 4))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, mtime = sys.argv[1], int(sys.argv[2])
    entries = {}  # path -> (kind, details)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            entries[os.path.relpath(full, root)] = ("fs", full)
    for spec in sys.argv[3:]:
        kind, path, mode, major, minor = spec.split()
        fmt = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        entries[path.lstrip("/")] = ("node", (fmt | int(mode, 8), int(major), int(minor)))

    out = sys.stdout.buffer
    ino = 1
    for path in sorted(entries, key=lambda p: p.encode()):
        kind, what = entries[path]
        ino += 1
        if kind == "node":
            mode, major, minor = what
            header(out, path, mode, ino, 1, mtime, 0, (major, minor))
            continue
        st = os.lstat(what)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            header(out, path, stat.S_IFDIR | perm, ino, 2, mtime, 0)
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(what).encode()
            header(out, path, stat.S_IFLNK | 0o777, ino, 1, mtime, len(target))
            out.write(target + b"\0" * (-len(target) % 4))
        elif stat.S_ISREG(st.st_mode):
            with open(what, "rb") as f:
                data = f.read()
            header(out, path, stat.S_IFREG | perm, ino, 1, mtime, len(data))
            out.write(data + b"\0" * (-len(data) % 4))
        else:
            sys.exit(f"mkcpio: unsupported file type: {what}")
    header(out, "TRAILER!!!", 0, 0, 1, 0, 0)
    out.flush()


if __name__ == "__main__":
    main()
