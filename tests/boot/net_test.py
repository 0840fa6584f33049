#!/usr/bin/env python3
"""Guest-boot test: the Pi 3's Ethernet (DWC2 USB host, LAN9514 hub, smsc95xx) on user-mode NAT.

    net_test.py --socemu PATH --work DIR {dhcp_fetch,restrict,hostfwd,bad_input}

dhcp_fetch  the initramfs boot with socemu.net=1 (tools/assets/rpi3/init): eth0 appears on USB,
            udhcpc gets 10.0.2.15 from libslirp, then wget fetches a file from an HTTP server
            this test runs on 127.0.0.1 (the guest reaches it as 10.0.2.2) and the guest's
            sha256 must equal the file's; mac= reaches the guest through the DT; --net-dump writes a pcap whose frames include the DHCP
            exchange (UDP 67/68) and the HTTP connection (TCP to the server's port).
restrict    the same boot with --net user,restrict=on: DHCP still works (slirp's own), the fetch
            from 10.0.2.2 must fail (the guest reaches nothing outside).
hostfwd     socemu.serve=PORT: the guest answers one TCP connection with busybox nc; the test
            connects to the host side of --net user,hostfwd=tcp:127.0.0.1:HOSTPORT-:PORT and
            must read the guest's line.
bad_input   malformed -nic/--net/hostfwd strings and a forward whose host port is in use: exit 2
            with one stderr line, before the guest starts.
Servers listen on 127.0.0.1 only. Exit 0 pass, 1 fail, 77 skip (assets missing, or an
initramfs built before the init's socemu.net knob).
"""
import gzip
import http.server
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootlib as bt  # noqa: E402

NET_TIMEOUT = 600


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def require_net_initramfs(env):
    with gzip.open(env["SOCEMU_RPI3_INITRD"], "rb") as f:
        data = f.read()
    if b"socemu.net=1" not in data or b"smsc95xx" not in data:
        print("SKIP: the initramfs predates socemu.net (run tools/guest-assets.sh)")
        sys.exit(bt.SKIP)


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
        bt.fail("%s: not a pcap file" % path)
        return []
    if struct.unpack("<I", data[20:24])[0] != 1:
        bt.fail("%s: link type is not Ethernet" % path)
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    if off != len(data):
        bt.fail("%s: truncated record at byte %d" % (path, off))
    return frames


def ipv4_ports(frame):
    """(protocol, source port, destination port) of an IPv4 TCP/UDP frame, else None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0xF) * 4
    proto = frame[23]
    if proto not in (6, 17) or len(frame) < 14 + ihl + 4:
        return None
    sport, dport = struct.unpack(">HH", frame[14 + ihl:14 + ihl + 4])
    return proto, sport, dport


def http_server(root):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=root, **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def restrict(env, work):
    root = os.path.join(work, "www")
    os.makedirs(root)
    with open(os.path.join(root, "blob.bin"), "wb") as f:
        f.write(b"not for a restricted guest\n")
    server = http_server(root)
    try:
        run = bt.socemu(bt.kernel_args(env, "socemu.net=1 socemu.fetch=http://10.0.2.2:%d/blob.bin"
                                       % server.server_address[1],
                                       ["--net", "user,restrict=on", "--expect",
                                        "SOCEMU-NET-FETCH-FAILED", "--fail",
                                        "SOCEMU-NET-FAILED|SOCEMU-NET-FETCH-SHA256"]),
                        work, "restrict")
    finally:
        server.shutdown()
    bt.check_rc(run, 0, "restrict")
    bt.check_order(run.lines, ["SOCEMU-NET-LEASE=10.0.2.15/24", "SOCEMU-NET-FETCH-FAILED"],
                   "restrict")


def dhcp_fetch(env, work):
    blob = os.urandom(300000)
    root = os.path.join(work, "www")
    os.makedirs(root)
    with open(os.path.join(root, "blob.bin"), "wb") as f:
        f.write(blob)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=root, **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pcap = os.path.join(work, "guest.pcap")
    want = bt.sha256(os.path.join(root, "blob.bin"))
    try:
        run = bt.socemu(bt.kernel_args(env, "socemu.net=1 socemu.fetch=http://10.0.2.2:%d/blob.bin"
                                       % port,
                                       ["--net", "user,mac=52:54:00:12:34:56", "--net-dump",
                                        pcap, "--expect",
                                        "SOCEMU-NET-FETCH-SHA256=[0-9a-f]+", "--fail",
                                        "SOCEMU-NET-FAILED|SOCEMU-NET-FETCH-FAILED"]),
                        work, "dhcp_fetch")
    finally:
        server.shutdown()
    bt.check_rc(run, 0, "dhcp_fetch")
    bt.check_order(run.lines, [
        re.compile(r"usb 1-1: New USB device found, idVendor=0424, idProduct=9514"),
        re.compile(r"usb 1-1\.1: New USB device found, idVendor=0424, idProduct=ec00"),
        re.compile(r"smsc95xx .* eth0: register 'smsc95xx'"),
        re.compile(r"eth0: Link is Up - 100Mbps/Full"),
        "SOCEMU-NET-LEASE=10.0.2.15/24 router=10.0.2.2 dns=10.0.2.3",
        "link/ether 52:54:00:12:34:56",
        re.compile(r"inet 10\.0\.2\.15/24 .*eth0"),
        "SOCEMU-NET-FETCH-SHA256=" + want,
    ], "dhcp_fetch")
    for l in run.lines:
        if "SOCEMU-NET-" in l or "inet " in l or "link/ether" in l:
            print("  guest: " + l.strip())
    frames = pcap_frames(pcap)
    kinds = [ipv4_ports(f) for f in frames]
    if not any(k and k[0] == 17 and {k[1], k[2]} == {67, 68} for k in kinds):
        bt.fail("pcap: no DHCP frames among %d" % len(frames))
    if not any(k and k[0] == 6 and port in (k[1], k[2]) for k in kinds):
        bt.fail("pcap: no TCP frames to port %d among %d" % (port, len(frames)))
    print("  pcap: %d frames" % len(frames))


def hostfwd(env, work):
    host_port, guest_port = free_port(), 7777
    cmd = [bt.socemu_path] + bt.kernel_args(
        env, "socemu.net=1 socemu.serve=%d" % guest_port,
        ["--net", "user,hostfwd=tcp:127.0.0.1:%d-:%d" % (host_port, guest_port), "--expect",
         "SOCEMU-NET-SERVED", "--fail", "SOCEMU-NET-FAILED"])
    print("$ " + " ".join(cmd), flush=True)
    out_path = os.path.join(work, "hostfwd.out")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    lines, got = [], None
    deadline = time.monotonic() + NET_TIMEOUT
    with open(out_path, "wb") as log:
        for raw in proc.stdout:
            log.write(raw)
            line = raw.decode("utf-8", "replace").rstrip()
            lines.append(line)
            if "SOCEMU-NET-SERVING=" in line and got is None:
                # A connection that reaches the guest before nc listens is reset: try again.
                for attempt in range(20):
                    got = b""
                    with socket.create_connection(("127.0.0.1", host_port), timeout=60) as s:
                        while b"\n" not in got and time.monotonic() < deadline:
                            chunk = s.recv(100)
                            if not chunk:
                                break
                            got += chunk
                    if got:
                        break
                    time.sleep(0.5)
                print("  host read through the forward: %r" % got)
            if time.monotonic() > deadline:
                proc.kill()
                break
    rc = proc.wait()
    err = proc.stderr.read().decode("utf-8", "replace")
    print("  exit %d; stderr: %s" % (rc, err.strip()[-300:]))
    if rc != 0:
        bt.fail("hostfwd: exit %d" % rc)
    if got is None:
        bt.fail("hostfwd: the guest never served")
    elif got.strip() != b"SOCEMU-NET-HELLO":
        bt.fail("hostfwd: read %r through the forward, want SOCEMU-NET-HELLO" % got)
    bt.check_order(lines, ["SOCEMU-NET-LEASE=10.0.2.15/24", "SOCEMU-NET-SERVING=%d" % guest_port,
                           "SOCEMU-NET-SERVED"], "hostfwd")


def bad_input(env, work):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    busy_port = busy.getsockname()[1]
    cases = [
        (["-nic", "user,hostfwd=tcp::99999-:22"], "hostfwd"),
        (["-nic", "user,hostfwd=tcp:127.0.0.1:2222"], "hostfwd"),
        (["--net", "user,hostfwd=sctp::2222-:22"], "tcp or udp"),
        (["--net", "user,restrict=maybe"], "restrict"),
        (["--net", "user,bogus=1"], "unknown option"),
        (["-netdev", "tap,id=n0"], "not a network backend"),
        (["--net", "user,mac=01:00:00:00:00:01"], "unicast"),
        (["--net", "none", "-nic", "user"], "one Ethernet port"),
        (["--net", "user,hostfwd=tcp:127.0.0.1:%d-:22" % busy_port], "cannot listen"),
    ]
    for i, (extra, why) in enumerate(cases):
        run = bt.socemu(bt.kernel_args(env, "", extra), work, "bad%d" % i, timeout=60)
        what = " ".join(extra)
        lines = [l for l in run.err.splitlines() if l.strip()]
        if run.rc != 2:
            bt.fail("%s: exit %d, want 2" % (what, run.rc))
        elif len(lines) != 1 or not lines[0].startswith("socemu: ") or why not in lines[0]:
            bt.fail("%s: want one stderr line 'socemu: ...%s...', got %r" % (what, why, lines))
        elif run.out.strip():
            bt.fail("%s: the guest ran" % what)
        else:
            print("  ok: " + lines[0])
    busy.close()


def main():
    args = bt.parse_args(__doc__, "case", ("dhcp_fetch", "restrict", "hostfwd", "bad_input"),
                         raw_doc=True)
    env = bt.load_assets(files=("SOCEMU_RPI3_KERNEL", "SOCEMU_RPI3_DTB", "SOCEMU_RPI3_INITRD"),
                         values=("SOCEMU_RPI3_CMDLINE",))
    if args.case != "bad_input":
        require_net_initramfs(env)
    t0 = bt.start(args.work)
    cases = {"dhcp_fetch": dhcp_fetch, "restrict": restrict, "hostfwd": hostfwd,
             "bad_input": bad_input}
    cases[args.case](env, args.work)
    return bt.finish("net." + args.case, t0, args.work)


if __name__ == "__main__":
    sys.exit(main())
