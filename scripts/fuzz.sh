#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan+UBSan) and runs each for SECONDS
# (default 30) on a copy of its seed corpus. A crash fails the run and its reproducer is
# kept in fuzz/crashes/<target>/ (add it to fuzz/corpus/<target>/ once fixed: the replay
# tests then run it forever). Ends with "fuzz: N passed, N failed".
#   scripts/fuzz.sh [SECONDS]
set -u
cd "$(dirname "$0")/.."
secs=${1:-30}
passed=0
failed=0
if ! { cmake --preset fuzz >/dev/null && cmake --build build-fuzz -j2; } >build-fuzz.log 2>&1; then
    tail -n 30 build-fuzz.log
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
for bin in build-fuzz/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    target=${bin##*/fuzz_}
    work=$(mktemp -d)
    cp -r "fuzz/corpus/$target/." "$work/" 2>/dev/null || true
    mkdir -p "fuzz/crashes/$target"
    log=$(mktemp)
    if "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="fuzz/crashes/$target/" \
        -max_len=4096 "$work" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz $target: ok, $runs executions in $secs s"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz $target: crash; reproducer in fuzz/crashes/$target/"
        grep -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$log" | head -n 12
        failed=$((failed + 1))
    fi
    rm -rf "$work" "$log"
    rmdir "fuzz/crashes/$target" 2>/dev/null || true
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
