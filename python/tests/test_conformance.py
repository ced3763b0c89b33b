"""Every conformance case (../shared/conformance: mloda's own results) through mloda_c:
the same request as `mloda run` / `mloda stream` reads, made with mloda's Python API, must
give mloda's values, and the same tables as the C engine's command in the same order.

Each run case is computed through three result types (PythonDict, MlodaCFrame, pandas);
stream cases through prepare() + stream_run() per batch; error cases must raise naming
every word the case lists.
"""
import datetime
import json
import math
import os
import subprocess

import pytest

from conftest import conformance_dir
from mloda_c.user import Feature, Options, mloda

CONF = conformance_dir()
CASES = sorted(d for d in os.listdir(os.path.join(CONF, "cases"))) if CONF else []
REL, ABS = 1e-9, 1e-12


def eq_value(a, b):
    """check.py's comparison: null == null, bool only bool, numbers with tolerance."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return False
        return abs(fa - fb) <= max(ABS, REL * max(abs(fa), abs(fb)))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(eq_value(x, y) for x, y in zip(a, b))
    return False


def plain(v):
    """A result value as JSON would hold it (NaN/NA/NaT -> None, datetimes as ISO text)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)) or type(v).__name__ == "ndarray":
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    tname = type(v).__name__
    if tname in ("NAType", "NaTType"):
        return None
    if tname == "Timestamp":
        return v.to_pydatetime().isoformat()
    if tname.startswith("bool"):
        return bool(v)
    if tname.startswith(("int", "uint")):
        return int(v)
    if isinstance(v, float) or tname.startswith("float"):
        return None if math.isnan(float(v)) else float(v)
    return v


def as_tables(results, framework):
    out = []
    for r in results:
        if framework == "PythonDict":
            cols = r
        elif framework == "MlodaCFrame":
            cols = r.to_pydict()
        else:  # pandas
            cols = {c: list(r[c]) for c in r.columns}
        out.append({str(k): [plain(x) for x in v] for k, v in cols.items()})
    return out


def compare(expected, got, where=""):
    """Tables matched by their column sets; every expected table exactly once."""
    remaining = list(got)
    for et in expected:
        key = sorted(et)
        idx = next((i for i, g in enumerate(remaining) if sorted(g) == key), None)
        assert idx is not None, f"{where}missing table {key}; got {[sorted(g) for g in got]}"
        gt = remaining.pop(idx)
        for col, evals in et.items():
            gvals = gt[col]
            assert len(gvals) == len(evals), f"{where}{col}: {len(gvals)} rows, expected {len(evals)}"
            for i, (e, g) in enumerate(zip(evals, gvals)):
                assert eq_value(e, g), f"{where}{col} row {i}: got {g!r}, expected {e!r}"
    assert not remaining, f"{where}extra tables {[sorted(g) for g in remaining]}"


def load_case(name):
    d = os.path.join(CONF, "cases", name)
    with open(os.path.join(d, "request.json"), encoding="utf-8") as f:
        req = json.load(f)
    with open(os.path.join(d, "expected.json"), encoding="utf-8") as f:
        exp = json.load(f)
    batches = None
    bpath = os.path.join(d, "batches.ndjson")
    if os.path.exists(bpath):
        with open(bpath, encoding="utf-8") as f:
            batches = [json.loads(line) for line in f if line.strip()]
    return d, req, exp, batches


def features_of(req):
    out = []
    for f in req["features"]:
        if isinstance(f, str):
            out.append(f)
            continue
        opts = f.get("options") or {}
        if set(opts) <= {"group", "context"} and opts and all(isinstance(v, dict) for v in opts.values()):
            out.append(Feature(f["name"], Options(group=opts.get("group"), context=opts.get("context"))))
        else:  # a plain options object: context options, as the request format says
            out.append(Feature(f["name"], Options(context=opts)))
    return out


def api_of(data, ts_cols):
    """api_data with the timestamp columns as datetime objects (the request's ISO text)."""
    out = {}
    for table, cols in data.items():
        out[table] = {}
        for c, values in cols.items():
            if c in ts_cols:
                values = [None if v is None else datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
                          for v in values]
            out[table][c] = values
    return out


def cli_tables(mloda_bin, case_dir, stream):
    req = os.path.join(case_dir, "request.json")
    cmd = [mloda_bin, "stream", "--request", req, "--batches", os.path.join(case_dir, "batches.ndjson"),
           "--format", "ndjson"] if stream else [mloda_bin, "run", "--request", req, "--format", "ndjson"]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


pytestmark = pytest.mark.skipif(not CASES, reason="conformance cases not found (MLODA_CONFORMANCE)")


@pytest.mark.parametrize("framework", ["PythonDict", "MlodaCFrame", "PandasDataFrame"])
@pytest.mark.parametrize("case", CASES)
def test_case(case, framework):
    d, req, exp, batches = load_case(case)
    ts = set(exp.get("timestamp_input_columns") or [])
    feats = features_of(req)
    api = api_of(req.get("api_data", {}), ts)
    if exp["kind"] == "run":
        got = as_tables(mloda.run_all(feats, compute_frameworks=[framework], api_data=api), framework)
        compare([t["columns"] for t in exp["tables"]], got)
    elif exp["kind"] == "stream":
        session = mloda.prepare(feats, compute_frameworks=[framework], api_data=api)
        for i, batch in enumerate(batches):
            got = as_tables(list(session.stream_run(api_data=api_of(batch, ts))), framework)
            compare([t["columns"] for t in exp["tables"][i]], got, f"batch {i}: ")
    else:
        words = [w.lower() for w in exp.get("error_contains", [])]
        seen = []
        with pytest.raises(Exception) as info:
            if batches is None:
                mloda.run_all(feats, compute_frameworks=[framework], api_data=api)
            else:
                session = mloda.prepare(feats, compute_frameworks=[framework], api_data=api)
                for batch in batches:
                    seen.append(as_tables(list(session.stream_run(api_data=api_of(batch, ts))), framework))
        assert isinstance(info.value, ValueError) or type(info.value).__name__ == "MlodaRunError", \
            f"{type(info.value).__name__}: {info.value}"
        text = str(info.value).lower()
        missing = [w for w in words if w not in text]
        assert not missing, f"message lacks {missing}: {info.value}"
        if exp.get("error_batch") is not None:
            assert len(seen) == exp["error_batch"]
            for i, tables in enumerate(seen):
                compare([t["columns"] for t in exp["tables"][i]], tables, f"batch {i}: ")


@pytest.mark.parametrize("case", CASES)
def test_same_as_c_engine(case, mloda_bin):
    """mloda_c gives what `mloda run` / `mloda stream` give, table for table (run: in the
    same plan order)."""
    d, req, exp, batches = load_case(case)
    if exp["kind"] == "error":
        pytest.skip("error case")
    ts = set(exp.get("timestamp_input_columns") or [])
    feats = features_of(req)
    api = api_of(req.get("api_data", {}), ts)
    cli = cli_tables(mloda_bin, d, batches is not None)
    if batches is None:
        got = as_tables(mloda.run_all(feats, compute_frameworks=["PythonDict"], api_data=api), "PythonDict")
        want = [t["columns"] for t in cli]
        assert [list(t) for t in got] == [list(t) for t in want], "tables or their order differ"
        compare(want, got)
    else:
        session = mloda.prepare(feats, compute_frameworks=["PythonDict"], api_data=api)
        for i, batch in enumerate(batches):
            got = as_tables(list(session.stream_run(api_data=api_of(batch, ts))), "PythonDict")
            compare([t["columns"] for t in cli if t["batch"] == i], got, f"batch {i}: ")
