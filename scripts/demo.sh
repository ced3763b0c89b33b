#!/usr/bin/env bash
# The main job on the bundled example data: installs dependencies, builds (release), and
# runs the three usage patterns (micro-batch loop, stream per batch, one-shot stream).
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset release >/dev/null
cmake --build build-release -j2 >/dev/null
for example in micro_batch_loop stream_run stream_all; do
    echo "== examples/$example.c"
    ./build-release/examples/$example
done
