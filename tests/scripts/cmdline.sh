#!/bin/sh
# Command-line behaviour of x86pc: -version/-help/-d help succeed; every bad input gives
# exactly one line on stderr and exit status 1; unsupported features say "not supported yet".
# Run from the build directory: sh $SRC/tests/scripts/cmdline.sh
X=${X86PC:-./x86pc}
fails=0
n=0
tmp=${TMPDIR:-/tmp}/x86pc-cmdline.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

ok() { # description, command...
    d=$1; shift
    n=$((n + 1))
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok: $d"
    else
        echo "FAIL: $d (exit $?)"; cat "$tmp/err"; fails=$((fails + 1))
    fi
}

bad() { # description, expected-stderr-substring, args...
    d=$1; want=$2; shift 2
    n=$((n + 1))
    "$X" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$st" -ne 1 ]; then
        echo "FAIL: $d: exit status $st, expected 1"; fails=$((fails + 1))
    elif [ "$lines" -ne 1 ]; then
        echo "FAIL: $d: $lines lines on stderr, expected 1:"; cat "$tmp/err"; fails=$((fails + 1))
    elif ! grep -q -- "$want" "$tmp/err"; then
        echo "FAIL: $d: stderr lacks '$want':"; cat "$tmp/err"; fails=$((fails + 1))
    else
        echo "ok: $d: $(cat "$tmp/err")"
    fi
}

ok "-version" sh -c "$X -version | grep -q 'x86pc version'"
ok "-help lists -hda and -icount" sh -c "$X -help | grep -q -- '-hda FILE' && $X -help | grep -q -- '-icount'"
ok "--help works too" sh -c "$X --help | grep -q usage"
ok "-d help lists pcall" sh -c "$X -d help | grep -q pcall"
ok "-cpu help lists pentium2" sh -c "$X -cpu help | grep -q pentium2"
ok "-machine help" sh -c "$X -machine help | grep -q i440FX"

: >"$tmp/empty.img"
bad "unknown option" "unknown option" -frobnicate
bad "missing argument" "requires an argument" -m
bad "bad size" "-m: bad size" -m 12X
bad "zero size" "-m: bad size" -m 0
bad "huge size" "-m: bad size" -m 64G
bad "bad smp" "-smp" -smp 0
bad "unknown cpu" "unknown CPU model" -cpu 8086xl
bad "missing bios" "cannot open" -bios "$tmp/nonexistent.bin"
bad "directory as disk" "is a directory" -hda "$tmp"
bad "missing disk" "cannot open" -hda "$tmp/none.img"
bad "bad drive format" "unknown format" -drive "file=$tmp/empty.img,format=vmdk"
bad "drive without file" "file= is required" -drive format=raw
bad "bad boot device" "bad boot device" -boot order=z
bad "initrd without kernel" "requires -kernel" -initrd "$tmp/empty.img"
bad "bad log item" "unknown log item" -d frob
bad "bad serial" "-serial" -serial bogus:thing
bad "bad display" "unknown display" -display vnc
bad "bad icount" "-icount" -icount shift=99
bad "bad rtc" "-rtc" -rtc base=yesterday
bad "bad accel" "unknown accelerator" -accel hax
bad "stray argument" "unexpected argument" disk.img
bad "unwritable -D" "-D: cannot open" -D /nonexistent/dir/log
bad "jit refused until it exists" "not supported yet" -accel jit
bad "disks refused until IDE exists" "not supported yet" -hda "$tmp/empty.img"
bad "nic refused until a NIC exists" "not supported yet" -nic user

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
