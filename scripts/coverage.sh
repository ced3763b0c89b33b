#!/usr/bin/env bash
# Line and branch coverage of the library and the command by the whole test suite:
# builds the "coverage" preset (gcc --coverage), runs every test, and writes
# build-coverage/coverage.html plus a summary on stdout (gcovr).
#   scripts/coverage.sh
set -u
cd "$(dirname "$0")/.."
./scripts/deps.sh
command -v gcovr >/dev/null 2>&1 || {
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q gcovr >/dev/null
}
cmake --preset coverage >/dev/null && cmake --build build-coverage -j2 >/dev/null || exit 1
find build-coverage -name '*.gcda' -delete
./tests/run_all.sh build-coverage coverage --quick | tail -n 1
gcovr --root . --filter 'src/' build-coverage --print-summary \
      --html-details build-coverage/coverage.html --exclude-unreachable-branches \
      --gcov-ignore-parse-errors 2>/dev/null | tail -n 3
