#!/bin/sh
# x87 speed: times the bare-metal Mandelbrot guest (tests/fpu/mandel.c, the gbench
# "mandel" workload) under x86pc and under qemu-system-i386 (TCG) and prints both wall
# times and their ratio. A benchmark, not a test. Run from the build directory.
# Environment: SRC, MANDEL_SCALE (rows x 200, default 4), QEMU (default qemu-system-i386).
SRC=${SRC:-.}
CC32=${CC32:-i686-linux-gnu-gcc}
QEMU=${QEMU:-qemu-system-i386}
SCALE=${MANDEL_SCALE:-4}
OUT=tests/out/fpu
mkdir -p "$OUT"
F="-O2 -DMANDEL_SCALE=$SCALE"
# shellcheck disable=SC2086
"$CC32" -static $F -o "$OUT/mandel-native" "$SRC/tests/fpu/mandel.c" || exit 1
# shellcheck disable=SC2086
"$CC32" $F -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
    -DFPUTEST_BAREMETAL -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -T "$SRC/tests/fpu/fputest.ld" -o "$OUT/mandel.elf" "$SRC/tests/fpu/crt.S" \
    "$SRC/tests/fpu/mandel.c" -lgcc || exit 1
i686-linux-gnu-objcopy -O binary "$OUT/mandel.elf" "$OUT/mandel.bin" || exit 1
want=$("$OUT/mandel-native")
now() { date +%s.%N; }
t0=$(now)
./x86pc -bios "$OUT/mandel.bin" -cpu x86pc -m 32 -display none -no-reboot -serial "file:$OUT/mandel-x86pc.out" \
    </dev/null >/dev/null 2>&1
t1=$(now)
"$QEMU" -bios "$OUT/mandel.bin" -m 32 -display none -no-reboot -serial "file:$OUT/mandel-qemu.out" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null >/dev/null 2>&1
t2=$(now)
echo "native:  $want"
echo "x86pc:   $(cat "$OUT/mandel-x86pc.out")  $(echo "$t1 - $t0" | bc) s"
echo "qemu:    $(cat "$OUT/mandel-qemu.out")  $(echo "$t2 - $t1" | bc) s"
echo "ratio x86pc/qemu: $(echo "scale=3; ($t1 - $t0) / ($t2 - $t1)" | bc)"
