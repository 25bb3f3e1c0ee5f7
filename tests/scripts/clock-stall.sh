#!/bin/sh
# Real-time clock across a host stall: the emulator process is stopped (SIGSTOP) for
# 0.5 s while tests/boot/clock-stall.bin reads the TSC back to back; the largest step the
# guest sees between two reads must stay small (hw/pc.c pc_sync_clock drops host time the
# vCPUs did not get instead of showing it as a jump). Without that, the step is the
# whole stop.
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
out=tests/out/clock-stall
limit_us=${CLOCK_STALL_LIMIT_US:-50000}
rm -rf "$out"
mkdir -p "$out"

"$X" -bios tests/boot/clock-stall.bin -display none -serial "file:$out/serial" \
    -no-reboot </dev/null &
pid=$!
sleep 1
kill -STOP "$pid" 2>/dev/null || { echo "FAIL: the emulator exited early"; exit 1; }
sleep 0.5
kill -CONT "$pid"
# the guest runs 3 s of virtual time: give it time, then stop it
( sleep $((30 * scale)); kill "$pid" 2>/dev/null ) &
watchdog=$!
wait "$pid"
st=$?
kill "$watchdog" 2>/dev/null
cat "$out/serial"
if [ "$st" -ne 1 ]; then
    echo "FAIL: exit status $st (expected 1, the guest's PASS)"
    exit 1
fi
step=$(sed -n 's/^max-step-us \([0-9]*\).*/\1/p' "$out/serial")
[ -n "$step" ] || { echo "FAIL: no max-step-us line"; exit 1; }
if [ "$step" -gt "$limit_us" ]; then
    echo "FAIL: the guest saw its clock jump by $step us across a 500 ms host stall"
    exit 1
fi
echo "PASS: largest clock step $step us across a 500 ms host stall (limit $limit_us us)"
exit 0
