#!/usr/bin/env python3
"""TCP throughput through the guest's Ethernet: socemu (rpi3: DWC2 + LAN9514 smsc95xx on
libslirp) against QEMU raspi3b with -device usb-net,netdev=n0 on its DWC2 (QEMU's nearest
stand-in; the guest drives it with cdc_ether/rndis_host, appended to the initramfs in a second
cpio built here, so the demo assets stay as they are).

    bench/net-throughput.py [--socemu build/tools/cli/socemu] [--runs 2] [--mib 32] [--no-qemu]

The guest (tools/assets/rpi3/init, socemu.net=1) gets a DHCP lease, wgets MIB MiB from an HTTP
server on 127.0.0.1 (host -> guest), then sends 32 MiB of zeros with nc to a TCP sink there
(guest -> host). The servers time each transfer from its first to its last byte, in host
wall-clock seconds.
"""
import argparse
import gzip
import http.server
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load_env():
    env = dict(os.environ)
    path = os.environ.get("SOCEMU_ASSETS_ENV") or os.path.expanduser("~/.cache/socemu/assets.env")
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\w+)='(.*)'\s*$", line)
            if m and m.group(1) not in os.environ:
                env[m.group(1)] = m.group(2)
    return env


class Timings:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []


def make_server(blob, timings):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            t0 = time.monotonic()
            self.send_response(200)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob)
            self.wfile.flush()
            with timings.lock:
                timings.items.append(("down", len(blob), time.monotonic() - t0))

        def do_POST(self):
            self.send_response(405)
            self.end_headers()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


UPLOAD = 32 << 20


def make_sink(timings):
    """A TCP sink: reads UPLOAD bytes from each connection, then closes it."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)

    def serve():
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            got, t0 = 0, None
            while got < UPLOAD:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                if t0 is None:
                    t0 = time.monotonic()
                got += len(chunk)
            if t0 is not None:
                with timings.lock:
                    timings.items.append(("up", got, time.monotonic() - t0))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return lsock


def newc(entries):
    """A newc cpio archive of (name, mode, data) entries."""
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0]
        out.write(b"070701" + b"".join(b"%08X" % v for v in fields) + nb)
        out.write(b"\0" * ((4 - out.tell() % 4) % 4))
        out.write(data)
        out.write(b"\0" * ((4 - out.tell() % 4) % 4))
    return out.getvalue()


def read_cpio_file(gz_path, want):
    data = gzip.open(gz_path, "rb").read()
    off = 0
    while off + 110 <= len(data):
        hdr = data[off:off + 110]
        size, nlen = int(hdr[54:62], 16), int(hdr[94:102], 16)
        name = data[off + 110:off + 110 + nlen - 1].decode()
        off = (off + 110 + nlen + 3) & ~3
        if name == want:
            return data[off:off + size]
        off = (off + size + 3) & ~3
    raise SystemExit("%s: no %s" % (gz_path, want))


def qemu_initrd(env, work):
    """The demo initramfs plus a cpio with cdc_ether and rndis_host and a modules.load naming
    them (a later file replaces an earlier one when the kernel unpacks the two)."""
    kver = env["SOCEMU_RPI3_KVER"]
    mods = None
    extract = [os.path.join(env["SOCEMU_ASSETS_DIR"], "extract")]
    if "/extract/" in env.get("SOCEMU_ARMMP_MODULES", ""):  # an --out build: the cache's
        extract.append(env["SOCEMU_ARMMP_MODULES"].split("/extract/")[0] + "/extract")
    for top in extract:
        arm64 = os.path.join(top, "arm64")
        for d in sorted(os.listdir(arm64)) if os.path.isdir(arm64) else []:
            if d.startswith("linux-image-" + kver):
                mods = os.path.join(arm64, d, "lib", "modules", kver)
    if not mods:
        raise SystemExit("no extracted linux-image-%s for cdc_ether" % kver)
    load = read_cpio_file(env["SOCEMU_RPI3_INITRD"], "etc/socemu/modules.load").decode()
    entries, extra = [], []
    for m in ("cdc_ether", "rndis_host"):
        rel = "kernel/drivers/net/usb/%s.ko" % m
        with open(os.path.join(mods, rel), "rb") as f:
            entries.append(("lib/modules/%s/%s" % (kver, rel), 0o100644, f.read()))
        extra.append(rel)
    entries.append(("etc/socemu/modules.load", 0o100644,
                    (load + "\n".join(extra) + "\n").encode()))
    path = os.path.join(work, "initramfs-usbnet.cpio.gz")
    with open(path, "wb") as f:
        f.write(open(env["SOCEMU_RPI3_INITRD"], "rb").read())
        f.write(gzip.compress(newc(entries)))
    return path


def run_guest(cmd, timeout):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    ok = False
    for raw in p.stdout:
        line = raw.decode("utf-8", "replace")
        if "SOCEMU-NET-UPLOAD-DONE" in line:
            ok = True
            break
        if "SOCEMU-NET-FAILED" in line or "FETCH-FAILED" in line or "UPLOAD-FAILED" in line:
            print("  guest: " + line.strip())
            break
        if time.monotonic() - t0 > timeout:
            break
    p.kill()
    p.wait()
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socemu", default=os.path.join(ROOT, "build", "tools", "cli", "socemu"))
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--work", default="/tmp/socemu-net-bench")
    args = ap.parse_args()
    env = load_env()
    os.makedirs(args.work, exist_ok=True)
    blob = os.urandom(args.mib << 20)
    timings = Timings()
    srv = make_server(blob, timings)
    sink = make_sink(timings)
    url = "http://10.0.2.2:%d" % srv.server_address[1]
    append = "%s socemu.net=1 socemu.fetch=%s/blob socemu.upload=10.0.2.2:%d" % (
        env["SOCEMU_RPI3_CMDLINE"], url, sink.getsockname()[1])
    systems = [("socemu", [args.socemu, "--board", "rpi3", "--kernel", env["SOCEMU_RPI3_KERNEL"],
                           "--dtb", env["SOCEMU_RPI3_DTB"], "--initrd", env["SOCEMU_RPI3_INITRD"],
                           "--append", append, "--timeout", "900"])]
    if not args.no_qemu:
        systems.append(("qemu", ["qemu-system-aarch64", "-M", "raspi3b", "-m", "1G", "-kernel",
                                 env["SOCEMU_RPI3_KERNEL"], "-dtb", env["SOCEMU_RPI3_DTB"],
                                 "-initrd", qemu_initrd(env, args.work), "-append", append,
                                 "-serial", "null", "-serial", "stdio", "-display", "none",
                                 "-netdev", "user,id=n0", "-device", "usb-net,netdev=n0"]))
    results = {}
    for name, cmd in systems:
        for r in range(args.runs):
            with timings.lock:
                timings.items.clear()
            ok = run_guest(cmd, 900)
            with timings.lock:
                items = list(timings.items)
            res = {k: n / s / 1e6 for k, n, s in items if s > 0}
            print("%s run %d: %s %s" % (name, r + 1, "ok" if ok else "FAILED",
                                        " ".join("%s %.2f MB/s" % kv for kv in sorted(res.items()))),
                  flush=True)
            for k, v in res.items():
                results.setdefault((name, k), []).append(v)
    srv.shutdown()
    sink.close()
    print("\n| direction | " + " | ".join(n for n, _ in systems) + " | socemu / qemu |")
    print("|---|" + "---|" * (len(systems) + 1))
    for k, label in (("down", "host -> guest (wget %d MiB)" % args.mib),
                     ("up", "guest -> host (nc 32 MiB)")):
        vals = [max(results.get((n, k), [0])) for n, _ in systems]
        ratio = "%.2fx" % (vals[0] / vals[1]) if len(vals) > 1 and vals[1] else "-"
        print("| %s | %s | %s |" % (label, " | ".join("%.2f MB/s" % v for v in vals), ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
