#!/usr/bin/env bash
# Structural checks (STYLE.md §9, §11): no file includes a header of a higher layer
# (util < table < feature < plan < run < groups < io < serve < cli), the shared library exports
# only mloda_* symbols, and every global symbol of the static libraries has that prefix. Prints "# layers: N passed, N failed".
#   scripts/check_layers.sh [BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
layers="util table feature plan run groups io serve cli"
rank() { local i=0; for l in $layers; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo 99; }
passed=0
failed=0
for dir in $layers; do
    r=$(rank "$dir")
    for f in src/$dir/*.c src/$dir/*.h; do
        [ -f "$f" ] || continue
        while IFS= read -r inc; do
            layer=${inc%%/*}
            [ "$layer" = "mloda" ] && continue
            if [ "$(rank "$layer")" -gt "$r" ]; then
                echo "FAIL layers: $f includes $inc (layer $layer is above $dir)"
                failed=$((failed + 1))
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
[ "$failed" -eq 0 ] && passed=$((passed + 1))
# The Python extension is a client of the public API only (DESIGN.md §2): python/src includes
# <mloda/...> and its own headers, never the engine's internal ones.
bad=$(grep -HnE '^#include' python/src/*.c python/src/*.h 2>/dev/null |
      grep -vE '#include (<mloda/[a-z_]+\.h>|"core\.h"|<[A-Za-z0-9_./]+\.h>)' || true)
bad2=$(grep -HnE '^#include <(util|table|feature|plan|run|groups|io|cli)/' python/src/*.[ch] 2>/dev/null || true)
if [ -n "$bad$bad2" ]; then
    echo "FAIL layers: the Python extension includes engine internals: $(echo "$bad$bad2" | head -n 3)"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
lib=$(ls "$build"/libmloda.so* 2>/dev/null | head -n 1)
if [ -n "$lib" ]; then
    extra=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -vE '^(mloda_|_init$|_fini$|_edata$|_end$|__bss_start$|__gcov|__llvm|mangle_path$)' || true)
    if [ -n "$extra" ]; then
        echo "FAIL exports: $lib exports non-mloda symbols: $(echo "$extra" | head -n 5 | tr '\n' ' ')"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
fi
# Static libraries: every global symbol carries the prefix, so that the library links into
# any program without name clashes. ASan adds an ODR indicator __odr_asan.<global> per
# global; the global it names must have the prefix.
for a in "$build"/libmloda*.a; do
    [ -f "$a" ] || continue
    extra=$(nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBRCVW]/ {print $3}' |
            sed 's/^__odr_asan\.//' | grep -vE '^(mloda_|__gcov|__llvm)' | sort -u || true)
    if [ -n "$extra" ]; then
        echo "FAIL globals: $a defines symbols without the mloda_ prefix: $(echo "$extra" | head -n 8 | tr '\n' ' ')"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "# layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
