#!/bin/sh
# SingleStepTests (80286 real mode, captured from real hardware) through the interpreter.
# Every vector is run; a vector that differs counts as a documented 286-vs-P6 divergence
# only when the P6 side of it checks out (tests/tools/sst-run.c says how for each class).
# Fails if any vector fails. The per-opcode report (Markdown, with the undefined-flag
# masks) goes to tests/out/sst-report.md; docs/sst-report.md is a copy of it.
SRC=${SRC:-.}
sst=${SST_DIR:-${SHARED:-$SRC/../shared}/guests/sst80286}
dir=$sst/real_mode_500
if [ ! -d "$dir" ]; then
    echo "skip: $dir not found (the shared test data sits beside the project)"
    exit 77
fi
set -- -t
[ -f "$sst/revocation_list.txt" ] && set -- "$@" -R "$sst/revocation_list.txt"
$RUNNER tests/tools/sst-run "$@" "$dir" >tests/out/sst-report.md 2>&1
st=$?
grep -E '^\| \*\*(pass|fail)\*\*' tests/out/sst-report.md
tail -n 1 tests/out/sst-report.md
exit $st
