#!/usr/bin/env bash
# Installs what building and testing mloda-c needs on Debian (run as root or with sudo).
# Skips apt when every package is already installed.
set -eu
# g++, binutils (nm, readelf) and zlib1g-dev (sqlite3.pc's static -lz) serve the installed-tree
# test (tests/install/run.sh). The Python package (python/): python3-dev builds the extension
# (CMake option MLODA_PYTHON, or pip); numpy, pandas and pytest run its tests; pip,
# setuptools, wheel and venv install it offline (README, "Python"). libmicrohttpd-dev:
# `mloda serve`; curl, chromium and chromium-driver: its tests (the dashboard in a real
# headless browser); wrk: its benchmark. nodejs and npm: the Arrow IPC interop test
# (tests/arrow: the apache-arrow package, installed below with npm ci from its lock file).
# libhiredis-dev: the Redis Streams workers (`mloda stream --batches redis://...`, `mloda
# produce`); redis-server (with redis-tools: redis-cli, redis-benchmark): their tests and
# benchmark, which start their own server.
pkgs="cmake ninja-build gcc g++ binutils clang libclang-rt-14-dev python3 pkg-config libpcre2-dev
      libyajl-dev libsqlite3-dev libutf8proc-dev zlib1g-dev sqlite3
      python3-dev python3-numpy python3-pandas python3-pytest python3-pip python3-setuptools
      python3-wheel python3-venv libmicrohttpd-dev curl chromium chromium-driver wrk
      libhiredis-dev redis-server redis-tools"
# Node from another source (e.g. NodeSource, whose nodejs carries npm) serves as well.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing
fi
# tests/arrow/node_modules: the versions of tests/arrow/package-lock.json (skipped when
# installed after the lock file last changed).
arrow_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/arrow"
if ! [ "$arrow_dir/node_modules/.package-lock.json" -nt "$arrow_dir/package-lock.json" ]; then
    (cd "$arrow_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
