#!/bin/sh
# Multiboot direct boot: x86pc -kernel loads tests/boot/multiboot-test.bin (a.out-kludge
# image) with two modules and a command line, with 2 CPUs; the guest checks the magic, its
# protected-mode state, the information structure (memory, command line, modules, memory
# map), a local APIC timer interrupt, and starts CPU 1 with INIT/SIPI. It reports on COM1
# and exits through isa-debug-exit (status 1 = passed).
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
out=tests/out/multiboot
rm -rf "$out"
mkdir -p "$out"
printf 'MODULE-ONE\n' >"$out/mod1"
printf 'MODULE-TWO\n' >"$out/mod2"

timeout $((30 * scale)) "$X" -kernel tests/boot/multiboot-test.bin \
    -initrd "$out/mod1 arg,$out/mod2" -append "hello args" -smp 2 -m 64 \
    -display none -serial "file:$out/serial" -no-reboot </dev/null
st=$?
cat "$out/serial"
if [ "$st" -ne 1 ]; then
    echo "exit status $st (expected 1, the guest's PASS)"
    exit 1
fi
grep -q "^PASS multiboot" "$out/serial" || { echo "no PASS line"; exit 1; }
if grep -q "^FAIL" "$out/serial"; then
    echo "a check failed"
    exit 1
fi
grep -q "application processors started: 1" "$out/serial" || {
    echo "CPU 1 did not start"
    exit 1
}
echo "PASS: multiboot"
