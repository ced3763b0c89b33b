#!/usr/bin/env bash
# run_golden.sh BUILD_DIR: golden tests of the real `mloda` executable.
#
# Each folder tests/cli/<case>/ holds
#   args                     one command-line argument per line (run in the case folder), or
#   cmd                      a bash snippet run instead (with $MLODA set), for pipes and setup
#   stdin                    optional: fed to the command (default: empty)
#   expected_stdout          stdout, compared byte for byte, or
#   expected_stdout_contains lines that must each appear in stdout (for text owned elsewhere)
#   expected_exit            the exit code (default 0)
#   expected_stderr          optional: lines that must each appear in stderr
# MLODA_UPDATE_GOLDEN=1 rewrites expected_stdout (unless _contains is used), expected_exit
# and expected_stderr from the actual run, for review with git diff.
# Prints "ok   name" or "FAIL name: why" per case and "# cli: N passed, N failed".
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
MLODA="$(cd "$1" && pwd)/mloda"
export MLODA
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
update="${MLODA_UPDATE_GOLDEN:-0}"
passed=0
failed=0

# Lines of $1 (a file) that do not appear in $2 (a file), as one message.
missing_lines() {
    local line out=""
    while IFS= read -r line || [ -n "$line" ]; do
        [ -z "$line" ] && continue
        if ! grep -qF -- "$line" "$2"; then
            out="$out '$line'"
        fi
    done < "$1"
    printf '%s' "$out"
}

run_case() {
    local dir="$1" out="$scratch/stdout" err="$scratch/stderr" in="/dev/null" code
    [ -f "$dir/stdin" ] && in="$dir/stdin"
    if [ -f "$dir/cmd" ]; then
        (cd "$dir" && bash ./cmd) < "$in" > "$out" 2> "$err"
        code=$?
    else
        local -a args=()
        mapfile -t args < "$dir/args"
        (cd "$dir" && "$MLODA" "${args[@]}") < "$in" > "$out" 2> "$err"
        code=$?
    fi
    if [ "$update" = "1" ]; then
        [ -f "$dir/expected_stdout_contains" ] || cp "$out" "$dir/expected_stdout"
        echo "$code" > "$dir/expected_exit"
        if [ -s "$err" ]; then cp "$err" "$dir/expected_stderr"; else rm -f "$dir/expected_stderr"; fi
    fi
    local want_code=0 why=""
    [ -f "$dir/expected_exit" ] && want_code="$(cat "$dir/expected_exit")"
    if [ "$code" != "$want_code" ]; then
        why="exit $code, expected $want_code"
    elif [ -f "$dir/expected_stdout" ] && ! cmp -s "$out" "$dir/expected_stdout"; then
        why="stdout differs: $(diff "$dir/expected_stdout" "$out" | head -c 300 | tr '\n' ' ')"
    elif [ -f "$dir/expected_stdout_contains" ]; then
        local miss
        miss="$(missing_lines "$dir/expected_stdout_contains" "$out")"
        [ -n "$miss" ] && why="stdout lacks$miss"
    fi
    if [ -z "$why" ] && [ -f "$dir/expected_stderr" ]; then
        local miss
        miss="$(missing_lines "$dir/expected_stderr" "$err")"
        [ -n "$miss" ] && why="stderr lacks$miss (stderr: $(head -c 300 "$err" | tr '\n' ' '))"
    fi
    if [ -z "$why" ]; then
        echo "ok   $(basename "$dir")"
        passed=$((passed + 1))
    else
        echo "FAIL $(basename "$dir"): $why"
        failed=$((failed + 1))
    fi
}

if [ ! -x "$MLODA" ]; then
    echo "FAIL setup: $MLODA is not an executable"
    echo "# cli: 0 passed, 1 failed"
    exit 1
fi
for dir in "$here"/*/; do
    dir="${dir%/}"
    [ -f "$dir/args" ] || [ -f "$dir/cmd" ] || continue
    run_case "$dir"
done
echo "# cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
