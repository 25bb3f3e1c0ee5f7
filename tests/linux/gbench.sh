#!/bin/sh
# Issue acceptance: the Debian installer's i386 kernel boots with an initramfs whose /init
# is ../shared/bench's gbench, and every gbench checksum equals the native run's.
# usage: gbench.sh direct|bios    (run from the build directory; X86PC may wrap a runner)
#   direct: x86pc loads the kernel itself (Linux boot protocol, no firmware)
#   bios:   SeaBIOS runs and boots the kernel handed over through fw_cfg
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

if [ ! -f "$out/gbench.cpio.gz" ] || [ "$shared/bench/gbench.c" -nt "$out/gbench.cpio.gz" ]; then
    i686-linux-gnu-gcc -march=i686 -mfpmath=387 -O2 -static -o "$out/gbench" "$shared/bench/gbench.c" ||
        { echo "cannot build gbench"; exit 1; }
    python3 "$SRC/tests/linux/mkinitramfs.py" "$out/gbench.cpio.gz" "/init=$out/gbench" ||
        { echo "cannot build the initramfs"; exit 1; }
fi
case "$mode" in
direct) extra="-machine pc,linuxboot=direct" ;;
bios) extra="" ;;
*) echo "usage: gbench.sh direct|bios"; exit 1 ;;
esac
python3 "$shared/bench/gbench-run.py" --timeout "${GBENCH_TIMEOUT:-900}" -- \
    $X $extra -m 256 -kernel "$K" -initrd "$out/gbench.cpio.gz" \
    -append "console=ttyS0 quiet" -nographic -no-reboot >"$out/gbench-$mode.json"
cat "$out/gbench-$mode.json"
if grep -q '"correct": true' "$out/gbench-$mode.json"; then
    echo "gbench under Linux ($mode boot): all checksums equal native"
    exit 0
fi
echo "gbench under Linux ($mode boot): FAILED (see $out/gbench-$mode.json)"
exit 1
