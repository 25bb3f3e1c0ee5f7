#!/bin/sh
# gdb integration test: drives gdb in batch mode against x86pc's gdbstub.
#
# usage: gdb-test.sh X86PC GUEST_BIN
#   X86PC      the emulator binary (the gdb flow was first validated on qemu-system-i386;
#              the `monitor` checks are specific to the x86pc monitor)
#   GUEST_BIN  the -bios image built from gdb-guest.asm; build-guest.sh (re)builds it there
#              when missing or older than its sources, with the protected-mode program next
#              to it as <GUEST_BIN minus .bin>-pm.elf, a Multiboot ELF with debug information
#              (needs nasm and an i386 C compiler: i686-linux-gnu-gcc, or gcc -m32).
# Environment: GDB (default gdb), VERBOSE=1 shows gdb's output on success too,
#   TIMEOUT_SCALE (default 1) multiplies the 30 s limit of each gdb session.
#
# Two gdb sessions:
#   1. -bios GUEST_BIN: break at the boot sector (0x7c00) in real mode, the guest's bytes
#      unchanged under the breakpoint, single-step, read registers, show CS:IP, a
#      watchpoint that fires on a guest write, then with the ELF's symbols a breakpoint on
#      a C function in protected mode, read variables, a backtrace, detach (the emulator
#      must keep running).
#   2. -kernel gdb-pm.elf -smp 2 (Multiboot): stopped at the ELF's entry symbol, one thread
#      per vCPU, a read watchpoint and a hardware breakpoint, continue to a symbol, read
#      variables (the Multiboot magic among them), detach.
# Prints one PASS/FAIL line; exit status 0 on success.
set -u

die() {
    echo "FAIL: gdb-test: $*"
    exit 1
}

[ $# -eq 2 ] || die "usage: gdb-test.sh X86PC GUEST_BIN"
X86PC=$1
GUEST=$2
SRC=$(cd "$(dirname "$0")" && pwd)
ELF=${GUEST%.bin}-pm.elf
GDB=${GDB:-gdb}

sh "$SRC/build-guest.sh" "$GUEST" || exit 1

command -v "$GDB" >/dev/null 2>&1 || die "gdb not found (Debian package: gdb)"
[ -x "$X86PC" ] || command -v "$X86PC" >/dev/null 2>&1 || die "no emulator at $X86PC"

work=$(mktemp -d "${TMPDIR:-/tmp}/gdb-test.XXXXXX")
emu_pid=""
cleanup() {
    [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# session NAME X86PC-ARGS...: start the emulator paused with a gdbstub on a free port and run
# gdb on $work/NAME.gdb (PORT in it is replaced); gdb's output goes to $work/NAME.log, its
# exit status to $gdb_status. The emulator is left running: $emu_pid.
session() {
    name=$1
    shift
    # A free TCP port: ask the kernel through python3 if it is there, else guess from the PID.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null)
    [ -n "$port" ] || port=$((20000 + $$ % 20000))
    "$X86PC" "$@" -display none -S -gdb tcp:127.0.0.1:$port,server,nowait \
        >"$work/$name.emu.log" 2>&1 &
    emu_pid=$!
    sed "s/PORT/$port/" "$work/$name.gdb.in" >"$work/$name.gdb"
    # Give the emulator a moment to listen; gdb retries nothing by itself.
    i=0
    while [ $i -lt 50 ]; do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2).close()" \
            2>/dev/null; then
            break
        fi
        kill -0 "$emu_pid" 2>/dev/null || { cat "$work/$name.emu.log"; die "emulator exited early"; }
        sleep 0.1
        i=$((i + 1))
    done
    # A session takes a second or two; a stop that never comes ends it here.
    timeout $((30 * ${TIMEOUT_SCALE:-1})) "$GDB" -nx -batch -x "$work/$name.gdb" \
        >"$work/$name.log" 2>&1
    gdb_status=$?
}

fail=0
# check SESSION PATTERN WHAT: gdb's output of SESSION must match the grep PATTERN.
check() {
    if ! grep -q -- "$2" "$work/$1.log"; then
        echo "gdb-test: $1: missing: $3 (pattern '$2')"
        fail=1
    fi
}
# finish SESSION: after a detach the emulator must still be running; then stop it.
finish() {
    sleep 0.2
    if ! kill -0 "$emu_pid" 2>/dev/null; then
        echo "gdb-test: $1: the emulator exited after gdb detached"
        fail=1
    fi
    if [ "$gdb_status" -ne 0 ]; then
        echo "gdb-test: $1: gdb exit status $gdb_status"
        fail=1
    fi
    kill "$emu_pid" 2>/dev/null
    wait "$emu_pid" 2>/dev/null
    emu_pid=""
}

# ---- 1. the BIOS image: boot sector in real mode, then protected mode ----
cat >"$work/bios.gdb.in" <<GDBEOF
set pagination off
set confirm off
set architecture i8086
target remote 127.0.0.1:PORT
break *0x7c00
continue
printf "STOP1 EIP=%x CS=%x\n", \$eip, \$cs
monitor xp/3xb 0x7c00
stepi
stepi
printf "STEP AX=%x BX=%x EIP=%x\n", \$eax & 0xffff, \$ebx & 0xffff, \$eip
x/i \$cs*16+\$eip
monitor info cpus
monitor x/2i \$pc
info registers eax ebx eip eflags cs
watch *(short *)0x600
continue
printf "WATCH VAL=%x EIP=%x\n", *(short *)0x600, \$eip
delete
symbol-file $ELF
set architecture i386
break pm_main
continue
printf "PM COUNTER0=%d CR0=%x\n", counter, \$cr0
break done
continue
printf "DONE COUNTER=%d RESULT=%x MAGIC=%x\n", counter, result, boot_magic
bt
detach
GDBEOF
session bios -bios "$GUEST"
check bios "STOP1 EIP=7c00 CS=0" "breakpoint at the boot sector 0x7c00"
check bios "^Breakpoint 1, 0x00007c00" "the stop reported as breakpoint 1"
check bios "0x00007c00: 0xb8 0x34 0x12" "guest memory unchanged under a breakpoint (monitor xp)"
check bios "STEP AX=1234 BX=5678 EIP=7c06" "two single steps in real mode"
check bios "inc.*ax" "disassembly at CS:IP"
check bios "CPU #0: pc=0x00007c06" "monitor command through qRcmd (info cpus)"
check bios "0x00007c06: *inc ax" "monitor x/i in real mode through qRcmd"
check bios "^ebx *0x5678" "info registers"
check bios "^Hardware watchpoint 2: \*(short \*)0x600" "hardware watchpoint (Z2) set"
check bios "New value = 4661" "watchpoint fired on the guest's write"
check bios "WATCH VAL=1235 EIP=7c0a" "stop right after the watched write"
check bios "Breakpoint 3, pm_main () at .*gdb-pm.c" "breakpoint on a symbol in protected mode"
check bios "PM COUNTER0=5 CR0=[0-9a-f]*[13579bdf]\$" "variables and CR0.PE at pm_main"
check bios "DONE COUNTER=10 RESULT=c0de000a MAGIC=0\$" "variables read at done()"
check bios "in pm_main" "backtrace through the C code"
check bios "Inferior 1 (Remote target) detached" "detach"
finish bios

# ---- 2. the same ELF as a Multiboot kernel, two vCPUs ----
cat >"$work/mb.gdb.in" <<GDBEOF
set pagination off
set confirm off
symbol-file $ELF
set architecture i386
target remote 127.0.0.1:PORT
printf "MB ENTRY %d EAX=%x\n", \$pc == &_start, \$eax
info threads
hbreak square
continue
printf "SQUARE X=%d\n", x
delete
rwatch counter
continue
printf "RWATCH EIP_IN_PM_MAIN=%d\n", \$pc > &pm_main && \$pc < &pm_main + 0x80
delete
break done
continue
printf "MB COUNTER=%d RESULT=%x MAGIC=%x\n", counter, result, boot_magic
detach
GDBEOF
session mb -kernel "$ELF" -smp 2
check mb "MB ENTRY 1 EAX=2badb002" "stopped at the Multiboot entry _start, with the magic in EAX"
check mb "Thread 2 (CPU#1" "one gdb thread per vCPU"
check mb "^Hardware assisted breakpoint 1 at" "hardware breakpoint (Z1) set"
check mb "Breakpoint 1, square (x=0)" "hardware breakpoint on square(), first call"
check mb "SQUARE X=0" "argument read at the hardware breakpoint"
# counter is 5 + 0*0 after the first call, whichever order the compiler reads it in.
check mb "^Hardware read watchpoint 2: counter" "read watchpoint (Z3) set"
check mb "Value = 5" "read watchpoint fired on the guest's read of counter"
check mb "RWATCH EIP_IN_PM_MAIN=1" "stop inside pm_main after the read"
check mb "Breakpoint 3, done () at" "continue to the symbol done"
check mb "MB COUNTER=10 RESULT=c0de000a MAGIC=2badb002" "variables read under Multiboot"
check mb "Inferior 1 (Remote target) detached" "detach"
finish mb

if [ $fail -ne 0 ]; then
    for n in bios mb; do
        echo "---- gdb output ($n) ----"
        cat "$work/$n.log"
        echo "---- emulator output ($n) ----"
        cat "$work/$n.emu.log"
    done
    echo "FAIL: gdb-test"
    exit 1
fi
if [ -n "${VERBOSE:-}" ]; then
    cat "$work/bios.log" "$work/mb.log"
fi
echo "PASS: gdb-test"
exit 0
