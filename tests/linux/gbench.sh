#!/bin/sh
# Issue acceptance: the Debian installer's i386 kernel boots with an initramfs whose /init
# is ../shared/bench's gbench, and every gbench checksum equals the native run's.
# usage: gbench.sh direct|bios|sse    (run from the build directory; X86PC may wrap a runner)
#   direct: x86pc loads the kernel itself (Linux boot protocol, no firmware)
#   bios:   SeaBIOS runs and boots the kernel handed over through fw_cfg
#   sse:    direct, with gbench built for SSE2 (-msse2 -mfpmath=sse: its Mandelbrot is
#           scalar SSE2 double arithmetic) on -cpu x86pc, so Linux runs an SSE2 userland
#           (CR4.OSFXSR, FXSAVE/FXRSTOR at context switches); the checksums are the same
# Exit 0 pass, 77 skip (missing package/shared data, with the reason), else fail.
mode=${1:-direct}
X=${X86PC:-./x86pc}
SRC=${SRC:-.}
shared=${SHARED:-$SRC/../shared}
K=/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux
out=tests/out/linux
mkdir -p "$out"

[ -f "$K" ] || { echo "skip: $K missing (Debian package debian-installer-12-netboot-i386)"; exit 77; }
[ -f "$shared/bench/gbench.c" ] || { echo "skip: $shared/bench/gbench.c not found"; exit 77; }
command -v i686-linux-gnu-gcc >/dev/null || { echo "skip: i686-linux-gnu-gcc missing (gcc-i686-linux-gnu)"; exit 77; }

# build_gbench NAME CFLAGS...: $out/NAME and $out/NAME.cpio.gz (with it as /init)
build_gbench() {
    name=$1
    shift
    if [ ! -f "$out/$name.cpio.gz" ] || [ "$shared/bench/gbench.c" -nt "$out/$name.cpio.gz" ]; then
        i686-linux-gnu-gcc "$@" -O2 -static -o "$out/$name" "$shared/bench/gbench.c" ||
            { echo "cannot build $name"; exit 1; }
        python3 "$SRC/tests/linux/mkinitramfs.py" "$out/$name.cpio.gz" "/init=$out/$name" ||
            { echo "cannot build the initramfs"; exit 1; }
    fi
}
case "$mode" in
direct | bios)
    build_gbench gbench -march=i686 -mfpmath=387
    initrd=$out/gbench.cpio.gz
    extra="-machine pc,linuxboot=direct"
    [ "$mode" = bios ] && extra=""
    ;;
sse)
    build_gbench gbench-sse -march=pentium4 -msse2 -mfpmath=sse
    # the test is only worth something if the program does use SSE2 for its doubles
    if command -v i686-linux-gnu-objdump >/dev/null &&
        ! i686-linux-gnu-objdump -d "$out/gbench-sse" | grep -q "mulsd"; then
        echo "gbench-sse has no SSE2 arithmetic (mulsd)"
        exit 1
    fi
    initrd=$out/gbench-sse.cpio.gz
    extra="-machine pc,linuxboot=direct -cpu x86pc"
    ;;
*) echo "usage: gbench.sh direct|bios|sse"; exit 1 ;;
esac
python3 "$shared/bench/gbench-run.py" --timeout "${GBENCH_TIMEOUT:-900}" -- \
    $X $extra -m 256 -kernel "$K" -initrd "$initrd" \
    -append "console=ttyS0 quiet" -nographic -no-reboot >"$out/gbench-$mode.json"
cat "$out/gbench-$mode.json"
if grep -q '"correct": true' "$out/gbench-$mode.json"; then
    echo "gbench under Linux ($mode boot): all checksums equal native"
    exit 0
fi
echo "gbench under Linux ($mode boot): FAILED (see $out/gbench-$mode.json)"
exit 1
