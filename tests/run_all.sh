#!/usr/bin/env bash
# Runs every test of one build directory: unit and integration test programs, the
# examples (output compared with tests/examples/*.expected) and, when the command exists,
# the CLI golden tests, the dashboard's browser test, the Arrow interop test and the conformance set (../shared/conformance beside the repo; a
# line "SKIP conformance: ..." says why when it cannot run). Prints each program's lines and
# ends with "<label>: N passed, N failed". Exit status 0 only if nothing failed.
#   tests/run_all.sh BUILD_DIR [LABEL] [--quick]   (--quick: skip conformance; LABEL dev:
#   also tests/install/run.sh, the installed tree)
set -u
build=$1
label=${2:-$build}
quick=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0

count_line() { # "# file: N passed, M failed" -> add to totals
    local p f
    p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' <<<"$1")
    f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' <<<"$1")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
}

# A test program that prints "ok"/"FAIL" lines and ends with "# TAG: N passed, N failed":
# shows what matters (detail: an extended regex of the lines to show; "!REGEX": the lines
# that do not match) and adds its counts.
#   run_summary_test TAG WHAT DETAIL COMMAND...
run_summary_test() {
    local tag=$1 what=$2 detail=$3 out summary
    shift 3
    out=$(timeout 300 "$@" 2>&1)
    if [ "${detail#!}" != "$detail" ]; then
        grep -vE "${detail#!}" <<<"$out" | head -n 60
    else
        grep -E "$detail" <<<"$out" | head -n 60
    fi
    summary=$(grep -E "^# $tag: [0-9]+ passed, [0-9]+ failed" <<<"$out" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "FAIL $what: no summary"
        tail -n 20 <<<"$out"
        failed=$((failed + 1))
    else
        count_line "$summary"
    fi
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(timeout 600 "$t" 2>&1)
    rc=$?
    summary=$(grep -E '^# .*passed, [0-9]+ failed' <<<"$out" | tail -n 1)
    grep -E '^(FAIL|  )' <<<"$out" | head -n 40
    if [ -z "$summary" ]; then
        echo "FAIL $(basename "$t"): crashed or hung (exit $rc)"
        tail -n 20 <<<"$out"
        failed=$((failed + 1))
    else
        count_line "$summary"
        if [ $rc -ne 0 ] && ! grep -q ' [1-9][0-9]* failed' <<<"$summary"; then
            echo "FAIL $(basename "$t"): exit $rc after its tests (sanitizer report?)"
            tail -n 30 <<<"$out"
            failed=$((failed + 1))
        fi
    fi
done

for exp in "$root"/tests/examples/*.expected; do
    name=$(basename "$exp" .expected)
    if diff -u "$exp" <(timeout 120 "$build/examples/$name" 2>&1) >/tmp/mloda_example_diff.$$; then
        passed=$((passed + 1))
    else
        echo "FAIL example $name:"
        head -n 30 /tmp/mloda_example_diff.$$
        failed=$((failed + 1))
    fi
    rm -f /tmp/mloda_example_diff.$$
done

for r in "$build"/fuzz/replay_fuzz_*; do
    [ -x "$r" ] || continue
    target=${r##*/replay_fuzz_}
    out=$(timeout 300 "$r" "$root/fuzz/corpus/$target" 2>&1)
    summary=$(grep -E '^# replay' <<<"$out" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "FAIL fuzz replay $target: a corpus input crashed"
        tail -n 20 <<<"$out"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

out=$("$root/scripts/check_layers.sh" "$build" 2>&1)
grep -E '^FAIL' <<<"$out" | head -n 20
count_line "$(grep -E '^# layers' <<<"$out" | tail -n 1)"

if [ -x "$build/mloda" ] && [ -x "$root/tests/cli/run_golden.sh" ]; then
    out=$("$root/tests/cli/run_golden.sh" "$build" 2>&1)
    grep -E '^FAIL' <<<"$out" | head -n 40
    count_line "$(grep -E '^# .*passed, [0-9]+ failed' <<<"$out" | tail -n 1)"
fi

# The Python package (python/tests, pytest) when the build has the extension (CMake option
# MLODA_PYTHON): its passed/failed counts join the totals. In a sanitizer build the module
# needs the sanitizer's runtime preloaded into the (uninstrumented) interpreter; LeakSanitizer
# then reports Python's own allocations left at exit, so only reports that go through the
# engine or the extension count as failures.
if ls "$build"/python/mloda_c/_core*.so >/dev/null 2>&1; then
    bdir=$(cd "$build" && pwd)
    py=$(head -n 1 "$bdir/python/interpreter" 2>/dev/null || echo /usr/bin/python3)
    preload=""
    if grep -q '^MLODA_SANITIZE:STRING=address' "$bdir/CMakeCache.txt" 2>/dev/null; then
        cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$bdir/CMakeCache.txt")
        preload=$("${cc:-cc}" -print-file-name=libasan.so)
    fi
    out=$(cd "$bdir" && LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
          LSAN_OPTIONS=exitcode=0 \
          PYTHONPATH="$bdir/python:$root/python/tests" MLODA_BIN="$bdir/mloda" PYTHONDONTWRITEBYTECODE=1 \
          timeout 900 "$py" -m pytest -q -p no:cacheprovider "$root/python/tests" 2>&1)
    rc=$?
    summary=$(grep -E '^[0-9]+ (passed|failed|errors?)|^=+ .*(passed|failed|error)' <<<"$out" | tail -n 1)
    grep -E '^(FAILED|ERROR) ' <<<"$out" | head -n 40
    p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+')
    f=0
    for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$summary" | grep -oE '[0-9]+'); do
        f=$((f + n))
    done
    if [ -z "$summary" ]; then
        echo "FAIL python tests: pytest crashed or hung (exit $rc)"
        tail -n 30 <<<"$out"
        failed=$((failed + 1))
    else
        echo "# python: $summary"
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
        leaks=$(awk '/^(Direct|Indirect) leak/ {b = $0; keep = 0; next}
                     b != "" && /mloda_|python\/src\// {keep = 1}
                     b != "" && /^$/ {if (keep) print b; b = ""}' <<<"$out" | wc -l)
        if [ "$leaks" -gt 0 ]; then
            echo "FAIL python tests: $leaks leak report(s) through the engine or the extension"
            grep -B2 -A12 -E '^(Direct|Indirect) leak' <<<"$out" | grep -E 'leak|mloda_|python/src' | head -n 30
            failed=$((failed + 1))
        elif [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
            echo "FAIL python tests: exit $rc after the tests (sanitizer report?)"
            grep -E 'ERROR: |runtime error' <<<"$out" | head -n 10
            failed=$((failed + 1))
        fi
    fi
fi

# The `mloda serve` dashboard in a real browser (headless Chromium through chromedriver;
# screenshot in BUILD/test-artifacts/): once, on the plain build.
if [ "$label" = "dev" ] && [ -x "$build/mloda" ]; then
    run_summary_test dashboard "dashboard test" '^FAIL' python3 "$root/tests/serve/test_dashboard.py" "$build"
fi

# Arrow IPC interop with a third-party implementation (the apache-arrow npm package in
# tests/arrow/node_modules, installed by scripts/deps.sh): every build, as it runs mloda.
if [ -x "$build/mloda" ]; then
    run_summary_test arrow "arrow interop test" '^FAIL' python3 "$root/tests/arrow/test_arrow_interop.py" "$build"
fi

# Replies a Redis worker does not expect (a proxy replaces one reply of a real
# redis-server at a time): the plain and the ASan build (the worker's reply handling is
# single-threaded; TSan adds nothing there but time).
if [ -x "$build/mloda" ] && [ "$label" != tsan ]; then
    run_summary_test "redis replies" "redis replies test" '^FAIL' python3 "$root/tests/redis/test_redis_replies.py" "$build"
fi

# The installed tree (cmake --install into a temporary prefix; examples built against it
# with pkg-config and find_package): once, on the plain build.
if [ "$label" = "dev" ]; then # FAIL lines and their details
    run_summary_test install "install test" '!^(ok   |# install:)' "$root/tests/install/run.sh" "$build"
fi

conformance="$root/../shared/conformance/check.py"
if [ "$quick" = "--quick" ]; then
    : # --quick skips the conformance set by request
elif [ ! -x "$build/mloda" ]; then
    echo "SKIP conformance: $build/mloda not built"
elif [ ! -f "$conformance" ]; then
    echo "SKIP conformance: ../shared/conformance/check.py not found (looked for $conformance)"
else
    out=$(python3 "$conformance" --mloda "$build/mloda" 2>&1)
    grep -E '^FAIL' <<<"$out" | head -n 80
    line=$(tail -n 1 <<<"$out")
    echo "$line"
    p=$(sed -n 's/.*: \([0-9]*\)\/\([0-9]*\) passed/\1/p' <<<"$line")
    n=$(sed -n 's/.*: \([0-9]*\)\/\([0-9]*\) passed/\2/p' <<<"$line")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${n:-0} - ${p:-0}))
fi

echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
