#!/bin/sh
# Command-line behaviour of x86pc:
#  - -version/-help/-d help/-cpu help succeed; every option of the issue's list is in -help,
#    in the man page and in the README;
#  - every bad input gives exactly one line on stderr and exit status 1, before the machine
#    starts; features that do not exist yet say "not supported yet";
#  - good option values are accepted and the machine runs (a guest that exits at once with
#    status 85, tests/guests/selftest-fail.bin);
#  - SIGTERM stops x86pc cleanly (status 0) and the -D log is complete.
# Run from the build directory: sh $SRC/tests/scripts/cmdline.sh
X=${X86PC:-./x86pc}
SRC=${SRC:-.}
scale=${TIMEOUT_SCALE:-1}
guest=tests/guests/selftest-fail.bin
fails=0
n=0
tmp=${TMPDIR:-/tmp}/x86pc-cmdline.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

ok() { # description, command...
    d=$1; shift
    n=$((n + 1))
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok: $d"
    else
        fail "$d (exit $?)"; cat "$tmp/err"
    fi
}

# bad DESCRIPTION EXPECTED-STDERR-SUBSTRING ARGS...: status 1 and one line naming the problem.
# A time limit, because an option wrongly accepted would boot the default firmware.
bad() {
    d=$1; want=$2; shift 2
    n=$((n + 1))
    timeout -k 2 $((10 * scale)) "$X" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$st" -ne 1 ]; then
        fail "$d: exit status $st, expected 1"; head -n 3 "$tmp/err"
    elif [ "$lines" -ne 1 ]; then
        fail "$d: $lines lines on stderr, expected 1:"; cat "$tmp/err"
    elif ! grep -q -- "$want" "$tmp/err"; then
        fail "$d: stderr lacks '$want':"; cat "$tmp/err"
    else
        echo "ok: $d: $(cat "$tmp/err")"
    fi
}

# unsupported DESCRIPTION ARGS...: a valid request for a feature that is not there yet.
unsupported() {
    d=$1; shift
    bad "$d" "not supported yet" "$@"
}

# good DESCRIPTION ARGS...: accepted; the guest runs and exits with its status 85, nothing
# on stderr.
good() {
    d=$1; shift
    n=$((n + 1))
    timeout -k 2 $((10 * scale)) "$X" -bios "$guest" -display none -no-reboot "$@" \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
    if [ "$st" -ne 85 ]; then
        fail "$d: exit status $st, expected the guest's 85"; head -n 3 "$tmp/err"
    elif [ -s "$tmp/err" ]; then
        fail "$d: unexpected stderr:"; cat "$tmp/err"
    else
        echo "ok: $d"
    fi
}

# ---- informational options ----
ok "-version" sh -c "$X -version | grep -q '^x86pc version [0-9]'"
ok "--help works too" sh -c "$X --help | grep -q usage"
ok "-h works too" sh -c "$X -h | grep -q usage"
ok "-d help lists the issue's items" sh -c "$X -d help >$tmp/items &&
    for i in in_asm exec cpu int mmu ioport unimp guest_errors pcall; do
        grep -q \"^\$i \" $tmp/items || { echo \"missing \$i\" >&2; exit 1; }; done"
ok "-cpu help lists pentium2" sh -c "$X -cpu help | grep -q pentium2"
ok "-machine help" sh -c "$X -machine help | grep -q i440FX"
ok "-accel help" sh -c "$X -accel help | grep -q interp"
ok "-display help" sh -c "$X -display help | grep -q none"

# Every option the issue lists is documented in -help, the man page and the README.
"$X" -help >"$tmp/help"
# The man page source without roff escapes: ".B -no-reboot" rather than ".B \-no\-reboot".
if [ -f x86pc.1 ]; then
    sed 's/\\//g' x86pc.1 >"$tmp/man"
else
    fail "x86pc.1 was not built"
    : >"$tmp/man"
fi
for o in m smp cpu bios hda hdb hdc hdd cdrom fda drive boot kernel initrd append serial \
         display nographic debugcon nic gdb s S snapshot d D accel icount rtc no-reboot \
         no-shutdown monitor qmp; do
    n=$((n + 1))
    if ! grep -q -- "^  -$o[ ]" "$tmp/help" && ! grep -q -- "^  -$o\$" "$tmp/help"; then
        fail "-help does not list -$o"
    elif ! grep -q -e "^\.B -$o " -e "^\.B -$o\$" "$tmp/man"; then
        fail "the man page does not document -$o"
    elif ! grep -qE -- "-$o([ ,/=]|\$)" "$SRC/README"; then
        fail "the README does not list -$o"
    else
        echo "ok: -$o documented in -help, man page and README"
    fi
done

# ---- errors: one line, status 1 ----
: >"$tmp/empty.img"
: >"$tmp/unreadable.img"
chmod 000 "$tmp/unreadable.img"
bad "unknown option" "unknown option" -frobnicate
bad "unknown option with two dashes" "unknown option" --frobnicate
bad "missing argument" "requires an argument" -m
bad "missing argument of -cpu" "requires an argument" -cpu
bad "bad size suffix" "-m: bad size" -m 12X
bad "fraction without a suffix" "-m: bad size '1.5' (e.g. 512, 512M, 1.5G" -m 1.5
bad "fraction of bytes" "-m: bad size" -m 1.5B
bad "two decimal points" "-m: bad size" -m 1..5G
bad "negative size with a suffix" "-m: bad size" -m -1G
bad "exponent" "-m: bad size" -m 1e3M
bad "fraction with an exponent" "-m: bad size" -m 1.5e3M
bad "fraction without an integer part" "-m: bad size" -m .5G
bad "fractional size below 1M" "-m: bad size '0.5M' (1M..3584M)" -m 0.5M
bad "fractional size above 3584M" "-m: bad size" -m 3.5001G
bad "negative size" "-m: bad size" -m -5
bad "zero size" "-m: bad size" -m 0
bad "size below 1M" "-m: bad size" -m 512K
bad "huge size" "-m: bad size" -m 64G
bad "huge bare size" "-m: bad size" -m 99999999
bad "size overflowing 64 bits" "-m: bad size" -m 99999999999999999999
bad "-smp 0" "-smp: bad" -smp 0
bad "-smp abc" "-smp: bad" -smp abc
bad "-smp 9" "-smp: bad" -smp 9
bad "-smp unknown key" "unknown parameter 'foo'" -smp 2,foo=1
bad "-smp topology mismatch" "sockets" -smp cpus=2,sockets=1
bad "-smp maxcpus below cpus" "maxcpus" -smp 2,maxcpus=1
bad "unknown cpu" "unknown CPU model" -cpu 8086xl
bad "missing bios" "cannot open" -bios "$tmp/nonexistent.bin"
bad "directory as bios" "is a directory" -bios "$tmp"
bad "directory as disk" "is a directory" -hda "$tmp"
for o in hda hdb hdc hdd cdrom fda fdb kernel; do
    bad "missing file for -$o" "-$o: cannot open" -$o "$tmp/none.img"
done
bad "missing file for -drive" "-drive: cannot open" -drive "file=$tmp/none.img"
bad "missing initrd" "-initrd: cannot open" -kernel "$tmp/empty.img" -initrd "$tmp/none.img"
bad "missing Multiboot module" "-initrd: cannot open" \
    -kernel "$tmp/empty.img" -initrd "$tmp/empty.img arg,$tmp/none.img"
if [ -r "$tmp/unreadable.img" ]; then
    echo "ok: (unreadable-file case not checked: running as root, every file is readable)"
else
    bad "unreadable bios" "Permission denied" -bios "$tmp/unreadable.img"
    bad "unreadable disk" "Permission denied" -hda "$tmp/unreadable.img"
fi
bad "same IDE unit twice" "already in use" -hda "$tmp/empty.img" -hda "$tmp/empty.img"
bad "-cdrom on -hdc's unit" "already in use" -hdc "$tmp/empty.img" -cdrom "$tmp/empty.img"
bad "-drive index on -hda's unit" "already in use" -hda "$tmp/empty.img" \
    -drive "file=$tmp/empty.img,index=0"
bad "fifth IDE drive" "no free unit" -drive "file=$tmp/empty.img" -drive "file=$tmp/empty.img" \
    -drive "file=$tmp/empty.img" -drive "file=$tmp/empty.img" -drive "file=$tmp/empty.img"
bad "bad drive format" "unknown format" -drive "file=$tmp/empty.img,format=vmdk"
bad "bad drive interface" "unknown interface" -drive "file=$tmp/empty.img,if=scsi"
bad "bad drive index" "bad index" -drive "file=$tmp/empty.img,index=x"
bad "floppy index 2" "units 0..1" -drive "file=$tmp/empty.img,if=floppy,index=2"
bad "bad drive media" "unknown media" -drive "file=$tmp/empty.img,media=tape"
bad "bad drive readonly" "readonly" -drive "file=$tmp/empty.img,readonly=maybe"
bad "unknown drive key" "unknown parameter 'cache'" -drive "file=$tmp/empty.img,cache=none"
bad "drive without file" "file= is required" -drive format=raw
bad "bad boot device" "bad boot device" -boot order=z
bad "empty boot order" "-boot: bad order" -boot order=
bad "boot device twice" "given twice" -boot cdc
bad "unknown boot key" "unknown parameter" -boot order=c,splashy=x
bad "initrd without kernel" "requires -kernel" -initrd "$tmp/empty.img"
bad "append without kernel" "requires -kernel" -append console=ttyS0
bad "bad log item" "unknown log item" -d frob
bad "bad log item after a good one" "unknown log item 'frob'" -d int,frob
bad "unwritable -D" "-D: cannot open" -D /nonexistent/dir/log
bad "bad serial" "-serial" -serial bogus:thing
bad "bad serial 'bogus:'" "-serial" -serial bogus:
bad "serial file without path" "-serial" -serial file:
bad "serial tcp without port" "-serial" -serial tcp:
bad "serial tcp port out of range" "-serial" -serial tcp::99999
bad "fifth serial port" "at most 4" -serial null -serial null -serial null -serial null -serial null
bad "bad debugcon" "-debugcon" -debugcon bogus
bad "bad monitor" "-monitor" -monitor bogus
bad "bad qmp" "-qmp" -qmp bogus
bad "bad gdb" "-gdb" -gdb bogus
bad "two -monitor" "given twice" -monitor null -monitor null
bad "two -qmp" "given twice" -qmp null -qmp null
bad "-gdb and -s" "given twice" -gdb tcp::1235 -s
bad "two -debugcon" "given twice" -debugcon null -debugcon null
bad "bad display" "unknown display" -display vnc
bad "-nographic with -display sdl" "-nographic" -nographic -display sdl
bad "bad nic backend" "unknown network backend" -nic bogus
bad "bad icount" "-icount" -icount shift=99
bad "bad icount number" "-icount" -icount 11
bad "bad icount key" "unknown parameter" -icount shift=1,speed=2
bad "bad rtc" "-rtc" -rtc base=yesterday
bad "rtc date that does not exist" "no such date" -rtc base=2021-02-29
bad "rtc date with trailing text" "-rtc: bad base" -rtc base=2020-01-01T00:00:00Z
bad "rtc date out of range" "out of range" -rtc base=1969-12-31
bad "rtc host clock" "clock=host" -rtc clock=host
bad "bad accel" "unknown accelerator" -accel hax
bad "kvm" "kvm is not available" -accel kvm
bad "bad accel property" "unknown property" -accel interp,fast=on
bad "bad x87 value" "x87 takes host or soft" -accel interp,x87=fast
bad "bad sse value" "sse takes host or soft" -accel interp,sse=1
bad "accel with only a property" "no accelerator given" -accel x87=soft
bad "bad machine" "unknown machine" -machine q35
bad "bad linuxboot" "linuxboot" -machine pc,linuxboot=maybe
bad "stray argument" "unexpected argument" disk.img

# ---- features that do not exist yet ----
unsupported "jit refused until it exists" -accel jit
for o in hda hdb hdc hdd cdrom fda fdb; do
    unsupported "-$o refused until its controller exists" -$o "$tmp/empty.img"
done
unsupported "-drive refused" -drive "file=$tmp/empty.img,format=raw,if=ide,index=1,media=disk,readonly=on"
unsupported "-drive if=ahci refused" -drive "file=$tmp/empty.img,if=ahci"
unsupported "-drive cdrom refused" -drive "file=$tmp/empty.img,media=cdrom"
unsupported "-snapshot refused" -snapshot
unsupported "-nic user refused" -nic user,model=ne2k_pci
unsupported "-display sdl refused" -display sdl
unsupported "-display curses refused" -display curses
unsupported "-smp cores refused" -smp 4,sockets=2,cores=2
unsupported "-smp maxcpus refused" -smp 2,maxcpus=4
unsupported "-icount sleep=on refused" -icount shift=1,sleep=on
unsupported "-icount shift=auto refused" -icount shift=auto
unsupported "-boot menu=on refused" -boot menu=on
unsupported "-boot once= refused" -boot once=d
unsupported "-rtc driftfix=slew refused" -rtc base=utc,driftfix=slew
unsupported "-serial mon:stdio refused" -serial mon:stdio
# A usage error is reported before a missing feature.
bad "bad value beats unsupported feature" "-m: bad size" -accel jit -m 0

# ---- accepted: the machine runs ----
good "defaults"
good "-m with suffixes" -m 64M
good "-m bare number" -m 256
good "-m 1G" -m 1G
good "-m 1.5G" -m 1.5G
good "-m 0.5G" -m 0.5G

# ram DESCRIPTION SIZE LAST-BYTE: -m SIZE gives RAM up to LAST-BYTE (the monitor's info mtree).
ram() {
    d=$1; size=$2; want=$3
    n=$((n + 1))
    got=$(printf 'info mtree\nquit\n' | timeout -k 2 $((10 * scale)) "$X" -S -display none \
        -monitor stdio -m "$size" 2>"$tmp/err" | sed -n 's/^ *0*-\([0-9a-f]*\) .*: pc\.ram$/\1/p')
    if [ "$got" != "$want" ]; then
        fail "$d: -m $size: RAM ends at '$got', expected $want"; cat "$tmp/err"
    else
        echo "ok: $d"
    fi
}
ram "-m 1.5G is 1536 MiB" 1.5G 000000005fffffff
ram "-m 0.5G is 512 MiB" 0.5G 000000001fffffff
ram "-m 512M" 512M 000000001fffffff
ram "-m 100.5M, a fraction of a MiB" 100.5M 000000000647ffff
ram "-m 1.75GiB" 1.75GiB 000000006fffffff
ram "-m 1.0001M is rounded down to 4 KiB" 1.0001M 00000000000fffff
good "-smp 2" -smp 2
good "-smp cpus=2,sockets=2,cores=1,threads=1" -smp cpus=2,sockets=2,cores=1,threads=1
good "-smp sockets=2" -smp sockets=2
good "-cpu pentiumpro" -cpu pentiumpro
good "-serial file: twice" -serial "file:$tmp/com1" -serial "file:$tmp/com2"
good "-serial none" -serial none
good "-debugcon file:" -debugcon "file:$tmp/debugcon"
good "-display none" -display none
good "-nic none" -nic none
good "-monitor none" -monitor none
good "-monitor mon:stdio is the monitor on stdio" -monitor mon:stdio
good "-accel interp, -accel tcg" -accel interp -accel tcg
good "-accel interp,x87=soft (the portable x87 on every host)" -accel interp,x87=soft
good "-accel accel=tcg,x87=soft" -accel accel=tcg,x87=soft
good "-accel interp,sse=soft,x87=soft" -accel interp,sse=soft,x87=soft
if $X -accel help | grep -q "default on this host"; then
    good "-accel interp,x87=host" -accel interp,x87=host
else
    bad "x87=host without the host path" "needs an x86-64 host" -accel interp,x87=host
fi
good "-icount shift=3,sleep=off,align=off" -icount shift=3,sleep=off,align=off
good "-icount 0" -icount 0
good "-rtc base=localtime" -rtc base=localtime
good "-rtc base=date,clock=vm" -rtc base=2020-02-29T23:59:59,clock=vm
good "-rtc base=date only" -rtc base=2000-01-01
good "-boot order=dc,menu=off" -boot order=dc,menu=off
good "-boot cdn" -boot cdn
good "-d items to -D file" -d int,cpu_reset -D "$tmp/log"
good "-d with an empty item" -d int,
good "-no-reboot -no-shutdown" -no-shutdown
good "-machine pc,linuxboot=direct" -machine pc,linuxboot=direct
good "-M pc" -M pc
good "two-dash options" --m 64 --smp 1
good "-m given twice (the last counts)" -m 32 -m 64

# ---- signals end the run cleanly ----
n=$((n + 1))
rm -f "$tmp/sig.log"
"$X" -display none -S -d cpu_reset -D "$tmp/sig.log" >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
st=$?
if [ "$st" -ne 0 ]; then
    fail "SIGTERM: exit status $st, expected 0"; cat "$tmp/err"
elif ! grep -q "terminating on signal" "$tmp/err"; then
    fail "SIGTERM: no message on stderr"; cat "$tmp/err"
elif ! grep -q "cpu0: reset" "$tmp/sig.log"; then
    fail "SIGTERM: the -D log was not flushed"
else
    echo "ok: SIGTERM stops x86pc with status 0 and a complete -D log"
fi

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
