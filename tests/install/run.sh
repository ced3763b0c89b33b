#!/usr/bin/env bash
# run.sh BUILD_DIR: installs BUILD_DIR into a temporary prefix (cmake --install --prefix)
# and uses the installed tree as a user would:
#   - the layout: headers, libmloda.a, libmloda.so with its SONAME link, the command,
#     mloda.pc, the CMake package;
#   - every function declared MLODA_API in the installed headers is exported by
#     libmloda.so (nm -D) and defined in libmloda.a;
#   - each installed header compiles alone, as C11 and as C++;
#   - every examples/*.c is built against the installed tree and its output compared with
#     tests/examples/<name>.expected: with `cc $(pkg-config --cflags --libs mloda)` (shared,
#     run with LD_LIBRARY_PATH), with `pkg-config --static --libs mloda` and libmloda.a, and
#     through tests/install/CMakeLists.txt (find_package(mloda): mloda::mloda and
#     mloda::mloda_static).
# Prints "ok   what" or "FAIL what: why" per check and "# install: N passed, N failed".
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM # through the EXIT trap
prefix=$tmp/prefix
CC=${CC:-cc}
CXX=${CXX:-c++}
passed=0
failed=0

pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() { echo "# install: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    fail "install: cmake --install $build failed"
    tail -n 20 "$tmp/install.log"
    finish
fi
pass "install into a temporary prefix"

# ------------------------------------------------------------------ layout
pc=$(find "$prefix" -name mloda.pc -path '*/pkgconfig/*' | head -n 1)
libdir=$(dirname "$(dirname "${pc:-$prefix/lib/pkgconfig/mloda.pc}")")
missing=""
for f in bin/mloda include/mloda/mloda.h include/mloda/io.h; do
    [ -f "$prefix/$f" ] || missing="$missing $f"
done
for f in libmloda.a libmloda.so pkgconfig/mloda.pc cmake/mloda/mloda-config.cmake \
         cmake/mloda/mloda-config-version.cmake; do
    [ -e "$libdir/$f" ] || missing="$missing ${libdir#"$prefix"/}/$f"
done
for h in "$root"/include/mloda/*.h; do
    [ -f "$prefix/include/mloda/${h##*/}" ] || missing="$missing include/mloda/${h##*/}"
done
if [ -z "$missing" ]; then
    pass "layout"
else
    fail "layout: not installed:$missing"
    finish
fi
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
version=$(pkg-config --modversion mloda)
read -ra pc_cflags <<<"$(pkg-config --cflags mloda)"
# mloda.pc names every library libmloda.a links (the static builds below need them)
requires=$(pkg-config --print-requires-private mloda | awk '{print $1}' | sort | tr '\n' ' ')
if [ "$requires" = "libpcre2-8 libutf8proc sqlite3 yajl " ]; then
    pass "mloda.pc requires (private) $requires"
else
    fail "mloda.pc: Requires.private is '$requires', want libpcre2-8 libutf8proc sqlite3 yajl"
fi
soname=$(readelf -d "$libdir/libmloda.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libmloda.so.${version%%.*}" ] && [ -e "$libdir/$soname" ]; then
    pass "libmloda.so has SONAME $soname, installed as a link"
else
    fail "soname: libmloda.so's SONAME is '$soname' (want libmloda.so.${version%%.*}, installed)"
fi
if [ "$("$prefix/bin/mloda" --version 2>&1)" = "mloda $version" ]; then
    pass "bin/mloda --version says $version"
else
    fail "bin/mloda --version: '$("$prefix/bin/mloda" --version 2>&1)', want 'mloda $version'"
fi

# ------------------------------------------------------------------ symbols
# The functions the installed headers declare MLODA_API (not the static inline helpers).
# Under GCC and clang MLODA_API is __attribute__((visibility("default"))), so the
# preprocessed headers (comments gone, every header once) show each such declaration.
for h in "$prefix"/include/mloda/*.h; do
    echo "#include <mloda/${h##*/}>"
done >"$tmp/all.c"
"$CC" -std=c11 -E -P "${pc_cflags[@]}" "$tmp/all.c" | tr '\n' ' ' |
    grep -oE 'visibility *\( *"default" *\) *\) *\)[^;{}()]*\(' |
    sed -E 's/[[:space:]]*\($//; s/.*[^A-Za-z0-9_]//' | sort -u >"$tmp/api"
n_api=$(wc -l <"$tmp/api")
nm -D --defined-only "$libdir/libmloda.so" | awk '$2 == "T" {print $3}' | sort -u >"$tmp/so"
nm -g --defined-only "$libdir/libmloda.a" 2>/dev/null | awk 'NF == 3 && $2 == "T" {print $3}' |
    sort -u >"$tmp/a"
if [ "$n_api" -lt 100 ]; then
    fail "api: only $n_api MLODA_API functions found in the installed headers (parser broken?)"
else
    for lib in so a; do
        absent=$(comm -23 "$tmp/api" "$tmp/$lib")
        if [ -z "$absent" ]; then
            pass "libmloda.$lib defines all $n_api MLODA_API functions of the installed headers"
        else
            fail "libmloda.$lib lacks $(wc -l <<<"$absent") MLODA_API functions: $(head -n 8 <<<"$absent" | tr '\n' ' ')"
        fi
    done
fi

# ------------------------------------------------------------------ headers alone
bad=""
for h in "$prefix"/include/mloda/*.h; do
    echo "#include <mloda/${h##*/}>" >"$tmp/h.c"
    "$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only "${pc_cflags[@]}" "$tmp/h.c" \
        >>"$tmp/h.log" 2>&1 || bad="$bad ${h##*/}"
done
if [ -z "$bad" ]; then
    pass "installed headers compile alone as C11"
else
    fail "headers as C11:$bad"
    head -n 20 "$tmp/h.log"
fi
if command -v "$CXX" >/dev/null 2>&1; then
    bad=""
    for h in "$prefix"/include/mloda/*.h; do
        echo "#include <mloda/${h##*/}>" >"$tmp/h.cpp"
        "$CXX" -std=c++11 -Wall -Wextra -Werror -fsyntax-only "${pc_cflags[@]}" "$tmp/h.cpp" \
            >>"$tmp/hpp.log" 2>&1 || bad="$bad ${h##*/}"
    done
    if [ -z "$bad" ]; then
        pass "installed headers compile alone as C++"
    else
        fail "headers as C++:$bad"
        head -n 20 "$tmp/hpp.log"
    fi
fi

# ------------------------------------------------------------------ examples
# check_run LABEL BINARY NAME [env...]: runs BINARY and compares with NAME.expected.
check_run() {
    local label=$1 bin=$2 name=$3
    shift 3
    if diff -u "$root/tests/examples/$name.expected" <(env "$@" timeout 60 "$bin" 2>&1) \
        >"$tmp/diff" 2>&1; then
        pass "$label $name"
    else
        fail "$label $name: output differs from tests/examples/$name.expected"
        head -n 20 "$tmp/diff"
    fi
}
# uses_installed_so BINARY [env...]: the loader resolves libmloda.so.N in the prefix.
uses_installed_so() {
    local bin=$1
    shift
    env "$@" ldd "$bin" | grep -q "libmloda\.so.* => $libdir/"
}

cflags="-std=c11 -Wall -Wextra -Wpedantic -Werror"
static_libs=$(pkg-config --static --libs mloda | sed -E 's/(^|[[:space:]])-lmloda([[:space:]]|$)/\1-l:libmloda.a\2/')
mkdir -p "$tmp/pc"
for src in "$root"/examples/*.c; do
    name=$(basename "$src" .c)
    [ -f "$root/tests/examples/$name.expected" ] || { fail "example $name: no expected output"; continue; }
    # shellcheck disable=SC2046,SC2086
    if ! "$CC" $cflags "$src" -o "$tmp/pc/$name" $(pkg-config --cflags --libs mloda) \
        >"$tmp/cc.log" 2>&1; then
        fail "pkg-config shared $name: does not build"
        head -n 20 "$tmp/cc.log"
    elif ! uses_installed_so "$tmp/pc/$name" LD_LIBRARY_PATH="$libdir"; then
        fail "pkg-config shared $name: does not load the installed libmloda.so"
    else
        check_run "pkg-config shared" "$tmp/pc/$name" "$name" LD_LIBRARY_PATH="$libdir"
    fi
    # shellcheck disable=SC2046,SC2086
    if ! "$CC" $cflags $(pkg-config --static --cflags mloda) "$src" -o "$tmp/pc/${name}_static" \
        $static_libs >"$tmp/cc.log" 2>&1; then
        fail "pkg-config static $name: does not build with '$static_libs'"
        head -n 20 "$tmp/cc.log"
    elif readelf -d "$tmp/pc/${name}_static" | grep -q 'NEEDED.*libmloda'; then
        fail "pkg-config static $name: links libmloda.so, not libmloda.a"
    else
        check_run "pkg-config static" "$tmp/pc/${name}_static" "$name"
    fi
done

gen=""
command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
# shellcheck disable=SC2086
if cmake -S "$here" -B "$tmp/cm" $gen -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
        -DMLODA_EXAMPLES_DIR="$root/examples" -DMLODA_WANT_VERSION="$version" \
        >"$tmp/cm.log" 2>&1 && cmake --build "$tmp/cm" -j2 >>"$tmp/cm.log" 2>&1; then
    found=$(sed -n 's/^mloda_DIR:[A-Z]*=//p' "$tmp/cm/CMakeCache.txt")
    if [ "$found" = "$libdir/cmake/mloda" ]; then
        pass "find_package(mloda $version) builds the examples (mloda::mloda, mloda::mloda_static)"
    else
        fail "find_package(mloda): found '$found', not the installed $libdir/cmake/mloda"
    fi
    for src in "$root"/examples/*.c; do
        name=$(basename "$src" .c)
        [ -f "$root/tests/examples/$name.expected" ] || continue
        if uses_installed_so "$tmp/cm/${name}_shared"; then # RUNPATH set by CMake
            check_run "cmake mloda::mloda" "$tmp/cm/${name}_shared" "$name"
        else
            fail "cmake mloda::mloda $name: does not load the installed libmloda.so"
        fi
        if readelf -d "$tmp/cm/${name}_static" | grep -q 'NEEDED.*libmloda'; then
            fail "cmake mloda::mloda_static $name: links libmloda.so, not libmloda.a"
        else
            check_run "cmake mloda::mloda_static" "$tmp/cm/${name}_static" "$name"
        fi
    done
else
    fail "find_package(mloda): the CMake project over the installed tree does not build"
    tail -n 30 "$tmp/cm.log"
fi
finish
