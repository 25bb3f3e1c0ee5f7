#!/bin/sh
# Issue acceptance: with -icount, two runs give byte-identical serial output. The Debian
# installer's i386 kernel boots (direct boot, full console log with its timestamps) into
# the gbench initramfs, runs every workload, and powers off; the two runs' serial output
# must be the same bytes, and gbench's checksums must be right. No -rtc is given: under
# -icount the RTC's default start date is fixed too (nothing may depend on the host clock).
# Run from the build directory; exit 0 pass, 77 skip (missing package), else fail.
X=${X86PC:-./x86pc}
SRC=${SRC:-.}
K=/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux
out=tests/out/linux
scale=${TIMEOUT_SCALE:-1}
mkdir -p "$out"

[ -f "$K" ] || { echo "skip: $K missing (Debian package debian-installer-12-netboot-i386)"; exit 77; }
if [ ! -f "$out/gbench.cpio.gz" ]; then
    # built by gbench.sh (same suite); build it here if this test runs alone
    sh "$SRC/tests/linux/gbench.sh" direct >/dev/null 2>&1
    st=$?
    [ "$st" -eq 77 ] && { echo "skip: gbench initramfs cannot be built (see gbench.sh)"; exit 77; }
    [ -f "$out/gbench.cpio.gz" ] || { echo "cannot build the gbench initramfs"; exit 1; }
fi

for i in 1 2; do
    # shellcheck disable=SC2086
    timeout $((600 * scale)) $X -machine pc,linuxboot=direct -icount shift=3 -m 256 \
        -kernel "$K" -initrd "$out/gbench.cpio.gz" -append "console=ttyS0" \
        -display none -serial "file:$out/icount.$i" -no-reboot </dev/null >/dev/null 2>&1
    st=$?
    if [ "$st" -ne 0 ]; then
        echo "run $i: exit status $st (expected 0: the guest powers off)"
        exit 1
    fi
done
# The native checksums are gbench-run.py's REF table (../shared/bench).
python3 - "${SHARED:-$SRC/../shared}/bench/gbench-run.py" "$out/icount.1" <<'PY' || exit 1
import ast, re, sys
src = open(sys.argv[1]).read()
ref = ast.literal_eval(re.search(r"^REF = (\{.*?\})", src, re.S | re.M).group(1))
got = dict(re.findall(r"^END (\w+) ([0-9a-f]{8})\r?$", open(sys.argv[2], errors="replace").read(), re.M))
bad = [k for k in ref if got.get(k) != ref[k]]
if bad or "GBENCH done" not in open(sys.argv[2], errors="replace").read():
    print("gbench checksums wrong or missing under -icount: %s" % ", ".join(bad or ["done"]))
    sys.exit(1)
PY
if ! cmp "$out/icount.1" "$out/icount.2"; then
    diff "$out/icount.1" "$out/icount.2" | head -20
    echo "two -icount Linux boots differ"
    exit 1
fi
echo "two -icount Linux boots identical ($(wc -c <"$out/icount.1") bytes, $(grep -c '^\[' "$out/icount.1") timestamped kernel lines)"
