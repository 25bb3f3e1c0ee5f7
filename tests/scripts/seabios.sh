#!/bin/sh
# Debian's SeaBIOS boots on the x86pc PC: banner, PCI enumeration, boot attempts, and
# "No bootable device." on the debug console, with nothing logged under -d guest_errors.
# This is also what `make run` shows.
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
bios=/usr/share/seabios/bios.bin
out=tests/out
[ -f "$bios" ] || { echo "skip: $bios missing (Debian package seabios)"; exit 77; }
rm -f "$out/seabios-debugcon.log" "$out/seabios-ge.log"
$X -bios "$bios" -display none -m 128 -debugcon "file:$out/seabios-debugcon.log" \
    -d guest_errors -D "$out/seabios-ge.log" </dev/null >/dev/null 2>&1 &
pid=$!
limit=$((30 * scale))
i=0
while [ $i -lt $limit ] && ! grep -q "No bootable device" "$out/seabios-debugcon.log" 2>/dev/null; do
    if ! kill -0 $pid 2>/dev/null; then
        break
    fi
    sleep 1
    i=$((i + 1))
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
fail=0
for want in "SeaBIOS (version" "Found QEMU fw_cfg" "Booting from Hard Disk" "No bootable device"; do
    if ! grep -qF "$want" "$out/seabios-debugcon.log" 2>/dev/null; then
        echo "debug console lacks '$want'"
        fail=1
    fi
done
if [ -s "$out/seabios-ge.log" ]; then
    head -5 "$out/seabios-ge.log"
    echo "guest_errors were logged ($(wc -l <"$out/seabios-ge.log") lines)"
    fail=1
fi
[ $fail -eq 0 ] && echo "SeaBIOS reached 'No bootable device' in ${i}s with no guest errors"
exit $fail
