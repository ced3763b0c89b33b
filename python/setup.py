"""Build of mloda_c: the CPython extension mloda_c._core plus the Python layer.

The extension is compiled from python/src/*.c against the public headers (include/mloda/),
and the engine itself is compiled from the repository's src/ into the same shared object,
with the engine's own flags (C11, hidden visibility, -O3 for the kernels), in parallel.
Nothing is downloaded: Debian's gcc, python3-dev, pkg-config, libyajl-dev, libsqlite3-dev,
libpcre2-dev and libutf8proc-dev are all it needs (scripts/deps.sh installs them).

    pip install --no-build-isolation ./python

Environment:
    MLODA_C_SYSTEM_LIBRARY=1   link the installed libmloda (pkg-config mloda) instead of
                               compiling the engine's sources
    MLODA_C_JOBS=N             parallel compile jobs for the engine (default: cores)
"""
import concurrent.futures
import glob
import os
import shlex
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINE_LAYERS = ["util", "table", "feature", "plan", "run", "groups", "io"]
# kernels are built at -O3 as in CMakeLists.txt (GCC's -O2 skips loops that need a remainder)
KERNELS = ["src/groups/", "src/table/take.c", "src/run/filter_exec.c", "src/run/join_exec.c"]
WARNINGS = ["-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes",
            "-Wvla", "-Wformat=2", "-Wimplicit-fallthrough"]


def pkg_config(args, fallback):
    try:
        out = subprocess.run(["pkg-config"] + args, check=True, capture_output=True, text=True)
        return shlex.split(out.stdout)
    except (OSError, subprocess.CalledProcessError):
        return fallback


def use_system_library():
    return os.environ.get("MLODA_C_SYSTEM_LIBRARY", "") not in ("", "0")


def engine_sources():
    srcs = []
    for layer in ENGINE_LAYERS:
        srcs += sorted(glob.glob(os.path.join(ROOT, "src", layer, "*.c")))
    return srcs


class BuildExt(build_ext):
    """Compiles the engine's sources (once, in parallel) and links them into the extension."""

    def build_extension(self, ext):
        if not use_system_library():
            srcs = engine_sources()
            if not srcs:
                raise RuntimeError(
                    "mloda_c: the engine's sources were not found next to python/ (expected "
                    f"{os.path.join(ROOT, 'src')}); build from a checkout of the repository, "
                    "or set MLODA_C_SYSTEM_LIBRARY=1 to link an installed libmloda")
            ext.extra_objects = self.compile_engine(srcs) + list(ext.extra_objects or [])
        super().build_extension(ext)

    def compile_engine(self, srcs):
        inc = [os.path.join(ROOT, "include"), os.path.join(ROOT, "src")]
        macros = [("_POSIX_C_SOURCE", "200809L"), ("NDEBUG", None)]
        base = ["-std=c11", "-fvisibility=hidden", "-fPIC"]
        extra = shlex.split(os.environ.get("MLODA_C_CFLAGS", ""))

        headers = glob.glob(os.path.join(ROOT, "include", "mloda", "*.h")) + glob.glob(
            os.path.join(ROOT, "src", "*", "*.h"))
        newest_header = max((os.path.getmtime(h) for h in headers), default=0)

        def one(src):
            rel = os.path.relpath(src, ROOT)
            obj = self.compiler.object_filenames([src], output_dir=self.build_temp)[0]
            if (not self.force and os.path.exists(obj) and
                    os.path.getmtime(obj) >= max(os.path.getmtime(src), newest_header)):
                return [obj]  # up to date
            opt = "-O3" if any(rel.startswith(k) for k in KERNELS) else "-O2"
            return self.compiler.compile([src], output_dir=self.build_temp, macros=macros,
                                         include_dirs=inc, extra_postargs=base + [opt] + extra)

        jobs = int(os.environ.get("MLODA_C_JOBS", "0")) or os.cpu_count() or 2
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            objs = [o for result in pool.map(one, srcs) for o in result]
        return objs


def extension():
    sources = sorted(glob.glob(os.path.join("src", "*.c")))
    deps = ["yajl", "sqlite3", "libpcre2-8", "libutf8proc"]
    if use_system_library():
        cflags = pkg_config(["--cflags", "mloda"], [])
        libs = pkg_config(["--libs", "mloda"], ["-lmloda"])
    else:
        cflags = ["-I" + os.path.join(ROOT, "include")]
        libs = pkg_config(["--libs"] + deps, ["-lyajl", "-lsqlite3", "-lpcre2-8", "-lutf8proc"])
    libs += ["-lpthread", "-lm"]
    return Extension(
        "mloda_c._core",
        sources=sources,
        depends=glob.glob(os.path.join("src", "*.h")),
        extra_compile_args=["-std=c11"] + WARNINGS + cflags + shlex.split(
            os.environ.get("MLODA_C_CFLAGS", "")),
        extra_link_args=libs + shlex.split(os.environ.get("MLODA_C_LDFLAGS", "")),
    )


setup(
    packages=["mloda_c", "mloda_c.user", "mloda_c.provider"],
    ext_modules=[extension()],
    cmdclass={"build_ext": BuildExt},
)
