#!/usr/bin/env python3
"""QMP integration test for x86pc (python3 standard library only).

usage: qmp-test.py X86PC GUEST_IMAGE

Starts X86PC -bios GUEST_IMAGE -smp 2 -display none -S -qmp unix:SOCK,server,nowait and
checks: the greeting, that commands before qmp_capabilities are refused (CommandNotFound),
the handshake, query-status (prelaunch under -S), stop / query-status (paused) / cont /
query-status (running) with their STOP/RESUME events, "id" echo, a bad-JSON error reply,
human-monitor-command, query-cpus-fast (two vCPUs), system_reset (RESET event) and
system_powerdown (POWERDOWN event), a second client after the first disconnects, and quit
(SHUTDOWN event, exit status 0).
Then the x87/SSE part of `info registers`: GUEST_IMAGE must be gdb-guest.bin, whose
protected-mode program ends by loading known x87, MXCSR and XMM values (gdb-pm.c,
load_fpu_state) and halting. Run once with -cpu x86pc (SSE: MXCSR and XMM0-7 printed) and
once with -cpu pentium2 (no SSE: neither printed); every printed value is compared exactly.
Prints one PASS/FAIL line; exit status 0 on success. Also runs against qemu-system-i386
(the FPU part once, with its default CPU, which has SSE; QEMU does not print FOP, FIP, FDP
or the stack indices, and those checks are x86pc's only).
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 10.0
SCALE = float(os.environ.get("TIMEOUT_SCALE", "1"))  # > 1 under qemu-user (check-cross)


class QMPClient:
    def __init__(self, path):
        deadline = time.time() + TIMEOUT
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(TIMEOUT)
        self.buf = b""
        self.events = []

    def read_msg(self):
        dec = json.JSONDecoder()
        while True:
            text = self.buf.decode("utf-8", "replace").lstrip()
            if text:
                try:
                    obj, end = dec.raw_decode(text)
                    self.buf = text[end:].encode()
                    return obj
                except ValueError:
                    pass
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP connection closed")
            self.buf += data

    def reply(self):
        """Next reply, queueing events that arrive before it."""
        while True:
            msg = self.read_msg()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def cmd(self, name, args=None, id=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        if id is not None:
            req["id"] = id
        self.send_raw(json.dumps(req))
        return self.reply()

    def wait_event(self, name):
        deadline = time.time() + TIMEOUT
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    del self.events[i]
                    return ev
            if time.time() > deadline:
                raise TimeoutError("no %s event" % name)
            msg = self.read_msg()
            if "event" in msg:
                self.events.append(msg)

    def close(self):
        self.sock.close()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def session(sockpath):
    q = QMPClient(sockpath)
    greeting = q.read_msg()
    check("QMP" in greeting and "version" in greeting["QMP"], "greeting: %r" % greeting)
    check(isinstance(greeting["QMP"].get("capabilities"), list), "greeting capabilities")

    r = q.cmd("query-status")
    check(r.get("error", {}).get("class") == "CommandNotFound",
          "command before qmp_capabilities must fail with CommandNotFound: %r" % r)
    r = q.cmd("qmp_capabilities")
    check(r == {"return": {}}, "qmp_capabilities: %r" % r)
    r = q.cmd("qmp_capabilities")
    check("error" in r, "second qmp_capabilities must fail: %r" % r)
    return q


# What gdb-pm.c's load_fpu_state() leaves in the registers (physical order, FPRn).
FPU_FPR = {0: ("0000000000000000", "0000", "ST4 empty"), 1: ("0000000000000000", "0000", "ST5 empty"),
           2: ("0000000000000000", "0000", "ST6 empty"), 3: ("0000000000000000", "0000", "ST7 empty"),
           4: ("8123456789abcdef", "c005", "ST0"), 5: ("0000000000000000", "0000", "ST1"),
           6: ("c90fdaa22168c235", "4000", "ST2"), 7: ("8000000000000000", "3fff", "ST3")}
FPU_XMM = {n: "".join("%02x" % (n * 16 + j) for j in reversed(range(16))) for n in range(8)}


def fpu_check(regs, sse, qemu):
    """Check the x87/SSE lines of `info registers` after load_fpu_state()."""
    head = "FCW=0a7f FSW=2000 [ST=4] FTW=f0" + (" MXCSR=00007f81" if sse else "")
    lines = regs.splitlines()
    check(head in [l.rstrip() for l in lines], "missing line %r" % head)
    fprs = re.findall(r"FPR(\d)=([0-9a-f]{16}) ([0-9a-f]{4})(?: \((ST\d(?: empty)?)\))?",
                      regs)
    check(len(fprs) == 8, "eight FPRn registers: %r" % fprs)
    for r, mant, exp, st in fprs:
        want = FPU_FPR[int(r)]
        check((mant, exp) == want[:2], "FPR%s=%s %s, expected %s %s" % ((r, mant, exp) + want[:2]))
        check(qemu or st == want[2], "FPR%s is (%s), expected (%s)" % (r, st, want[2]))
    xmms = re.findall(r"XMM0?(\d)=([0-9a-f]{16}) ?([0-9a-f]{16})", regs)
    if sse:
        check(len(xmms) == 8, "eight XMM registers: %r" % xmms)
        for n, hi, lo in xmms:
            check(hi + lo == FPU_XMM[int(n)],
                  "XMM%s=%s, expected %s" % (n, hi + lo, FPU_XMM[int(n)]))
    else:
        check(not xmms and "MXCSR" not in regs, "XMM or MXCSR printed without SSE")
    if not qemu:
        check(re.search(r"^FOP=032d FIP=0008:001[0-9a-f]{5} FDP=0010:00000500$", regs, re.M),
              "FOP/FIP/FDP of the FLD m80 at 0x500")


def fpu_session(x86pc, image, tmp, cpu_args, sse):
    """Boot the guest to its final HLT and check the x87/SSE registers through HMP."""
    qemu = "qemu" in os.path.basename(x86pc)
    sockpath = os.path.join(tmp, "fpu.sock")
    log = open(os.path.join(tmp, "fpu.log"), "w+")
    emu = subprocess.Popen([x86pc, "-bios", image, "-display", "none"] + cpu_args +
                           ["-qmp", "unix:%s,server,nowait" % sockpath],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        q = session(sockpath)
        deadline = time.time() + TIMEOUT * SCALE
        while True:  # CPU 0 halts with interrupts off once the values are loaded
            r = q.cmd("human-monitor-command", {"command-line": "info registers"})
            regs = r.get("return", "")
            if "HLT=1" in regs:
                break
            check(time.time() < deadline, "the guest did not reach its HLT: %r" % regs)
            time.sleep(0.05)
        try:
            fpu_check(regs, sse, qemu)
        except AssertionError as e:
            raise AssertionError("%s %s; info registers:\n%s" % (" ".join(cpu_args), e, regs))
        r = q.cmd("quit")
        check(r == {"return": {}}, "quit: %r" % r)
        check(emu.wait(timeout=TIMEOUT) == 0, "exit status after quit")
    finally:
        if emu.poll() is None:
            emu.kill()
            emu.wait()
            log.seek(0)
            sys.stdout.write(log.read()[-4000:])
        os.unlink(sockpath) if os.path.exists(sockpath) else None


def main():
    if len(sys.argv) != 3:
        print("FAIL: qmp-test: usage: qmp-test.py X86PC GUEST_IMAGE")
        return 1
    x86pc, image = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="qmp-test.")
    sockpath = os.path.join(tmp, "qmp.sock")
    log = open(os.path.join(tmp, "emu.log"), "w+")
    emu = subprocess.Popen([x86pc, "-bios", image, "-smp", "2", "-display", "none", "-S",
                            "-qmp", "unix:%s,server,nowait" % sockpath],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    step = "start"
    try:
        step = "handshake"
        q = session(sockpath)

        step = "initial status (-S)"
        r = q.cmd("query-status", id=1)
        check(r.get("id") == 1, "id echoed: %r" % r)
        check(r["return"]["running"] is False, "not running under -S: %r" % r)
        check(r["return"]["status"] == "prelaunch", "prelaunch under -S: %r" % r)

        step = "cont"
        r = q.cmd("cont", id="c1")
        check(r == {"return": {}, "id": "c1"}, "cont: %r" % r)
        ev = q.wait_event("RESUME")
        check("seconds" in ev["timestamp"] and "microseconds" in ev["timestamp"], "timestamp")
        r = q.cmd("query-status")
        check(r["return"]["running"] is True and r["return"]["status"] == "running",
              "running after cont: %r" % r)

        step = "stop"
        r = q.cmd("stop", id={"nested": [1, 2]})
        check(r == {"return": {}, "id": {"nested": [1, 2]}}, "stop: %r" % r)
        q.wait_event("STOP")
        r = q.cmd("query-status")
        check(r["return"] == {"running": False, "singlestep": False, "status": "paused"} or
              (r["return"]["running"] is False and r["return"]["status"] == "paused"),
              "paused after stop: %r" % r)

        step = "errors"
        q.send_raw('{"execute": "query-status", ')
        q.send_raw('"id": 5}')  # split across two writes: still one command
        r = q.reply()
        check(r.get("id") == 5 and "return" in r, "split command: %r" % r)
        q.send_raw("{this is not json}")
        r = q.reply()
        check(r.get("error", {}).get("class") == "GenericError", "bad JSON: %r" % r)
        r = q.cmd("no-such-command", id=7)
        check(r.get("error", {}).get("class") == "CommandNotFound" and r.get("id") == 7,
              "unknown command: %r" % r)
        r = q.cmd("stop", args={"bogus": 1})
        check(r.get("error", {}).get("class") == "GenericError", "unexpected argument: %r" % r)
        q.send_raw("[1, 2, 3]")
        r = q.reply()
        check("error" in r, "non-object input: %r" % r)

        step = "human-monitor-command"
        r = q.cmd("human-monitor-command", {"command-line": "info status"})
        check("paused" in r.get("return", ""), "info status via HMP: %r" % r)
        r = q.cmd("human-monitor-command", {"command-line": "info registers"})
        check(isinstance(r.get("return"), str) and len(r["return"]) > 20,
              "info registers via HMP: %r" % r)

        step = "other queries"
        r = q.cmd("query-version")
        check("qemu" in r["return"] and "major" in r["return"]["qemu"], "version: %r" % r)
        r = q.cmd("query-cpus-fast")
        check([c["cpu-index"] for c in r["return"]] == [0, 1] and
              all(c["target"] == "i386" and "qom-path" in c for c in r["return"]),
              "query-cpus-fast with -smp 2: %r" % r)

        step = "system_reset"
        r = q.cmd("system_reset", id=11)
        check(r == {"return": {}, "id": 11}, "system_reset: %r" % r)
        ev = q.wait_event("RESET")
        check(ev.get("data", {}).get("guest") is False, "RESET from the host: %r" % ev)
        r = q.cmd("human-monitor-command", {"command-line": "info registers"})
        regs = r.get("return", "")
        check("EIP=0000fff0" in regs and re.search(r"^CS =f000 ffff0000 ", regs, re.M),
              "CPU 0 at the reset vector: %r" % r)

        step = "system_powerdown"
        r = q.cmd("system_powerdown")
        check(r == {"return": {}}, "system_powerdown: %r" % r)
        q.wait_event("POWERDOWN")
        r = q.cmd("query-commands")
        names = [c["name"] for c in r["return"]]
        check("query-status" in names and "quit" in names, "commands: %r" % names)

        step = "reconnect"
        q.close()
        time.sleep(0.2)
        q = session(sockpath)
        r = q.cmd("query-status")
        check(r["return"]["running"] is False, "still paused after reconnect: %r" % r)
        r = q.cmd("cont")
        check(r == {"return": {}}, "cont after reconnect: %r" % r)
        q.wait_event("RESUME")
        r = q.cmd("query-status")
        check(r["return"]["status"] == "running", "running: %r" % r)

        step = "quit"
        r = q.cmd("quit")
        check(r == {"return": {}}, "quit: %r" % r)
        # Sent before x86pc exits: it stays readable on the socket after the exit.
        ev = q.wait_event("SHUTDOWN")
        check(ev.get("data") == {"guest": False, "reason": "host-qmp-quit"},
              "SHUTDOWN after quit: %r" % ev)
        status = emu.wait(timeout=TIMEOUT)
        check(status == 0, "exit status %d after quit" % status)

        step = "x87/SSE registers in info registers"
        if "qemu" in os.path.basename(x86pc):
            fpu_session(x86pc, image, tmp, [], True)
        else:
            fpu_session(x86pc, image, tmp, ["-cpu", "x86pc"], True)
            fpu_session(x86pc, image, tmp, ["-cpu", "pentium2"], False)
    except Exception as e:  # any failure, including timeouts and protocol errors
        emu.kill()
        emu.wait()
        log.seek(0)
        sys.stdout.write(log.read()[-4000:])
        print("FAIL: qmp-test: %s: %s: %s" % (step, type(e).__name__, e))
        return 1
    print("PASS: qmp-test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
