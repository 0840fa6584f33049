"""A small gdb remote serial protocol client for the tests: packets with checksums and acks,
register and memory helpers for AArch64 (register numbers as in socemu's target.xml)."""
import socket
import struct
import time

REG_SP, REG_PC, REG_CPSR, REG_V0, REG_FPSR, REG_FPCR = 31, 32, 33, 34, 66, 67


def reg_size(n):
    if n in (REG_CPSR, REG_FPSR, REG_FPCR):
        return 4
    return 16 if REG_V0 <= n < REG_V0 + 32 else 8


class RspClient:
    def __init__(self, port, timeout=10.0, connect_deadline=20.0):
        deadline = time.time() + connect_deadline
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _byte(self):
        if not self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stub closed the connection")
            self.buf = data
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, payload):
        """Sends one packet and waits for its '+'."""
        body = payload.encode() if isinstance(payload, str) else payload
        frame = b"$" + body + b"#%02x" % (sum(body) & 0xFF)
        self.sock.sendall(frame)
        ack = self._byte()
        if ack != b"+":
            raise AssertionError(f"no ack for {payload!r}: {ack!r}")

    def recv(self):
        """The next packet's payload (acks it)."""
        while self._byte() != b"$":
            pass
        body = b""
        while True:
            c = self._byte()
            if c == b"#":
                break
            body += c
        csum = self._byte() + self._byte()
        if int(csum, 16) != sum(body) & 0xFF:
            raise AssertionError(f"bad checksum on {body!r}")
        self.sock.sendall(b"+")
        return body.decode("latin-1")

    def cmd(self, payload):
        self.send(payload)
        return self.recv()

    def read_reg(self, n):
        return bytes.fromhex(self.cmd("p%x" % n))

    def read_x(self, n):
        return struct.unpack("<Q", self.read_reg(n))[0]

    def write_x(self, n, value):
        return self.cmd("P%x=%s" % (n, struct.pack("<Q", value).hex()))

    def read_mem(self, addr, length):
        reply = self.cmd("m%x,%x" % (addr, length))
        if reply.startswith("E"):
            raise AssertionError(f"memory read at {addr:#x} failed: {reply}")
        return bytes.fromhex(reply)
