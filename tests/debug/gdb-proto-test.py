#!/usr/bin/env python3
"""The gdbstub at the packet level: what gdb-test.sh cannot see through gdb's own commands.

usage: gdb-proto-test.py X86PC GUEST_BIN

GUEST_BIN is tests/out/gdb-guest.bin (built by build-guest.sh). Starts
X86PC -bios GUEST_BIN -smp 2 -S with a gdbstub on a free TCP port and checks, one packet
at a time (python3 standard library only):
  - qSupported features; the qXfer target description, read in small chunks: well-formed
    XML with the general, segment, eflags, control, x87 and SSE registers;
  - '?', qfThreadInfo/qsThreadInfo (one thread per vCPU), Hg selecting the vCPU that
    p reads, qC, qThreadExtraInfo, T;
  - g (its size matches the description) and G, p/P, m/M/X (binary escapes);
  - Z0 at 0x7c00 before the boot sector exists: the guest copies and runs its own bytes,
    m shows them unchanged at the breakpoint, the stop says swbreak;
  - vCont;s, s, Z2 (watch:ADDR in the stop reply), Z1, Z3/Z4 accepted and removed;
  - Ctrl-C while running (T02); a step that Ctrl-C interrupts is cancelled: after a
    system_reset through qRcmd, 'c' must run on rather than stop after one instruction;
  - error replies for malformed, oversized and out-of-range packets, and empty replies
    for unknown ones; the stub still answers afterwards;
  - D (the guest runs on), a new connection, k (exit status 0).
Prints one PASS/FAIL line; exit status 0 on success.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SCALE = float(os.environ.get("TIMEOUT_SCALE", "1"))  # > 1 under qemu-user (check-cross)
TIMEOUT = 10.0 * SCALE


def checksum(data):
    return b"%02x" % (sum(data) & 0xff)


def unescape(data):
    """Undo '}' escapes and run-length encoding of a packet body."""
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x7d:
            out.append(data[i + 1] ^ 0x20)
            i += 2
        elif c == 0x2a:
            out += bytes([out[-1]]) * (data[i + 1] - 29)
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


class Stub:
    def __init__(self, port):
        deadline = time.time() + TIMEOUT
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), 1.0)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, body):
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.send_raw(b"$" + body + b"#" + checksum(body))

    def recv(self, timeout=TIMEOUT):
        """Next packet body (acked), skipping acks; raises socket.timeout."""
        self.sock.settimeout(timeout)
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    body = self.buf[start + 1:end]
                    if self.buf[end + 1:end + 3] != checksum(body):
                        raise AssertionError("bad checksum from the stub: %r" % self.buf)
                    self.buf = self.buf[end + 3:]
                    self.send_raw(b"+")
                    return unescape(body).decode("latin-1")
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the stub closed the connection")
            self.buf += data

    def cmd(self, body, timeout=TIMEOUT):
        self.send(body)
        return self.recv(timeout)

    def rcmd(self, line):
        """A monitor command through qRcmd: (output, final reply)."""
        self.send("qRcmd," + line.encode().hex())
        out = ""
        while True:
            r = self.recv()
            if r.startswith("O") and r != "OK":
                out += bytes.fromhex(r[1:]).decode()
            else:
                return out, r

    def expect_no_packet(self, wait):
        try:
            r = self.recv(wait)
        except socket.timeout:
            return
        raise AssertionError("unexpected packet %r" % r)

    def close(self):
        self.sock.close()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def le32(hexstr):
    return int.from_bytes(bytes.fromhex(hexstr), "little")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def target_description(g):
    """Read target.xml in 0x80-byte chunks (exercises the m/l continuation)."""
    xml = ""
    off = 0
    while True:
        r = g.cmd("qXfer:features:read:target.xml:%x,80" % off)
        check(r[:1] in ("m", "l"), "qXfer reply %r" % r)
        xml += r[1:]
        off += len(r) - 1
        if r[0] == "l":
            return xml
        check(len(r) > 1 and off < 100000, "qXfer makes no progress")


def main():
    if len(sys.argv) != 3:
        print("FAIL: gdb-proto-test: usage: gdb-proto-test.py X86PC GUEST_BIN")
        return 1
    x86pc, image = sys.argv[1], sys.argv[2]
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")
    emu = subprocess.Popen([x86pc, "-bios", image, "-smp", "2", "-display", "none", "-S",
                            "-gdb", "tcp:127.0.0.1:%d,server,nowait" % port],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    step = "connect"
    try:
        g = Stub(port)

        step = "qSupported"
        r = g.cmd("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386")
        for feature in ("PacketSize=", "qXfer:features:read+", "swbreak+", "hwbreak+",
                        "vContSupported+"):
            check(feature in r, "qSupported lacks %s: %r" % (feature, r))

        step = "target description"
        xml = target_description(g)
        root = ET.fromstring(xml)
        check(root.findtext("architecture") == "i8086", "real mode at reset: i8086")
        regs = {}
        for feature in root.iter("feature"):
            for reg in feature.iter("reg"):
                regs[reg.get("name")] = (int(reg.get("regnum")), int(reg.get("bitsize")),
                                         feature.get("name"))
        features = {f.get("name") for f in root.iter("feature")}
        check({"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse"} <= features,
              "core and sse features: %r" % features)
        wanted = ("eax ecx edx ebx esp ebp esi edi eip eflags "     # general, eflags
                  "cs ss ds es fs gs fs_base gs_base cs_base ds_base es_base ss_base "
                  "cr0 cr2 cr3 cr4 efer gdtr_base idtr_base ldtr tr "  # control, system
                  "st0 st7 fctrl fstat ftag fop "                      # x87
                  "xmm0 xmm7 mxcsr").split()                           # SSE
        for name in wanted:
            check(name in regs, "register %s in the target description" % name)
        check(regs["st0"][1] == 80 and regs["xmm0"][1] == 128, "st0/xmm0 sizes")
        check(any(f.get("id") and f.tag == "flags" for f in root.iter("flags")),
              "eflags has a flags type")
        nregs = max(n for n, _, _ in regs.values()) + 1
        image_bytes = sum(bits // 8 for _, bits, _ in regs.values())

        step = "stop reason and threads"
        check(g.cmd("?").startswith("T05thread:1;"), "initial stop")
        check(g.cmd("qfThreadInfo") == "m1,2", "two threads with -smp 2")
        check(g.cmd("qsThreadInfo") == "l", "end of the thread list")
        check(g.cmd("qC") == "QC1", "current thread")
        info = bytes.fromhex(g.cmd("qThreadExtraInfo,2")).decode()
        check("CPU#1" in info and "SIPI" in info, "thread 2 description: %r" % info)
        check(g.cmd("T2") == "OK" and g.cmd("T3").startswith("E"), "T: thread alive")
        check(g.cmd("Hg2") == "OK", "Hg2")
        check(le32(g.cmd("p%x" % regs["eip"][0])) == 0xfff0, "CPU 1 EIP at reset")
        check(g.cmd("Hg9").startswith("E"), "Hg on a missing thread")
        check(g.cmd("Hg1") == "OK", "Hg1")

        step = "registers"
        r = g.cmd("g")
        check(len(r) == 2 * image_bytes, "g is %d hex digits, expected %d" % (len(r),
                                                                            2 * image_bytes))
        check(g.cmd("G" + r) == "OK", "G with the same image")
        eax = regs["eax"][0]
        check(g.cmd("P%x=efbeadde" % eax) == "OK", "P eax")
        check(g.cmd("p%x" % eax) == "efbeadde", "p eax after P")
        check(g.cmd("p%x" % nregs).startswith("E"), "p past the last register")
        check(g.cmd("P%x=0" % eax).startswith("E"), "P with a short value")
        # ftag is the FSTENV tag word, computed from the contents. At power-on the eight
        # registers hold +0 and are in use (SDM table 9-1: tag word 5555H).
        ftag, st7 = regs["ftag"][0], regs["st7"][0]
        check(le32(g.cmd("p%x" % ftag)) == 0x5555, "ftag at reset: 5555")
        check(g.cmd("P%x=0000000000000080ff3f" % st7) == "OK", "P st7 = 1.0")
        check(le32(g.cmd("p%x" % ftag)) == 0x1555, "ftag: register 7 now valid (00)")
        check(g.cmd("P%x=ffff0000" % ftag) == "OK" and le32(g.cmd("p%x" % ftag)) == 0xffff,
              "P ftag: all empty")
        check(g.cmd("P%x=ff3f0000" % ftag) == "OK" and le32(g.cmd("p%x" % ftag)) == 0x3fff,
              "P ftag: register 7 in use again")
        check(g.cmd("P%x=%s" % (st7, "00" * 10)) == "OK" and le32(g.cmd("p%x" % ftag)) == 0x7fff,
              "P st7 = +0: register 7 tagged zero (01)")
        check(g.cmd("P%x=55550000" % ftag) == "OK" and le32(g.cmd("p%x" % ftag)) == 0x5555,
              "P ftag: the power-on tags again")

        step = "memory"
        check(g.cmd("M600,4:a1b2c3d4") == "OK", "M")
        check(g.cmd("m600,4") == "a1b2c3d4", "m after M")
        check(g.cmd(b"X600,3:}]}\x03\x00") == "OK", "X with escaped bytes")
        check(g.cmd("m600,4") == "7d2300d4", "m after X")
        check(g.cmd("X600,4:ab").startswith("E"), "X with a short payload")
        check(g.cmd("m600,zz").startswith("E"), "m with a bad length")
        check(g.cmd("m80000000,4").startswith("E"), "m outside RAM (128 MiB)")

        step = "software breakpoint"
        # Set before the BIOS copies the boot sector there: the copy and the code must be
        # the guest's own bytes.
        check(g.cmd("Z0,7c00,1") == "OK", "Z0")
        r = g.cmd("c")
        check(r.startswith("T05thread:1;") and "swbreak" in r, "stop at 0x7c00: %r" % r)
        check(le32(g.cmd("p%x" % regs["eip"][0])) == 0x7c00, "EIP 0x7c00")
        check(g.cmd("m7c00,6") == "b83412bb7856", "guest bytes under the breakpoint")
        out, r = g.rcmd("xp/1xb 0x7c00")
        check("0xb8" in out and r == "OK", "xp under the breakpoint: %r" % out)
        check(g.cmd("z0,7c00,1") == "OK", "z0")

        step = "single step"
        check(g.cmd("vCont?") .startswith("vCont;c;C;s;S"), "vCont?")
        r = g.cmd("vCont;s:1;c")
        check(r.startswith("T05thread:1;"), "vCont;s: %r" % r)
        check(le32(g.cmd("p%x" % regs["eip"][0])) == 0x7c03, "one instruction: mov ax")
        check(g.cmd("s").startswith("T05"), "s")
        check(le32(g.cmd("p%x" % regs["ebx"][0])) & 0xffff == 0x5678, "BX after two steps")

        step = "watchpoints"
        check(g.cmd("Z1,dead0,1") == "OK" and g.cmd("z1,dead0,1") == "OK", "Z1/z1")
        check(g.cmd("Z3,700,4") == "OK" and g.cmd("z3,700,4") == "OK", "Z3/z3")
        check(g.cmd("Z4,700,4") == "OK" and g.cmd("z4,700,4") == "OK", "Z4/z4")
        check(g.cmd("Z2,600,2") == "OK", "Z2")
        r = g.cmd("c")
        check(r.startswith("T05thread:1;") and "watch:600;" in r, "watch stop: %r" % r)
        check(le32(g.cmd("p%x" % regs["eip"][0])) == 0x7c0a, "after the watched write")
        check(g.cmd("m600,2") == "3512", "the value written")
        check(g.cmd("z2,600,2") == "OK", "z2")
        check(g.cmd("Z2,600,0").startswith("E") and g.cmd("Z2,600,9").startswith("E"),
              "watchpoint lengths 0 and 9 refused")
        check(g.cmd("Z9,600,1") == "", "unknown breakpoint type: empty reply")

        step = "Ctrl-C"
        g.send("c")
        g.expect_no_packet(0.3 * SCALE)  # the guest halts with interrupts off: no stop by itself
        g.send_raw(b"\x03")
        r = g.recv()
        check(r.startswith("T02"), "Ctrl-C while running: %r" % r)

        step = "a step interrupted by Ctrl-C is cancelled"
        # CPU 0 sits in HLT with interrupts off: a step cannot finish.
        g.send("vCont;s:1;c")
        g.expect_no_packet(0.3 * SCALE)
        g.send_raw(b"\x03")
        check(g.recv().startswith("T02"), "Ctrl-C during a step")
        out, r = g.rcmd("system_reset")
        check(r == "OK", "system_reset through qRcmd: %r %r" % (out, r))
        deadline = time.time() + TIMEOUT  # the machine resets at its next loop iteration
        while True:
            out, r = g.rcmd("info cpus")
            if "CPU #0: pc=0xfffffff0" in out:
                break
            check(time.time() < deadline, "CPU 0 at the reset vector: %r" % out)
            time.sleep(0.02)
        # After the reset CPU 0 runs the BIOS again, up to the HLT: with a step still
        # pending it would stop after one instruction.
        g.send("c")
        g.expect_no_packet(0.5 * SCALE)
        g.send_raw(b"\x03")
        check(g.recv().startswith("T02"), "Ctrl-C after the reset")
        out, r = g.rcmd("info cpus")
        check("CPU #0: pc=0xfffffff0" not in out, "CPU 0 ran after the reset: %r" % out)

        step = "malformed input"
        g.send_raw(b"$g#00")  # bad checksum: '-' (we do not resend)
        g.sock.settimeout(TIMEOUT)
        data = g.sock.recv(1)
        check(data == b"-", "bad checksum answered with '-': %r" % data)
        g.send("m0," + "A" * 5000)  # longer than PacketSize
        check(g.recv().startswith("E"), "oversized packet")
        for bad in ("m", "mzz,4", "M600,2:zz", "p", "Pzz", "Z0", "Z0,7c00", "Hx1", "vCont;q",
                    "vCont;s:99", "qXfer:features:read:other.xml:0,10",
                    "qXfer:features:read:target.xml:ffffff,10", "qRcmd,7"):
            r = g.cmd(bad)
            check(r.startswith("E"), "%r must get an error reply, got %r" % (bad, r))
        for unknown in ("vMustReplyEmpty", "qOffsets", "!", "bc", "Qfoo"):
            check(g.cmd(unknown) == "", "%r must get an empty reply" % unknown)
        g.send_raw(b"$m7c00,2")  # truncated: a new packet starts, the old one is dropped
        check(g.cmd("m7c00,2") == "b834", "the stub still answers after a truncated packet")

        step = "detach"
        check(g.cmd("D") == "OK", "D")
        g.close()
        time.sleep(0.2)
        check(emu.poll() is None, "x86pc runs on after detach")
        g = Stub(port)
        check(g.cmd("?").startswith("T"), "a new connection stops the guest and answers")

        step = "kill"
        g.send("k")
        status = emu.wait(timeout=TIMEOUT)
        check(status == 0, "exit status %d after k" % status)
    except Exception as e:  # any failure, including timeouts and protocol errors
        if emu.poll() is None:
            emu.kill()
        emu.wait()
        log.seek(0)
        sys.stdout.write(log.read()[-4000:])
        print("FAIL: gdb-proto-test: %s: %s: %s" % (step, type(e).__name__, e))
        return 1
    print("PASS: gdb-proto-test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
