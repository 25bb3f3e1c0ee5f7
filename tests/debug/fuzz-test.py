#!/usr/bin/env python3
"""Robustness test: random, truncated and malformed input to the gdbstub and QMP.

usage: fuzz-test.py X86PC GUEST_IMAGE [ROUNDS]

Starts X86PC -bios GUEST_IMAGE -display none -S with a gdbstub on a TCP port and QMP on a
UNIX socket, then (fixed seed, bounded rounds, at most ~60 s) sends:
  gdb:  random bytes, packets with bad checksums, truncated packets, oversized packets,
        well-formed packets with random commands and arguments (never 'k', which would
        legitimately exit), Ctrl-C bytes, abrupt disconnects;
  QMP:  random bytes, truncated and deeply nested JSON, wrong types, unknown commands,
        random valid commands (never quit), abrupt disconnects.
Afterwards the emulator must still be alive, answer a fresh gdb '?' with a stop reply,
stop a continued guest on Ctrl-C with T02, answer a fresh QMP handshake + query-status,
and exit with status 0 on QMP quit.
Prints one PASS/FAIL line; exit status 0 on success.
"""
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

SEED = 20260101
TIME_LIMIT = 60.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(family, addr, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.settimeout(0.001)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def drain(s, wait=0.0):
    """Read whatever is available (the stub must keep answering; we do not check content)."""
    data = b""
    end = time.time() + wait
    while True:
        try:
            chunk = s.recv(65536)
            if not chunk:
                return data, False
            data += chunk
        except socket.timeout:
            if time.time() >= end:
                return data, True
        except OSError:
            return data, False


def gdb_packet(payload):
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)


GDB_CMDS = ["?", "g", "G", "p", "P", "m", "M", "X", "c", "s", "C", "S", "vCont", "vCont?",
            "vCont;s", "vCont;c", "vCont;t", "vCont;s:1;c", "vCont;x", "H", "Hg", "Hc", "T",
            "qSupported", "qfThreadInfo", "qsThreadInfo", "qC", "qAttached", "qThreadExtraInfo,",
            "qXfer:features:read:target.xml:", "qXfer:features:read:other.xml:0,100",
            "qRcmd,", "QStartNoAckMode", "Z0,", "z0,", "Z1,", "Z2,", "Z3,", "Z4,", "Z9,", "z2,",
            "D", "vMustReplyEmpty", "qOffsets", "", "!", "i", "R00"]
HMP = ["info registers", "info cpus", "info mem", "info tlb", "x/4xb 0x7c00", "xp/2i 0",
       "x/9999999xb 0", "x/", "info", "help", "sendkey", "sendkey ctrl-alt-delete", "log",
       "x/3c $pc+1", "info nothing", "cpu 99", "stop", "cont"]


def rand_hex(rng, maxlen=10):
    return "".join(rng.choice("0123456789abcdefABCDEF,:;-xyz") for _ in range(rng.randint(0, maxlen)))


def gdb_round(rng, s):
    kind = rng.randrange(8)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    if kind == 1:
        pkt = gdb_packet(rng.choice(GDB_CMDS) + rand_hex(rng))
        return pkt[:-2] + b"zz"  # bad checksum
    if kind == 2:
        pkt = gdb_packet(rng.choice(GDB_CMDS) + rand_hex(rng))
        return pkt[:rng.randint(1, len(pkt) - 1)]  # truncated
    if kind == 3:
        return gdb_packet("m0," + "A" * rng.randint(4000, 9000))  # oversized
    if kind == 4:
        return b"\x03"
    if kind == 5:
        cmd = rng.choice(GDB_CMDS)
        if cmd == "qRcmd,":
            return gdb_packet(cmd + rng.choice(HMP).encode().hex())
        return gdb_packet(cmd + rand_hex(rng, 30))
    if kind == 6:
        # run-length and escapes in odd places
        body = "".join(rng.choice("}*#$0m,:") for _ in range(rng.randint(1, 40)))
        return gdb_packet(body)
    return b"+" * rng.randint(0, 3) + b"-" * rng.randint(0, 3) + b"###"


QMP_CMDS = ["qmp_capabilities", "query-status", "stop", "cont", "query-version",
            "query-commands", "query-cpus-fast", "human-monitor-command", "system_reset",
            "nonexistent", "", "QUERY-STATUS"]


def qmp_round(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    if kind == 1:
        text = json.dumps({"execute": rng.choice(QMP_CMDS), "id": rng.randint(0, 9)})
        return text[:rng.randint(1, len(text))].encode()
    if kind == 2:
        depth = rng.randint(50, 5000)
        return ("[" * depth + "]" * rng.randint(0, depth)).encode()
    if kind == 3:
        return json.dumps({"execute": rng.choice([1, None, [], {}, "stop"]),
                           "arguments": rng.choice([[], 1, "x", {}, {"command-line": 5}]),
                           "extra": 1}).encode()
    if kind == 4:
        cmd = rng.choice(QMP_CMDS)
        req = {"execute": cmd, "id": {"n": rng.random()}}
        if cmd == "human-monitor-command":
            req["arguments"] = {"command-line": rng.choice(HMP)}
        return json.dumps(req).encode()
    if kind == 5:
        return b'"\\ud800' + b"\\u" + rand_hex(rng).encode() + b'"}]' + b"\xff\xfe"
    return b"}" * rng.randint(1, 5) + b"\r\n"


def main():
    if len(sys.argv) not in (3, 4):
        print("FAIL: fuzz-test: usage: fuzz-test.py X86PC GUEST_IMAGE [ROUNDS]")
        return 1
    x86pc, image = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) == 4 else 2000
    rng = random.Random(SEED)
    tmp = tempfile.mkdtemp(prefix="fuzz-test.")
    sockpath = os.path.join(tmp, "qmp.sock")
    port = free_port()
    log = open(os.path.join(tmp, "emu.log"), "w+")
    emu = subprocess.Popen([x86pc, "-bios", image, "-display", "none", "-S",
                            "-gdb", "tcp:127.0.0.1:%d,server,nowait" % port,
                            "-qmp", "unix:%s,server,nowait" % sockpath],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    step = "start"
    start = time.time()
    try:
        step = "connect"
        g = connect(socket.AF_INET, ("127.0.0.1", port))
        q = connect(socket.AF_UNIX, sockpath)
        done = 0
        step = "fuzzing"
        for i in range(rounds):
            if time.time() - start > TIME_LIMIT:
                break
            if emu.poll() is not None:
                raise RuntimeError("emulator exited with status %d during round %d" %
                                   (emu.returncode, i))
            target = rng.randrange(10)
            try:
                if target < 5:
                    g.sendall(gdb_round(rng, g))
                elif target < 9:
                    q.sendall(qmp_round(rng))
                elif rng.random() < 0.5:
                    g.close()
                    g = connect(socket.AF_INET, ("127.0.0.1", port))
                else:
                    q.close()
                    q = connect(socket.AF_UNIX, sockpath)
            except OSError:
                # the peer may close on us only if it died: checked at the next round
                g.close()
                q.close()
                g = connect(socket.AF_INET, ("127.0.0.1", port))
                q = connect(socket.AF_UNIX, sockpath)
            drain(g)
            drain(q)
            if i % 64 == 63:
                time.sleep(0.02)  # let the main loop catch up now and then
            done += 1
        g.close()
        q.close()
        time.sleep(0.2)
        if emu.poll() is not None:
            raise RuntimeError("emulator exited with status %d" % emu.returncode)

        step = "gdb still answers"
        g = connect(socket.AF_INET, ("127.0.0.1", port))
        g.settimeout(10)
        g.sendall(gdb_packet("?"))
        data = b""
        deadline = time.time() + 10
        while b"#" not in data.split(b"$", 1)[-1] or b"$" not in data:
            if time.time() > deadline:
                raise TimeoutError("no reply to '?': %r" % data)
            chunk = g.recv(4096)
            if not chunk:
                raise EOFError("gdbstub closed the connection")
            data += chunk
        reply = data.split(b"$", 1)[1]
        if not (reply.startswith(b"T") or reply.startswith(b"S")):
            raise AssertionError("bad stop reply %r" % data)
        # Continue, then Ctrl-C: the stub must stop the guest and say so (T02).
        g.sendall(gdb_packet("vCont;c"))
        time.sleep(0.2)
        g.sendall(b"\x03")
        data = b""
        deadline = time.time() + 10
        while b"T02" not in data:
            if time.time() > deadline:
                raise TimeoutError("no T02 after Ctrl-C: %r" % data)
            chunk = g.recv(4096)
            if not chunk:
                raise EOFError("gdbstub closed the connection")
            data += chunk
        g.sendall(gdb_packet("D"))
        drain(g, 0.2)
        g.close()

        step = "QMP still answers"
        q = connect(socket.AF_UNIX, sockpath)
        q.settimeout(10)
        f = q.makefile("rb")
        greeting = json.loads(f.readline())
        if "QMP" not in greeting:
            raise AssertionError("bad greeting %r" % greeting)

        def cmd(name):
            q.sendall(json.dumps({"execute": name}).encode())
            while True:
                msg = json.loads(f.readline())
                if "event" not in msg:
                    return msg
        r = cmd("qmp_capabilities")
        if r != {"return": {}}:
            raise AssertionError("qmp_capabilities: %r" % r)
        r = cmd("query-status")
        if "status" not in r.get("return", {}):
            raise AssertionError("query-status: %r" % r)
        step = "quit"
        r = cmd("quit")
        if r != {"return": {}}:
            raise AssertionError("quit: %r" % r)
        status = emu.wait(timeout=10)
        if status != 0:
            raise AssertionError("exit status %d" % status)
    except Exception as e:
        if emu.poll() is None:
            emu.kill()
        emu.wait()
        log.seek(0)
        sys.stdout.write(log.read()[-4000:])
        print("FAIL: fuzz-test: %s: %s: %s" % (step, type(e).__name__, e))
        return 1
    print("PASS: fuzz-test (%d rounds in %.1f s, seed %d)" % (done, time.time() - start, SEED))
    return 0


if __name__ == "__main__":
    sys.exit(main())
