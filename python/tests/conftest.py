"""Shared fixtures of the mloda_c tests.

The tests import the installed package (pip install ./python) or the one the CMake build
stages (PYTHONPATH=BUILD/python; tests/run_all.sh sets it). The `mloda` command and the
conformance cases are found through MLODA_BIN / MLODA_CONFORMANCE, else next to the
repository (build/mloda, ../shared/conformance); tests that need them are skipped when
they are absent (a pip-only install).
"""
import gc
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _first(*paths):
    for p in paths:
        if p and os.path.exists(p):
            return p
    return None


@pytest.fixture(scope="session")
def mloda_bin():
    path = _first(os.environ.get("MLODA_BIN"), os.path.join(REPO, "build", "mloda"),
                  os.path.join(REPO, "build-release", "mloda"))
    if path is None:
        pytest.skip("the mloda command is not built (set MLODA_BIN)")
    return path


def conformance_dir():
    return _first(os.environ.get("MLODA_CONFORMANCE"),
                  os.path.join(os.path.dirname(REPO), "shared", "conformance"))


@pytest.fixture(autouse=True)
def _no_leaked_objects():
    """Every test must leave no engine object alive once its own references are gone (and
    feature groups a test defines go with it)."""
    import mloda_c
    gc.collect()
    yield
    gc.collect()
    live = mloda_c.live_objects()
    busy = {k: v for k, v in live.items() if v and k not in ("stash",)}
    # sessions held by module-level state (registry caches hold none) must be gone too
    assert not busy, f"objects left alive after the test: {busy}"


def pytest_report_header(config):
    import mloda_c
    return [f"mloda_c {mloda_c.__version__} from {os.path.dirname(mloda_c.__file__)}, "
            f"engine {mloda_c.engine_version}, python {sys.executable}"]
