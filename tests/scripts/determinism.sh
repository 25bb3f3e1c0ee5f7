#!/bin/sh
# Determinism under -icount: the clock guest (TSC, PIT, RTC and interrupt timing on COM1)
# is run twice with the same inputs and must give byte-identical serial output. With
# DETERMINISM_REF=FILE (check-cross passes the native run's output) the output must also
# equal that file: the same guest gives the same bytes on every host.
# The RTC start is an input, so it is fixed with -rtc base=... A third run starts the RTC
# at the same time of day in 2099: the guest prints only h:m:s, so its output must not
# change; a host with a 32-bit time_t would start the RTC at 1969-12-31T23:59:59 instead.
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
out=tests/out
mkdir -p "$out"
args="-bios tests/guests/clock.bin -display none -no-reboot -icount shift=3"

run() { # index rtc-base
    rm -f "$out/determinism.$1"
    # shellcheck disable=SC2086
    timeout $((20 * scale)) "$X" $args -rtc "base=$2" -serial "file:$out/determinism.$1" \
        </dev/null
    st=$?
    if [ "$st" -ne 1 ]; then
        echo "run $1 (-rtc base=$2): exit status $st (expected 1, the guest's PASS)"
        exit 1
    fi
}

run 1 2024-02-29T23:59:58
run 2 2024-02-29T23:59:58
if ! grep -q "PASS clock" "$out/determinism.1"; then
    echo "the clock guest did not pass"
    exit 1
fi
if ! cmp "$out/determinism.1" "$out/determinism.2"; then
    diff "$out/determinism.1" "$out/determinism.2" | head -20
    echo "two -icount runs differ"
    exit 1
fi
run 3 2099-12-31T23:59:58
if ! cmp "$out/determinism.1" "$out/determinism.3"; then
    diff "$out/determinism.1" "$out/determinism.3" | head -20
    echo "-rtc base=2099-12-31T23:59:58 changes the output (a 32-bit time_t?)"
    exit 1
fi
cp "$out/determinism.1" "$out/determinism.serial"
if [ -n "$DETERMINISM_REF" ]; then
    if [ ! -s "$DETERMINISM_REF" ]; then
        echo "reference output $DETERMINISM_REF is missing or empty"
        exit 1
    fi
    if ! cmp "$out/determinism.serial" "$DETERMINISM_REF"; then
        diff "$DETERMINISM_REF" "$out/determinism.serial" | head -20
        echo "output differs from the reference host's ($DETERMINISM_REF)"
        exit 1
    fi
    echo "identical across runs, RTC dates and to the reference host" \
        "($(wc -c <"$out/determinism.serial") bytes)"
else
    echo "identical across runs and RTC dates ($(wc -c <"$out/determinism.serial") bytes)"
fi
