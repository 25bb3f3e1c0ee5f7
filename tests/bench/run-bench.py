#!/usr/bin/env python3
"""x86pc speed benchmark: bare-metal guests on x86pc and on the peers (QEMU TCG, Bochs).

Run from the build directory (`make bench` does that):
    python3 SRC/tests/bench/run-bench.py [--reps N] [--runs N] [--peers qemu,bochs]
                                          [--workloads int-loop] [--profile]

For every workload it assembles the guest (nasm) twice: with REPS rounds of work and with
REPS=0 (boot, set-up and exit only). Each emulator boots both images as its firmware; the
REPS=0 time is its start-up and shut-down cost, which is subtracted ("net" time), so the
MIPS figures compare instruction execution rather than process start-up. Runs alternate
between emulators (x86pc, qemu, bochs, x86pc, ...), RUNS times each; the median is reported.

The instruction count is computed by the guest by construction; a first run on x86pc with
`-icount shift=0` must report a TSC difference equal to it (a check of the construction),
and every emulator must print the same checksum.

Output: a human-readable table and one JSON line starting with `BENCH-JSON `.
Speed is reported, never judged: the exit status is non-zero only if a run fails (wrong
checksum, bad exit, time-out, instruction count mismatch).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))

# Workloads: name -> (asm file in tests/bench/, default REPS, goals[, x86pc options]).
# Goals are reported, never enforced: "mips" (x86pc MIPS), "vs_bochs" / "vs_qemu" (x86pc
# speed / peer speed).
#   int-loop    issue "CPU core": >= 150 MIPS and >= 2x Bochs on integer code
#   x87-mandel  issue "x87 FPU": at most 0.3x QEMU TCG's time, i.e. >= 3.33x its speed
#   x87-soft    x87-mandel on x86pc's portable x87 code (-accel interp,x87=soft): what hosts
#               other than x86-64 run (no goal of its own; on x86-64 hosts x87-mandel
#               runs the common x87 instructions on the host's x87 unit, cpu/fpu.h)
#   sse-mandel  the same Mandelbrot in scalar SSE2 (no goal of its own; needs -cpu x86pc,
#               the peers' default CPUs have SSE2)
WORKLOADS = {
    "int-loop": ("int-loop.asm", 500, {"mips": 150, "vs_bochs": 2.0}),
    "x87-mandel": ("x87-mandel.asm", 4, {"vs_qemu": 1 / 0.3}),
    "x87-soft": ("x87-mandel.asm", 4, {}, ["-accel", "interp,x87=soft"]),
    "sse-mandel": ("sse-mandel.asm", 4, {}, ["-cpu", "x86pc"]),
}

RESULT_RE = re.compile(rb"(\S+): insns=(\d+) checksum=([0-9A-F]{8}) tsc=(\d+)")


def die(msg):
    print("run-bench: " + msg, file=sys.stderr)
    sys.exit(1)


def assemble(asm, out, reps):
    cmd = ["nasm", "-f", "bin", "-I" + os.path.join(SRC, "tests", "guests") + os.sep,
           "-I" + HERE + os.sep, "-DREPS=%d" % reps, "-o", out, asm]
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        die("nasm failed: %s\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")))


def vga_stub(path):
    """A 2 KiB option ROM that only returns: Bochs wants a VGA BIOS image."""
    rom = bytearray(2048)
    rom[0:4] = b"\x55\xaa\x04\xcb"  # signature, 4 * 512 bytes, RETF
    rom[-1] = (-sum(rom)) & 0xFF
    with open(path, "wb") as f:
        f.write(rom)


class Emulator:
    """How to boot an image on one emulator and read the result line back."""

    def __init__(self, name, timeout):
        self.name = name
        self.timeout = timeout

    def command(self, image, workdir):
        raise NotImplementedError

    def run(self, image, workdir, extra=()):
        cmd, env, stdin = self.command(image, workdir)
        cmd = cmd + list(extra)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, input=stdin, capture_output=True, env=env,
                               timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return None, "timed out after %d s: %s" % (self.timeout, " ".join(cmd))
        wall = time.monotonic() - t0
        out = p.stdout + p.stderr
        m = RESULT_RE.search(out)
        if not m or b"BENCH-DONE" not in out:
            tail = out[-300:].decode(errors="replace")
            return None, "no result (status %d): %s\n%s" % (p.returncode, " ".join(cmd), tail)
        if p.returncode != self.expected_status:
            return None, "exit status %d, expected %d: %s" % (p.returncode,
                                                                self.expected_status,
                                                                " ".join(cmd))
        return {"wall": wall, "insns": int(m.group(2)), "checksum": m.group(3).decode(),
                "tsc": int(m.group(4))}, None


class X86pc(Emulator):
    expected_status = 1  # isa-debug-exit code 0

    def __init__(self, binary, timeout):
        super().__init__("x86pc", timeout)
        self.binary = binary

    def command(self, image, workdir):
        return [self.binary, "-bios", image, "-display", "none", "-serial", "stdio",
                "-no-reboot"], None, b""


class Qemu(Emulator):
    expected_status = 1

    def __init__(self, binary, timeout):
        super().__init__("qemu", timeout)
        self.binary = binary

    def command(self, image, workdir):
        return [self.binary, "-accel", "tcg", "-bios", image, "-device",
                "isa-debug-exit,iobase=0xf4,iosize=4", "-display", "none", "-serial", "stdio",
                "-no-reboot"], None, b""


class Bochs(Emulator):
    """Bochs 2.7 (Debian): the image is the system ROM (64 KiB ending at 0xFFFFF), output on
    the port-0xE9 console, exit through the "Shutdown" string on port 0x8900 (Bochs then
    quits with status 1). Debian's bochs-bin has the debugger built in: stdin says "c"."""
    expected_status = 1

    def __init__(self, binary, timeout):
        super().__init__("bochs", timeout)
        self.binary = binary

    def command(self, image, workdir):
        vga = os.path.join(workdir, "vga-stub.bin")
        if not os.path.exists(vga):
            vga_stub(vga)
        env = dict(os.environ)
        env.update({"BENCH_IMAGE": os.path.abspath(image), "BENCH_VGAROM": vga,
                    "BENCH_LOG": os.path.join(workdir, "bochs.log"),
                    "BENCH_SERIAL": os.path.join(workdir, "bochs-com1.txt")})
        return [self.binary, "-q", "-f", os.path.join(HERE, "bochsrc.txt")], env, b"c\n"


def find_peers(names, timeout):
    peers = []
    for n in names:
        if n == "qemu":
            b = shutil.which("qemu-system-i386")
            if b:
                peers.append(Qemu(b, timeout))
            else:
                print("note: qemu-system-i386 not found, skipped")
        elif n == "bochs":
            b = shutil.which("bochs-bin") or shutil.which("bochs")
            if b:
                peers.append(Bochs(b, timeout))
            else:
                print("note: bochs not found (Debian: bochs bochsbios), skipped")
        elif n:
            die("unknown peer '%s'" % n)
    return peers


def profile(x86pc, image, workdir, top, opts=()):
    """callgrind on a short run: the top functions by host instructions executed in the
    function itself (self cost, inlined copies added up)."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        print("note: valgrind not found, no profile")
        return []
    out = os.path.join(workdir, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, x86pc, "-bios", image,
           "-display", "none", "-serial", "stdio", "-no-reboot"] + list(opts)
    subprocess.run(cmd, capture_output=True, timeout=1800)
    r = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", out],
                       capture_output=True)
    total = 0
    cost = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S+)", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        if m.group(2) == "PROGRAM":
            total = n
        elif ":" in m.group(2):
            # Inlined code is listed per source file (cpu/mmu.h:cpu_ld32 and
            # cpu/mmu.c:cpu_ld32): add them up per function.
            func = m.group(2).split(":", 1)[1]
            cost[func] = cost.get(func, 0) + n
    if not total:
        return []
    rows = sorted(((100.0 * n / total, f) for f, n in cost.items()), reverse=True)
    return [(round(p, 2), f) for p, f in rows[:top]]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--x86pc", default="./x86pc", help="x86pc binary (default ./x86pc)")
    ap.add_argument("--reps", type=int, default=0, help="work rounds (default per workload)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per emulator (default 3)")
    ap.add_argument("--peers", default="qemu,bochs", help="peers to compare (default qemu,bochs)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per run")
    ap.add_argument("--profile", action="store_true",
                    help="also profile x86pc with callgrind on a short run")
    ap.add_argument("--workdir", default="tests/out/bench",
                    help="where images and logs go (default tests/out/bench)")
    args = ap.parse_args()

    if not shutil.which("nasm"):
        die("nasm not found (apt-get install nasm)")
    if not os.access(args.x86pc, os.X_OK):
        die("%s not found: run from the build directory after `make`" % args.x86pc)
    os.makedirs(args.workdir, exist_ok=True)
    workdir = os.path.abspath(args.workdir)
    x86 = X86pc(os.path.abspath(args.x86pc), args.timeout)
    emus = [x86] + find_peers(args.peers.split(","), args.timeout)
    failed = False

    for wl in args.workloads.split(","):
        if wl not in WORKLOADS:
            die("unknown workload '%s' (have: %s)" % (wl, ", ".join(WORKLOADS)))
        asm, default_reps, goals = WORKLOADS[wl][:3]
        x86_opts = list(WORKLOADS[wl][3]) if len(WORKLOADS[wl]) > 3 else []
        reps = args.reps or default_reps
        image = os.path.join(workdir, "%s.bin" % wl)
        null_image = os.path.join(workdir, "%s-null.bin" % wl)
        assemble(os.path.join(HERE, asm), image, reps)
        assemble(os.path.join(HERE, asm), null_image, 0)

        # Check the instruction count by construction against x86pc's exact icount.
        res, err = x86.run(image, workdir, x86_opts + ["-icount", "shift=0"])
        if err:
            print("FAIL %s x86pc -icount run: %s" % (wl, err))
            failed = True
            continue
        insns = res["insns"]
        checksum = res["checksum"]
        count_ok = res["tsc"] == insns
        if not count_ok:
            print("FAIL %s: construction count %d != x86pc -icount TSC delta %d"
                  % (wl, insns, res["tsc"]))
            failed = True

        walls = {e.name: [] for e in emus}
        nulls = {e.name: [] for e in emus}
        for run in range(args.runs):
            for e in emus:
                for img, store in ((null_image, nulls), (image, walls)):
                    r, err = e.run(img, workdir, x86_opts if e is x86 else ())
                    if err:
                        print("FAIL %s on %s: %s" % (wl, e.name, err))
                        failed = True
                        continue
                    if img == image and (r["checksum"] != checksum or r["insns"] != insns):
                        print("FAIL %s on %s: checksum %s insns %d, x86pc says %s %d"
                              % (wl, e.name, r["checksum"], r["insns"], checksum, insns))
                        failed = True
                    store[e.name].append(r["wall"])

        result = {"workload": wl, "reps": reps, "insns": insns, "checksum": checksum,
                  "count_check": count_ok, "runs": args.runs}
        print()
        print("%s: %d guest instructions (REPS=%d), checksum %s, count check %s"
              % (wl, insns, reps, checksum, "ok" if count_ok else "FAILED"))
        print("%-8s %10s %10s %10s %10s %10s" % ("emulator", "wall s", "startup s", "net s", "MIPS",
                                                "MIPS wall"))
        for e in emus:
            if not walls[e.name] or not nulls[e.name]:
                continue
            wall = statistics.median(walls[e.name])
            null = statistics.median(nulls[e.name])
            net = max(wall - null, 1e-6)
            mips = insns / net / 1e6
            result[e.name] = {"wall_s": [round(w, 4) for w in walls[e.name]],
                              "startup_s": round(null, 4), "net_s": round(net, 4),
                              "mips": round(mips, 1), "mips_wall": round(insns / wall / 1e6, 1)}
            print("%-8s %10.3f %10.3f %10.3f %10.1f %10.1f" % (e.name, wall, null, net, mips,
                                                         insns / wall / 1e6))
            if net < wall / 4:
                print("note: %s start-up is most of its run time: raise --reps" % e.name)
        for peer in ("qemu", "bochs"):
            if peer in result and "x86pc" in result:
                result["x86pc_vs_" + peer] = round(result["x86pc"]["mips"] /
                                                   result[peer]["mips"], 3)
                print("x86pc / %-5s speed ratio: %.2f" % (peer, result["x86pc_vs_" + peer]))
        if "x86pc" in result and "mips" in goals:
            result["goal_mips"] = goals["mips"]
            result["goal_mips_met"] = result["x86pc"]["mips"] >= goals["mips"]
            print("goal >= %d MIPS: %s" % (goals["mips"], "met" if result["goal_mips_met"]
                                           else "not met"))
        for peer in ("bochs", "qemu"):
            key = "vs_" + peer
            if key in goals and "x86pc_" + key in result:
                result["goal_" + key] = round(goals[key], 3)
                result["goal_%s_met" % key] = result["x86pc_" + key] >= goals[key]
                print("goal >= %.2fx %s's speed: %s" % (goals[key], peer.capitalize(),
                                                       "met" if result["goal_%s_met" % key]
                                                       else "not met"))
        if args.profile:
            short = os.path.join(workdir, "%s-profile.bin" % wl)
            assemble(os.path.join(HERE, asm), short, max(1, reps // 50))
            rows = profile(x86.binary, short, workdir, 12, x86_opts)
            result["profile"] = [{"self_pct": p, "function": f} for p, f in rows]
            print("x86pc hot spots (callgrind, self cost, REPS=%d):" % max(1, reps // 50))
            for p, f in rows:
                print("  %5.1f%%  %s" % (p, f))
        print("BENCH-JSON " + json.dumps(result, sort_keys=True))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
