#!/usr/bin/env bash
# Installs what building and testing mloda-c needs on Debian (run as root or with sudo).
# Skips apt when every package is already installed.
set -eu
# g++, binutils (nm, readelf) and zlib1g-dev (sqlite3.pc's static -lz) serve the installed-tree
# test (tests/install/run.sh).
pkgs="cmake ninja-build gcc g++ binutils clang libclang-rt-14-dev python3 pkg-config libpcre2-dev
      libyajl-dev libsqlite3-dev libutf8proc-dev zlib1g-dev sqlite3"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
