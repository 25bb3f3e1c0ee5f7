#!/bin/sh
# x87/MMX/SSE/SSE2 differential test: tests/fpu/fputest.c built natively (static i686
# Linux binary, run on this x86 host) and as a bare-metal x86pc guest (-bios image, see
# crt.S and fputest.ld); the two outputs must be identical.
# Run from the build directory (x86pc there). Exit 0 pass, 1 fail, 77 skip.
# Environment: SRC (source dir), X86PC (emulator command), TIMEOUT_SCALE (multiplies the
# time limit), FPUTEST_RANDOM (random operands per test, default 100000),
# FPUTEST_EDGE_STRIDE (run every n-th edge-case pair, default 1: all), FPUTEST_TIMEOUT
# (seconds for the guest run, default 1800), FPUTEST_CFLAGS (added to both builds: e.g.
# FPUTEST_CFLAGS='-DFPUTEST_ONLY="fadd" -DSHOW_LINES=100000' prints every case of one test, to find where
# the two halves differ), FPUTEST_ACCEL (-accel value for x86pc, e.g. interp,x87=soft: the
# portable x87 where the default is the host's x87 unit, see cpu/fpu.h).
SRC=${SRC:-.}
CC32=${CC32:-i686-linux-gnu-gcc}
OBJCOPY32=${OBJCOPY32:-i686-linux-gnu-objcopy}
RANDOM_N=${FPUTEST_RANDOM:-100000}
EDGE_STRIDE=${FPUTEST_EDGE_STRIDE:-1}
LIMIT=${FPUTEST_TIMEOUT:-1800}
# one output directory per -accel setting, so that the variants can run side by side
OUT=tests/out/fpu$(printf %s "${FPUTEST_ACCEL:+-$FPUTEST_ACCEL}" | tr ",=" "__")

if ! command -v "$CC32" >/dev/null 2>&1 || ! command -v "$OBJCOPY32" >/dev/null 2>&1; then
    echo "SKIP: $CC32/$OBJCOPY32 not found (Debian: apt-get install gcc-i686-linux-gnu)"
    exit 77
fi
case $(uname -m) in
x86_64 | i?86) ;;
*)
    echo "SKIP: the native half of the test needs an x86 host (this is $(uname -m))"
    exit 77
    ;;
esac
[ -x ./x86pc ] || { echo "FAIL: ./x86pc not built"; exit 1; }
# The emulator (the test runner exports X86PC, wrapped in qemu-user for cross hosts).
X86PC=${X86PC:-./x86pc}
LIMIT=$((LIMIT * ${TIMEOUT_SCALE:-1}))
mkdir -p "$OUT"

FLAGS="-O1 -msse2 -DFPUTEST_RANDOM=$RANDOM_N -DFPUTEST_EDGE_STRIDE=$EDGE_STRIDE ${FPUTEST_CFLAGS:-}"
# The native half: a static i686 program. Some x86-64 kernels cannot run 32-bit
# programs (no IA-32 emulation, e.g. under some hypervisors): there the same source is
# built as an x86-64 program instead. The instructions under test behave the same in
# 64-bit mode; -mno-red-zone because the inline asm uses pushf/pop.
native=i686
# shellcheck disable=SC2086
"$CC32" -static $FLAGS -o "$OUT/fputest-native" "$SRC/tests/fpu/fputest.c" ||
    { echo "FAIL: native build"; exit 1; }
if ! "$OUT/fputest-native" >"$OUT/native.out" 2>/dev/null; then
    CC64=${CC64:-cc}
    if [ "$(uname -m)" != x86_64 ] || ! command -v "$CC64" >/dev/null 2>&1; then
        echo "SKIP: this host cannot run the i686 native program"
        exit 77
    fi
    native=x86_64
    # shellcheck disable=SC2086
    "$CC64" -static -mno-red-zone $FLAGS -o "$OUT/fputest-native" "$SRC/tests/fpu/fputest.c" ||
        { echo "FAIL: native x86-64 build"; exit 1; }
    "$OUT/fputest-native" >"$OUT/native.out" || { echo "FAIL: native run"; exit 1; }
fi
# shellcheck disable=SC2086
"$CC32" $FLAGS -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
    -fno-asynchronous-unwind-tables -DFPUTEST_BAREMETAL -nostdlib -static -no-pie \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-z,noexecstack \
    -T "$SRC/tests/fpu/fputest.ld" -o "$OUT/fputest.elf" "$SRC/tests/fpu/crt.S" \
    "$SRC/tests/fpu/fputest.c" -lgcc || { echo "FAIL: bare-metal build"; exit 1; }
"$OBJCOPY32" -O binary "$OUT/fputest.elf" "$OUT/fputest.bin" || exit 1

timeout -k 2 "$LIMIT" "$X86PC" -accel "${FPUTEST_ACCEL:-interp}" -bios "$OUT/fputest.bin" \
    -cpu x86pc -m 32 -display none -no-reboot -serial "file:$OUT/x86pc.out" \
    </dev/null >"$OUT/x86pc.log" 2>&1
st=$?
if [ "$st" -ne 1 ]; then
    echo "FAIL: guest exit status $st (1 expected; 124 = timeout), see $OUT/x86pc.log"
    exit 1
fi
if ! cmp -s "$OUT/native.out" "$OUT/x86pc.out"; then
    echo "FAIL: outputs differ (diff $OUT/native.out $OUT/x86pc.out):"
    diff "$OUT/native.out" "$OUT/x86pc.out" | head -20
    exit 1
fi
echo "PASS: $(grep -c ' hash=' "$OUT/native.out") instruction tests identical (native: $native)"
exit 0
