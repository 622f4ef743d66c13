#!/bin/sh
# Runs libFuzzer targets built with SOM_FUZZ=ON for a set time each and
# prints the executions of each. `make fuzz` calls it.
# Usage: fuzz/run.sh BUILD_DIR SECONDS TARGET...   (FUZZ_PARALLEL=N: N at once)
#
# Each target starts from the committed seeds in fuzz/corpus/<target>/ and
# writes what it discovers to BUILD_DIR/corpus/<target>/ (never into the
# committed corpus: those stay small and hand-picked). A crash is written to
# BUILD_DIR/crashes/<target>-crash-*; once fixed, commit it to
# fuzz/corpus/<target>/ so that every `make test` replays it.
set -u
build=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
parallel=${FUZZ_PARALLEL:-1}
mkdir -p "$build/corpus" "$build/crashes" "$build/logs"

# The parsers are single-threaded; keep BLAS and OpenMP from spawning pools.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

run_one() {
    t=$1
    if [ ! -x "$build/fuzz/fuzz_$t" ]; then
        echo skipped >"$build/logs/$t.rc" # not built (http_request, http_body without serve)
        return
    fi
    mkdir -p "$build/corpus/$t"
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
        "$build/corpus/$t" "$root/fuzz/corpus/$t" >"$build/logs/$t.log" 2>&1
    echo $? >"$build/logs/$t.rc"
}

running=0
for t in "$@"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait
        running=0
    fi
done
wait

status=0
printf '%-12s %12s %8s %8s  %s\n' target executions exec/s seconds result
for t in "$@"; do
    log="$build/logs/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
    if [ "$rc" = 0 ]; then result=ok
    elif [ "$rc" = skipped ]; then result="skipped (not built)"
    else result="FAILED (see $log)"; status=1; fi
    printf '%-12s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$seconds" "$result"
done
exit $status
