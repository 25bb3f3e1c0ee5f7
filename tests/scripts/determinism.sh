#!/bin/sh
# Determinism under -icount: the clock guest (TSC, PIT, RTC and interrupt timing on COM1)
# is run twice with the same inputs and must give byte-identical serial output. With
# DETERMINISM_REF=FILE (check-cross passes the native run's output) the output must also
# equal that file: the same guest gives the same bytes on every host.
# The RTC start is an input, so it is fixed with -rtc base=...
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
out=tests/out
mkdir -p "$out"
args="-bios tests/guests/clock.bin -display none -no-reboot -icount shift=3 -rtc base=2024-02-29T23:59:58"

for i in 1 2; do
    rm -f "$out/determinism.$i"
    timeout $((20 * scale)) "$X" $args -serial "file:$out/determinism.$i" </dev/null
    st=$?
    if [ "$st" -ne 1 ]; then
        echo "run $i: exit status $st (expected 1, the guest's PASS)"
        exit 1
    fi
done
if ! grep -q "PASS clock" "$out/determinism.1"; then
    echo "the clock guest did not pass"
    exit 1
fi
if ! cmp "$out/determinism.1" "$out/determinism.2"; then
    diff "$out/determinism.1" "$out/determinism.2" | head -20
    echo "two -icount runs differ"
    exit 1
fi
cp "$out/determinism.1" "$out/determinism.serial"
if [ -n "$DETERMINISM_REF" ]; then
    if ! cmp "$out/determinism.serial" "$DETERMINISM_REF"; then
        diff "$DETERMINISM_REF" "$out/determinism.serial" | head -20
        echo "output differs from the reference host's ($DETERMINISM_REF)"
        exit 1
    fi
    echo "identical across runs and to the reference host ($(wc -c <"$out/determinism.serial") bytes)"
else
    echo "identical across runs ($(wc -c <"$out/determinism.serial") bytes)"
fi
