#!/usr/bin/env bash
# The main job on the bundled example data: installs dependencies, builds (release), and
# runs `mloda stream` over 300 micro-batches of sensor readings (examples/data/): each
# batch goes through one prepared plan (pass-through, aggregations, imputation, a
# 10-minute time window of the imputed values, label encoding). Then the three library
# usage patterns of examples/*.c.
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
