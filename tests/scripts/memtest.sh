#!/bin/sh
# A real guest: Debian's memtest86+ (package memtest86+, /boot/memtest86+ia32.bin, booted
# with -kernel through its Linux boot header) with 2 CPUs in parallel mode, on its serial
# console, until it completes a whole pass of its tests with no error. It exercises PAE
# paging, the local APICs and SIPI start-up, the PIT and TSC calibration, and every byte of
# RAM written and read back in many patterns: an emulator that loses or misplaces a store
# shows up as an error. Long (minutes): check-full only.
# Exit 0 pass, 77 skip (package missing), else fail.
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
K=${MEMTEST:-/boot/memtest86+ia32.bin}
out=tests/out/memtest
limit=$((${MEMTEST_TIMEOUT:-1200} * scale))
[ -f "$K" ] || { echo "skip: $K missing (Debian package memtest86+)"; exit 77; }
rm -rf "$out"
mkdir -p "$out"

"$X" -kernel "$K" -append "console=ttyS0,115200" -m 16 -smp 2 -nographic -no-reboot \
    </dev/null >"$out/serial.raw" 2>"$out/stderr" &
pid=$!
# The screen comes as VT100 updates: drop the escape sequences to read the status lines.
status() {
    tr -d '\033' <"$out/serial.raw" | sed 's/\[[0-9;]*[A-Za-z]/ /g' >"$out/serial.txt"
}
t=0
verdict=""
while [ "$t" -lt "$limit" ]; do
    sleep 5
    t=$((t + 5))
    if ! kill -0 "$pid" 2>/dev/null; then
        verdict="x86pc exited"
        break
    fi
    status
    if grep -q "Errors: *[1-9]" "$out/serial.txt"; then
        verdict="errors"
        break
    fi
    if grep -q "Pass: *[1-9]" "$out/serial.txt"; then
        verdict="pass"
        break
    fi
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status
cpus=$(grep -o "CPU: *[0-9]* Cores" "$out/serial.txt" | tail -n 1)
case "$verdict" in
pass)
    if ! grep -q "SMP: 2T" "$out/serial.txt"; then
        echo "FAIL: memtest86+ passed but did not run on 2 CPUs ($cpus)"
        exit 1
    fi
    echo "PASS: memtest86+ completed a pass with no errors in about $t s ($cpus, SMP 2T)"
    exit 0
    ;;
errors)
    grep -o "Errors: *[0-9]*" "$out/serial.txt" | tail -n 1
    echo "FAIL: memtest86+ found memory errors (see $out/serial.txt)"
    exit 1
    ;;
"")
    echo "FAIL: no complete pass within $limit s (see $out/serial.txt)"
    exit 1
    ;;
*)
    echo "FAIL: $verdict before a complete pass (see $out/stderr, $out/serial.txt)"
    exit 1
    ;;
esac
