#!/bin/sh
# gdb integration test: drives gdb in batch mode against x86pc's gdbstub.
#
# usage: gdb-test.sh X86PC GUEST_BIN
#   X86PC      the emulator binary (the gdb flow was first validated on qemu-system-i386;
#              the `monitor` checks are specific to the x86pc monitor)
#   GUEST_BIN  the -bios image built from gdb-guest.asm; if it does not exist it is built
#              there, with its symbol file next to it as <GUEST_BIN minus .bin>-pm.elf
#              (needs nasm and an i386 C compiler: i686-linux-gnu-gcc, or gcc -m32).
# Environment: GDB (default gdb), VERBOSE=1 shows gdb's output on success too.
#
# Flow: break at the boot sector (0x7c00) in real mode, single-step, read registers,
# show CS:IP, a watchpoint that fires on a guest write, then with the ELF's symbols a
# breakpoint on a C function in protected mode, read variables, detach.
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


build_guest() {
    mkdir -p "$(dirname "$GUEST")"
    command -v nasm >/dev/null 2>&1 || die "nasm not found (Debian package: nasm)"
    if command -v i686-linux-gnu-gcc >/dev/null 2>&1; then
        CC32="i686-linux-gnu-gcc"
        NM=$(command -v i686-linux-gnu-nm || echo nm)
        OBJCOPY=$(command -v i686-linux-gnu-objcopy || echo objcopy)
    else
        CC32="gcc -m32"
        NM=nm
        OBJCOPY=objcopy
    fi
    pmbin=${GUEST%.bin}-pm.bin
    # -N puts code and data in one RWX segment (compact flat image); newer ld warns.
    nowarn=""
    if $CC32 -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
        nowarn="-Wl,--no-warn-rwx-segments"
    fi
    $CC32 $nowarn -march=i686 -O0 -g -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static \
        -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
        -Wl,-N -Wl,-Ttext=0x8000 -Wl,-e,pm_main -Wl,--build-id=none \
        -o "$ELF" "$SRC/gdb-pm.c" || die "cannot build $ELF (i686-linux-gnu-gcc or gcc -m32)"
    "$OBJCOPY" -O binary "$ELF" "$pmbin" || die "objcopy failed"
    entry=$("$NM" "$ELF" | awk '$3 == "pm_main" { print $1 }')
    [ -n "$entry" ] || die "pm_main not found in $ELF"
    nasm -f bin -DPM_BIN="'$pmbin'" -DPM_ENTRY=0x$entry -o "$GUEST" "$SRC/gdb-guest.asm" ||
        die "nasm failed on gdb-guest.asm"
}

if [ ! -f "$GUEST" ] || [ ! -f "$ELF" ]; then
    build_guest
fi

command -v "$GDB" >/dev/null 2>&1 || die "gdb not found (Debian package: gdb)"
[ -x "$X86PC" ] || command -v "$X86PC" >/dev/null 2>&1 || die "no emulator at $X86PC"

work=$(mktemp -d "${TMPDIR:-/tmp}/gdb-test.XXXXXX")
emu_pid=""
cleanup() {
    [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free TCP port: ask the kernel through python3 if it is there, else guess from the PID.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null)
[ -n "$port" ] || port=$((20000 + $$ % 20000))

"$X86PC" -bios "$GUEST" -display none -S -gdb tcp:127.0.0.1:$port,server,nowait \
    >"$work/emu.log" 2>&1 &
emu_pid=$!

cat >"$work/cmds.gdb" <<GDBEOF
set pagination off
set confirm off
set architecture i8086
target remote 127.0.0.1:$port
break *0x7c00
continue
printf "STOP1 EIP=%x CS=%x\n", \$eip, \$cs
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
printf "DONE COUNTER=%d RESULT=%x\n", counter, result
bt
detach
GDBEOF

# Give the emulator a moment to listen; gdb retries nothing by itself.
i=0
while [ $i -lt 50 ]; do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2).close()" \
        2>/dev/null; then
        break
    fi
    kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emu.log"; die "emulator exited early"; }
    sleep 0.1
    i=$((i + 1))
done

timeout 120 "$GDB" -nx -batch -x "$work/cmds.gdb" >"$work/gdb.log" 2>&1
status=$?

fail=0
check() {
    if ! grep -q -- "$1" "$work/gdb.log"; then
        echo "gdb-test: missing: $2 (pattern '$1')"
        fail=1
    fi
}
check "STOP1 EIP=7c00 CS=0" "breakpoint at the boot sector 0x7c00"
check "STEP AX=1234 BX=5678 EIP=7c06" "two single steps in real mode"
check "inc.*ax" "disassembly at CS:IP"
check "CPU #0: pc=0x00007c06" "monitor command through qRcmd (info cpus)"
check "0x00007c06: *inc ax" "monitor x/i in real mode through qRcmd"
check "atchpoint 2: \*(short \*)0x600" "watchpoint set"
check "New value = 4661" "watchpoint fired on the guest's write"
check "WATCH VAL=1235 EIP=7c0a" "stop right after the watched write"
check "PM COUNTER0=5 CR0=[0-9a-f]*[13579bdf]\$" "breakpoint at pm_main in protected mode"
check "DONE COUNTER=10 RESULT=c0de000a" "variables read at done()"
check "in pm_main" "backtrace through the C code"
check "detached" "detach"

if [ $fail -ne 0 ] || [ $status -ne 0 ]; then
    echo "---- gdb output ----"
    cat "$work/gdb.log"
    echo "---- emulator output ----"
    cat "$work/emu.log"
    echo "FAIL: gdb-test (gdb exit status $status)"
    exit 1
fi
[ -n "${VERBOSE:-}" ] && cat "$work/gdb.log"
echo "PASS: gdb-test"
exit 0
