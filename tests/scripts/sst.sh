#!/bin/sh
# SingleStepTests (80286 real mode, captured from real hardware) through the interpreter.
# Every vector is run; documented 286-vs-P6 divergences are counted as skips by the runner
# (tests/tools/sst-run.c lists each reason). Fails if any vector that runs does not match.
SRC=${SRC:-.}
dir=${SST_DIR:-$SRC/../shared/guests/sst80286/real_mode_500}
if [ ! -d "$dir" ]; then
    echo "skip: $dir not found (the shared test data sits beside the project)"
    exit 77
fi
$RUNNER tests/tools/sst-run "$dir" >tests/out/sst-full.log 2>&1
st=$?
grep -iE "skipped|divergen" tests/out/sst-full.log | tail -n 1
tail -n 1 tests/out/sst-full.log
exit $st
