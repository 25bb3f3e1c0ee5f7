#!/bin/sh
# Issue acceptance: the Debian installer's i386 kernel with its own initrd and
# console=ttyS0 reaches the installer's first dialog on the serial console; with -smp 2
# the kernel brings up both CPUs. Long (minutes): check-full only.
# Exit 0 pass, 77 skip (package missing), else fail.
X=${X86PC:-./x86pc}
scale=${TIMEOUT_SCALE:-1}
D=/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386
out=tests/out/linux
mkdir -p "$out"
[ -f "$D/linux" ] && [ -f "$D/initrd.gz" ] ||
    { echo "skip: $D missing (Debian package debian-installer-12-netboot-i386)"; exit 77; }
log=$out/installer-serial.log
rm -f "$log"
$X -kernel "$D/linux" -initrd "$D/initrd.gz" -append "console=ttyS0" -m 512 -smp 2 \
    -display none -serial "file:$log" -no-reboot </dev/null >"$out/installer.stderr" 2>&1 &
pid=$!
limit=$((900 * scale))
i=0
found=""
while [ $i -lt $limit ]; do
    if grep -aq "Select a language\|Choose language\|Debian installer main menu" "$log" 2>/dev/null; then
        found=yes
        break
    fi
    kill -0 $pid 2>/dev/null || break
    sleep 5
    i=$((i + 5))
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
fail=0
if [ -z "$found" ]; then
    tail -c 600 "$log" | tr -cd '[:print:]\n' | tail -5
    echo "no installer dialog on the serial console after ${i}s"
    fail=1
fi
if ! grep -aq "Brought up 1 node, 2 CPUs" "$log"; then
    echo "the kernel did not bring up 2 CPUs"
    fail=1
fi
[ $fail -eq 0 ] && echo "installer dialog on ttyS0 after ~${i}s; 2 CPUs up"
exit $fail
