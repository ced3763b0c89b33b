#!/usr/bin/env bash
# The main job on the bundled example data: installs dependencies, builds (release), and
# runs `mloda stream` over 300 micro-batches of sensor readings (examples/data/): each
# batch goes through one prepared plan (pass-through, aggregations, imputation, a
# 10-minute time window of the imputed values, label encoding). Then the three library
# usage patterns of examples/*.c, and (MLODA_DEMO_SERVE=1) `mloda serve` with its dashboard.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset release >/dev/null
cmake --build build-release -j2 >/dev/null
req=examples/data/sensor_request.json
batches=examples/data/sensor_batches.ndjson
echo "== the plan (mloda explain)"
./build-release/mloda explain --request "$req"
echo
echo "== the first two micro-batches (mloda stream --format table)"
head -n 2 "$batches" | ./build-release/mloda stream --request "$req" --batches - --format table
echo
echo "== all $(wc -l <"$batches") micro-batches as NDJSON (mloda stream > build-release/sensor_results.ndjson)"
start=$(date +%s%N)
./build-release/mloda stream --request "$req" --batches "$batches" --format ndjson \
    >build-release/sensor_results.ndjson
end=$(date +%s%N)
printf '%s result tables in %d ms; the last one:\n' "$(wc -l <build-release/sensor_results.ndjson)" \
    $(((end - start) / 1000000))
tail -n 1 build-release/sensor_results.ndjson
echo
for example in micro_batch_loop stream_run stream_all; do
    echo "== examples/$example.c"
    ./build-release/examples/$example
done
# Optional (MLODA_DEMO_SERVE=1): the same request served over HTTP by `mloda serve`, the 300
# batches fed to its live feed one by one (MLODA_DEMO_DELAY seconds apart, default 0.2) while
# the dashboard at http://127.0.0.1:PORT/ (MLODA_DEMO_PORT, default 8080) shows them. It
# reads no stdin and needs no display: the loop ends by itself, then the server is stopped.
if [ "${MLODA_DEMO_SERVE:-0}" = 1 ]; then
    echo
    echo "== mloda serve: the live dashboard fed by the micro-batches"
    log=$(mktemp)
    ./build-release/mloda serve --request sensors="$req" --listen "127.0.0.1:${MLODA_DEMO_PORT:-8080}" \
        --quiet 2>"$log" </dev/null &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
    url=""
    for _ in $(seq 100); do
        url=$(sed -n 's/.*listening on \(http[^ ]*\)\/ .*/\1/p' "$log")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { cat "$log"; exit 1; }
    echo "open $url/ in a browser (feeding one batch every ${MLODA_DEMO_DELAY:-0.2} s)"
    curl -s -H 'Accept: application/x-ndjson' "$url/v1/run/sensors" --data-binary "$(head -n 1 "$batches")" |
        head -c 300
    echo " ..."
    while IFS= read -r line; do
        curl -s -o /dev/null "$url/v1/feed/sensors" --data-binary "$line"
        sleep "${MLODA_DEMO_DELAY:-0.2}"
    done <"$batches"
    curl -s "$url/metrics" | grep -E '^mloda_serve_(batches|rows|tables)_total'
    kill -TERM "$server"
    wait "$server"
else
    echo
    echo "(MLODA_DEMO_SERVE=1 $0 also serves the request with mloda serve and feeds its dashboard)"
fi
