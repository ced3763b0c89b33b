#!/usr/bin/env bash
# CPU time of two builds of `mloda stream` on the same batches, interleaved: the way to see a
# change of a few percent on a machine whose wall-clock speed moves by 2x between minutes
# (bench/REPORT.md). Each run reads the batches from a file and writes to /dev/null, so pipes
# and readers add nothing; the figure is user + system seconds of the command (all threads).
#   bench/cpu_ab.sh OLD_MLODA NEW_MLODA REQUEST.json BATCHES [RUNS] [-- mloda stream args...]
# e.g. bench/cpu_ab.sh /tmp/old/mloda build-release/mloda req.json b.ndjson 7 -- --format ndjson
# Prints each build's median and all its runs (ms), and NEW / OLD.
set -eu
if [ $# -lt 4 ]; then
    sed -n '2,8p' "$0" >&2
    exit 2
fi
old=$1 new=$2 req=$3 batches=$4
shift 4
runs=7
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    runs=$1
    shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
cpu_ms() { # user + system ms of one run
    local TIMEFORMAT='%U %S'
    { time "$1" stream --request "$req" --batches "$batches" "${@:2}" >/dev/null 2>&1; } 2>&1 |
        awk '{ printf "%d\n", ($1 + $2) * 1000 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a="" b=""
for _ in $(seq "$runs"); do
    a="$a $(cpu_ms "$old" "$@")"
    b="$b $(cpu_ms "$new" "$@")"
done
ma=$(tr ' ' '\n' <<<"$a" | grep . | median)
mb=$(tr ' ' '\n' <<<"$b" | grep . | median)
echo "old: median ${ma} ms CPU (runs:$a)"
echo "new: median ${mb} ms CPU (runs:$b)"
awk -v a="$ma" -v b="$mb" 'BEGIN { if (a > 0) printf "new / old: %.2f\n", b / a }'
