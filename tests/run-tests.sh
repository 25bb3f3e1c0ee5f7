#!/bin/sh
# x86pc test runner: `make check` (SUITE=quick) and `make check-full` (SUITE=full).
#
# Runs, from the build directory:
#   1. unit tests: every tests/unit/test-* binary (exit 0 = pass);
#   2. the harness self-test: a guest that deliberately fails must be reported as failed;
#   3. guest tests: every tests/guests/*.asm (built to .bin), booted as the firmware image
#      with `x86pc -bios NAME.bin`, judged by the isa-debug-exit status (port 0xF4) and
#      optionally by text on COM1, under a wall-clock time limit;
#   4. tool tests listed in tests/tools.list (e.g. the SingleStepTests run).
# Prints one line per test and closes with `N passed, N failed[, N skipped]`.
#
# Guest header (first lines of the .asm):
#   ; x86pc-test: timeout=10 exit=1 suite=quick args="-m 32" expect="text"
# Environment: SRC (source dir), RUNNER (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu"),
#   SUITE (quick|full), TIMEOUT_SCALE (multiplies time limits; default 1, 6 under RUNNER),
#   TESTS (space-separated name filter), TOOL_TIMEOUT (outer limit in seconds of each
#   tools.list test; default 600 for quick tests, 3600 for full ones).

SRC=${SRC:-.}
SUITE=${SUITE:-quick}
RUNNER=${RUNNER:-}
if [ -n "$RUNNER" ]; then
    TIMEOUT_SCALE=${TIMEOUT_SCALE:-6}
else
    TIMEOUT_SCALE=${TIMEOUT_SCALE:-1}
fi
OUT=tests/out
mkdir -p "$OUT"

passed=0
failed=0
skipped=0
skip_reasons=""
failed_names=""

selected() {
    [ -z "$TESTS" ] && return 0
    for t in $TESTS; do
        [ "$t" = "$1" ] && return 0
    done
    return 1
}

report() { # name result detail
    printf '%-40s %s%s\n' "$1" "$2" "${3:+  ($3)}"
    case "$2" in
    PASS) passed=$((passed + 1)) ;;
    FAIL) failed=$((failed + 1)); failed_names="$failed_names $1" ;;
    SKIP) skipped=$((skipped + 1)); skip_reasons="$skip_reasons
  $1: $3" ;;
    esac
}

header_value() { # file key default
    v=$(sed -n '1,10s/^; *x86pc-test:\(.*\)$/\1/p' "$1" | head -n 1 |
        sed -n "s/.*[[:space:]]$2=\"\([^\"]*\)\".*/\1/p; t; s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p")
    [ -n "$v" ] && printf '%s\n' "$v" || printf '%s\n' "$3"
}

# run_guest NAME BIN TIMEOUT ARGS -> sets g_status, g_serial (file)
run_guest() {
    g_serial="$OUT/$1.serial"
    g_log="$OUT/$1.log"
    rm -f "$g_serial"
    t=$(($3 * TIMEOUT_SCALE))
    # shellcheck disable=SC2086
    timeout -k 2 "$t" $RUNNER ./x86pc -bios "$2" -display none -serial "file:$g_serial" \
        -no-reboot $4 </dev/null >"$g_log" 2>&1
    g_status=$?
    [ -f "$g_serial" ] || : >"$g_serial"
}

# judge NAME EXPECTED_EXIT EXPECT_TEXT -> returns 0 if the run passed; sets g_why
judge() {
    g_why=""
    if [ "$g_status" -eq 124 ] || [ "$g_status" -eq 137 ]; then
        g_why="timed out"
        return 1
    fi
    if [ "$g_status" -ne "$2" ]; then
        g_why="exit status $g_status, expected $2"
        last=$(tail -c 200 "$g_serial" | tr '\n' ' ' | tr -cd '[:print:]')
        [ -n "$last" ] && g_why="$g_why; serial: $last"
        errl=$(head -n 1 "$g_log" | tr -cd '[:print:]')
        [ -n "$errl" ] && g_why="$g_why; stderr: $errl"
        return 1
    fi
    if [ -n "$3" ] && ! grep -qF -- "$3" "$g_serial"; then
        g_why="serial output lacks '$3'"
        return 1
    fi
    return 0
}

echo "== x86pc tests (suite: $SUITE${RUNNER:+, runner: $RUNNER}) =="

# 1. unit tests
for src in "$SRC"/tests/unit/test-*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    selected "$name" || continue
    bin=tests/unit/$name
    if [ ! -x "$bin" ]; then
        if [ "$name" = test-decode-capstone ] && [ -n "$RUNNER" ]; then
            # Debian has no powerpc Capstone (a ports architecture) and check-cross does not
            # install foreign-architecture libraries; the native run compares the decoder.
            report "unit/$name" SKIP "no Capstone library for this cross host (compared natively)"
        elif [ "$name" = test-decode-capstone ]; then
            report "unit/$name" SKIP "capstone not found by configure (Debian: libcapstone-dev)"
        else
            report "unit/$name" FAIL "not built"
        fi
        continue
    fi
    t=$((300 * TIMEOUT_SCALE))
    # Unit tests find shared data relative to the source tree.
    if X86PC_SRC="$SRC" timeout -k 2 "$t" $RUNNER "$bin" >"$OUT/$name.log" 2>&1; then
        report "unit/$name" PASS "$(tail -n 1 "$OUT/$name.log" | tr -cd '[:print:]')"
    else
        report "unit/$name" FAIL "$(tail -n 1 "$OUT/$name.log" | tr -cd '[:print:]'); log: $OUT/$name.log"
    fi
done

# 2. harness self-test: a deliberately failing guest must be judged a failure.
for src in "$SRC"/tests/guests/*.asm; do
    [ -f "$src" ] || continue
    [ "$(header_value "$src" selftest "")" = fail ] || continue
    name=$(basename "$src" .asm)
    selected "$name" || continue
    run_guest "$name" "tests/guests/$name.bin" "$(header_value "$src" timeout 10)" ""
    if judge "$name" 1 ""; then
        report "harness/$name" FAIL "a failing guest was reported as passing"
    elif [ "$g_status" -eq 124 ] || [ "$g_status" -eq 137 ]; then
        report "harness/$name" FAIL "failing guest did not run to its exit ($g_why)"
    else
        report "harness/$name" PASS "failing guest detected: $g_why"
    fi
done

# 3. guest tests
for src in "$SRC"/tests/guests/*.asm; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .asm)
    [ "$(header_value "$src" selftest "")" = fail ] && continue
    selected "$name" || continue
    suite=$(header_value "$src" suite quick)
    if [ "$suite" = full ] && [ "$SUITE" != full ]; then
        report "guest/$name" SKIP "long test: make check-full"
        continue
    fi
    run_guest "$name" "tests/guests/$name.bin" "$(header_value "$src" timeout 10)" \
        "$(header_value "$src" args "")"
    if judge "$name" "$(header_value "$src" exit 1)" "$(header_value "$src" expect "")"; then
        report "guest/$name" PASS
    else
        report "guest/$name" FAIL "$g_why"
    fi
done

# 4. tool tests: lines "suite name command..." run from the build dir; exit 0 = pass,
#    exit 77 = skip (the command prints the reason as its last line). $X86PC is the
#    emulator command (wrapped in $RUNNER for cross hosts).
X86PC=$(pwd)/x86pc
if [ -n "$RUNNER" ]; then
    X86PC=$(pwd)/$OUT/x86pc-run
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$RUNNER" "$(pwd)/x86pc" >"$X86PC"
    chmod +x "$X86PC"
fi
export X86PC
if [ -f "$SRC/tests/tools.list" ]; then
    while read -r suite name cmd; do
        case "$suite" in '#'*|'') continue ;; esac
        selected "$name" || continue
        if [ "$suite" = full ] && [ "$SUITE" != full ]; then
            report "tool/$name" SKIP "long test: make check-full"
            continue
        fi
        log="$OUT/$name.log"
        # Each script has its own limits; this outer one only stops a hung test, so that
        # `make check` always ends (TOOL_TIMEOUT seconds, scaled like the guest limits).
        limit=$(( ${TOOL_TIMEOUT:-$([ "$suite" = full ] && echo 3600 || echo 600)} * TIMEOUT_SCALE ))
        SRC="$SRC" RUNNER="$RUNNER" TIMEOUT_SCALE="$TIMEOUT_SCALE" \
            timeout -k 5 "$limit" sh -c "$cmd" </dev/null >"$log" 2>&1
        st=$?
        last=$(tail -n 1 "$log" | tr -cd '[:print:]')
        if [ $st -eq 124 ] || [ $st -eq 137 ]; then
            report "tool/$name" FAIL "timed out after $limit s; log: $log"
        elif [ $st -eq 0 ]; then
            report "tool/$name" PASS "$last"
        elif [ $st -eq 77 ]; then
            report "tool/$name" SKIP "$last"
        else
            report "tool/$name" FAIL "$last; log: $log"
        fi
    done <"$SRC/tests/tools.list"
fi

if [ -n "$skip_reasons" ]; then
    echo "skipped:$skip_reasons"
fi
[ -n "$failed_names" ] && echo "failed:$failed_names"
if [ "$skipped" -gt 0 ]; then
    summary="$passed passed, $failed failed, $skipped skipped"
else
    summary="$passed passed, $failed failed"
fi
echo "$summary"
# For check-cross, which reports every host's counts together at its end.
echo "$summary" >"$OUT/summary"
[ "$failed" -eq 0 ]
