#!/bin/sh
# Build the debugging tests' guest, the one that gdb-test.sh, gdb-proto-test.py,
# qmp-test.py and fuzz-test.py run (tests/debug/README.md, "The test guest").
#
# usage: build-guest.sh GUEST_BIN
#   Writes GUEST_BIN (the -bios image built from gdb-guest.asm) and, next to it,
#   <GUEST_BIN minus .bin>-pm.elf (gdb-pm.c as a Multiboot ELF with debug information) and
#   <GUEST_BIN minus .bin>-pm.bin (its flat image, embedded in GUEST_BIN). Does nothing when
#   both outputs are newer than their sources, so every test that needs the guest calls it
#   (tests/tools.list): each of them also runs alone (make check TESTS=qmp).
#   Needs nasm and an i386 C compiler (i686-linux-gnu-gcc, or gcc -m32).
# Silent on success; on failure prints one "FAIL: build-guest: ..." line and exits 1.
set -u

die() {
    echo "FAIL: build-guest: $*"
    exit 1
}

[ $# -eq 1 ] || die "usage: build-guest.sh GUEST_BIN"
GUEST=$1
SRC=$(cd "$(dirname "$0")" && pwd)
ELF=${GUEST%.bin}-pm.elf
PMBIN=${GUEST%.bin}-pm.bin

if [ -f "$GUEST" ] && [ -f "$ELF" ] && [ ! "$SRC/gdb-pm.c" -nt "$ELF" ] &&
    [ ! "$SRC/gdb-guest.asm" -nt "$GUEST" ] && [ ! "$ELF" -nt "$GUEST" ]; then
    exit 0
fi

mkdir -p "$(dirname "$GUEST")" || die "cannot create $(dirname "$GUEST")"
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
# Outputs are written under temporary names and renamed, so that a test never runs a
# half-written image.
tmp=${GUEST%.bin}.tmp$$
trap 'rm -f "$tmp.elf" "$tmp-pm.bin" "$tmp.bin"' EXIT
# -N puts code and data in one RWX segment (compact flat image); newer ld warns.
nowarn=""
if $CC32 -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    nowarn="-Wl,--no-warn-rwx-segments"
fi
# shellcheck disable=SC2086
$CC32 $nowarn -march=i686 -O0 -g -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static \
    -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
    -Wl,-N -Wl,-Ttext=0x100000 -Wl,-e,_start -Wl,--build-id=none \
    -o "$tmp.elf" "$SRC/gdb-pm.c" || die "cannot build $ELF (i686-linux-gnu-gcc or gcc -m32)"
"$OBJCOPY" -O binary "$tmp.elf" "$tmp-pm.bin" || die "objcopy failed"
entry=$("$NM" "$tmp.elf" | awk '$3 == "_start" { print $1 }')
[ -n "$entry" ] || die "_start not found in $ELF"
nasm -f bin -DPM_BIN="'$tmp-pm.bin'" -DPM_ENTRY=0x$entry -o "$tmp.bin" "$SRC/gdb-guest.asm" ||
    die "nasm failed on gdb-guest.asm"
# The ELF first: the image must not look newer than an ELF that is still the old one.
mv -f "$tmp.elf" "$ELF" && mv -f "$tmp-pm.bin" "$PMBIN" && mv -f "$tmp.bin" "$GUEST" ||
    die "cannot rename the outputs to $GUEST"
