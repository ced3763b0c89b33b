#!/usr/bin/env bash
# The whole test suite, three ways: plain build, AddressSanitizer + UndefinedBehavior-
# Sanitizer, ThreadSanitizer (separate build directories). Installs its dependencies first.
# Ends with one line "N passed, N failed"; exit status 0 only if nothing failed.
set -u
cd "$(dirname "$0")/.."
./scripts/deps.sh || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
total_p=0
total_f=0
for preset in dev asan tsan; do
    dir=build
    [ "$preset" = dev ] || dir=build-$preset
    echo "=== $preset ($dir)"
    if ! { cmake --preset "$preset" >/dev/null && cmake --build "$dir" -j2; } >"$dir.log" 2>&1; then
        tail -n 40 "$dir.log"
        echo "$preset: build failed"
        total_f=$((total_f + 1))
        continue
    fi
    extra=""
    [ "$preset" = dev ] || extra="--quick" # conformance once, on the plain build
    out=$(./tests/run_all.sh "$dir" "$preset" $extra)
    echo "$out" | grep -vE '^(ok  )' | tail -n 200
    line=$(tail -n 1 <<<"$out")
    p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p' <<<"$line")
    f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p' <<<"$line")
    total_p=$((total_p + ${p:-0}))
    total_f=$((total_f + ${f:-1}))
done
# Short libFuzzer runs under ASan+UBSan (clang): a crash fails and leaves its reproducer in
# fuzz/crashes/. Longer runs: scripts/fuzz.sh SECONDS. The stage keeps to about 3.5 minutes
# on CI's 2 cores: about 1 minute to build, then 140 s of fuzzing shared by the targets
# (FUZZ_SECONDS overrides the per-target time).
n_targets=$(ls fuzz/fuzz_*.c | wc -l)
fuzz_secs=${FUZZ_SECONDS:-$((140 / (n_targets > 0 ? n_targets : 1)))}
echo "=== fuzz (build-fuzz, $fuzz_secs s per target, $n_targets targets)"
out=$(./scripts/fuzz.sh "$fuzz_secs" 2>&1) || true
echo "$out" | grep -E '^(fuzz|FAIL)' | tail -n 40
line=$(tail -n 1 <<<"$out")
p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p' <<<"$line")
f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p' <<<"$line")
total_p=$((total_p + ${p:-0}))
total_f=$((total_f + ${f:-1}))
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
