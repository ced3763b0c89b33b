#!/usr/bin/env python3
"""Arrow IPC interop of the real `mloda` command with a third-party Arrow implementation:
the apache-arrow JavaScript package (tests/arrow/node_modules, `npm ci` by scripts/deps.sh),
driven through tests/arrow/arrow_tool.mjs.

  (a) apache-arrow reads what `mloda run --format arrow` and `mloda stream --format arrow`
      write (streams one after another): column names, Arrow types, values, nulls and the
      mloda.group / mloda.batch schema metadata are checked against values worked out here
      from the input (aggregates: sum, mean, max and sample std computed in Python);
  (b) apache-arrow writes IPC streams of every column type mloda takes (int64, float64,
      bool, utf8, timestamp, null, and the widened int8..uint32, float32, large_utf8) that
      `mloda stream --batches-format arrow` reads from a file, from stdin and from a
      directory of .arrows files; the NDJSON results are checked value by value;
  (c) streams mloda refuses (a dictionary column, a compressed body, a truncated stream,
      bytes that are no stream, a type the request does not take) end with exit 1 and a
      message naming what and where, never a crash;
  (d) `mloda serve`: an Arrow IPC body written by apache-arrow, the Arrow IPC answer read
      back by apache-arrow, values checked.

    tests/arrow/test_arrow_interop.py BUILD_DIR
Prints "ok  name" / "FAIL name: why" lines and "# arrow: N passed, N failed".
"""
import datetime
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "arrow_tool.mjs")
passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}"[:2000])


def run(args, stdin=None, cwd=None):
    p = subprocess.run(args, input=stdin, capture_output=True, timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def js_dump(data):
    code, out, err = run(["node", TOOL, "dump", "-"], stdin=data)
    if code != 0:
        raise RuntimeError(f"apache-arrow could not read the stream: {err.strip()[:600]}")
    return json.loads(out)


def js_write(spec, path, scratch):
    spec_path = os.path.join(scratch, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    code, _, err = run(["node", TOOL, "write", spec_path, path])
    if code != 0:
        raise RuntimeError(f"apache-arrow could not write the stream: {err.strip()[:600]}")


def same_float(a, b, rel=1e-12):
    if a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def iso(value, unit):
    """ISO text of an epoch count in unit s/ms/us, as mloda writes timestamps."""
    per = {"s": 1, "ms": 1000, "us": 1000000}[unit]
    sec, frac = divmod(int(value), per)
    micros = frac * (1000000 // per)
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=sec, microseconds=micros)
    return t.isoformat()


def aggregates(values):
    xs = [v for v in values if v is not None]
    n = len(values)
    return {
        "__sum_aggr": [math.fsum(xs)] * n,
        "__mean_aggr": [math.fsum(xs) / len(xs) if xs else float("nan")] * n,
        "__max_aggr": [max(xs) if xs else None] * n,
        # n < 2: NaN in mloda (SPEC), a null in mloda-c's columns (JSON has no NaN)
        "__std_aggr": [statistics.stdev(xs) if len(xs) > 1 else None] * n,
    }


def columns_by_name(streams):
    """{column: (stream, field)} over streams that each hold one record batch."""
    out = {}
    for s in streams:
        for f in s["fields"]:
            out[f["name"]] = (s, f)
    return out


# ------------------------------------------------------------------ (a) mloda writes

def test_run_format_arrow(mloda, scratch):
    value = [1.25, None, -3.5, 1e-300, 2.0 ** 60, 0.1]
    k = [1, -9007199254740993, None, 0, 2 ** 62, -1]
    flag = [True, False, None, True, True, False]
    name = ["a", "", None, "h\u00e9llo \u2603", "tab\there", "\"q\""]
    at = ["2024-01-01T00:00:00", None, "1970-01-01T00:00:00.000001", "2024-02-29T23:59:59.5",
          "1969-12-31T23:59:59", "2038-01-19T03:14:08"]
    at_us = [1704067200000000, None, 1, 1709251199500000, -1000000, 2147483648000000]
    features = ["value", "k", "flag", "name", "at", "value__sum_aggr", "value__mean_aggr",
                "value__max_aggr", "value__std_aggr"]
    req = {"features": features,
           "api_data": {"T": {"value": value, "k": k, "flag": flag, "name": name, "at": at}}}
    req_path = os.path.join(scratch, "run_request.json")
    with open(req_path, "w") as f:
        json.dump(req, f)
    code, out, err = run([mloda, "run", "--request", req_path, "--format", "arrow"])
    check("run --format arrow: exit 0", code == 0, f"exit {code}: {err}")
    if code != 0:
        return
    streams = js_dump(out)
    check("run: one stream per result table, one record batch each",
          len(streams) == 2 and all(len(s["batches"]) == 1 for s in streams),
          f"{[(s['metadata'], len(s['batches'])) for s in streams]}")
    groups = sorted(s["metadata"].get("mloda.group") for s in streams)
    check("run: mloda.group metadata, no mloda.batch",
          groups == ["AggregatedFeatureGroup", "ApiInputDataFeature"]
          and all("mloda.batch" not in s["metadata"] for s in streams),
          f"{[s['metadata'] for s in streams]}")
    cols = columns_by_name(streams)
    check("run: every requested column once", sorted(cols) == sorted(features),
          f"{sorted(cols)}")
    if sorted(cols) != sorted(features):
        return
    want_types = {"value": ("Float", {"precision": 2}), "k": ("Int", {"bitWidth": 64, "signed": True}),
                  "flag": ("Bool", {}), "name": ("Utf8", {}),
                  "at": ("Timestamp", {"unit": "us", "timezone": None})}
    for c, (t, extra) in want_types.items():
        f = cols[c][1]
        check(f"run: column {c} is {t}",
              f["type"] == t and all(f.get(x) == y for x, y in extra.items()) and f["nullable"],
              f"{f}")
    for c in features[5:]:
        f = cols[c][1]
        check(f"run: column {c} is Float(DOUBLE) in AggregatedFeatureGroup",
              f["type"] == "Float" and f["precision"] == 2
              and cols[c][0]["metadata"]["mloda.group"] == "AggregatedFeatureGroup", f"{f}")

    def got(c):
        return cols[c][0]["batches"][0]["columns"][c]

    check("run: float64 values and nulls", all(same_float(a, b, 0) for a, b in zip(got("value"), value))
          and len(got("value")) == 6, f"{got('value')}")
    check("run: int64 values exact (beyond 2^53) and nulls",
          got("k") == [None if v is None else str(v) for v in k], f"{got('k')}")
    check("run: bool values and nulls", got("flag") == flag, f"{got('flag')}")
    check("run: utf8 values, empty string and nulls", got("name") == name, f"{got('name')}")
    check("run: timestamps as microseconds since the epoch",
          got("at") == [None if v is None else str(v) for v in at_us], f"{got('at')}")
    agg = aggregates(value)
    for op, want in agg.items():
        c = "value" + op
        check(f"run: {c} broadcast on every row", len(got(c)) == 6 and
              all(same_float(a, b) for a, b in zip(got(c), want)), f"{got(c)} vs {want}")


def test_stream_format_arrow(mloda, scratch):
    rnd = random.Random(13)
    batches = []
    for b in range(4):
        n = [5, 1, 0, 300][b]
        vals = [None if rnd.random() < 0.1 else round(rnd.uniform(-1e3, 1e3), 6) for _ in range(n)]
        batches.append(vals)
    lines = ["{\"T\": {\"value\": [" + ", ".join("null" if v is None else f"{v:.6f}" for v in vals)
             + "]}}" for vals in batches]
    bpath = os.path.join(scratch, "batches.ndjson")
    with open(bpath, "w") as f:
        f.write("\n".join(lines) + "\n")
    req = {"features": ["value", "value__mean_aggr", "value__sum_aggr", "value__max_aggr",
                        "value__std_aggr"], "api_data": {"T": {"value": [1.5]}}}
    req_path = os.path.join(scratch, "stream_request.json")
    with open(req_path, "w") as f:
        json.dump(req, f)
    code, out, err = run([mloda, "stream", "--request", req_path, "--batches", bpath,
                          "--format", "arrow"])
    check("stream --format arrow: exit 0", code == 0, f"exit {code}: {err}")
    if code != 0:
        return
    streams = js_dump(out)
    check("stream: two streams per batch, in batch order",
          [s["metadata"].get("mloda.batch") for s in streams]
          == [str(i) for i in range(len(batches)) for _ in range(2)],
          f"{[s['metadata'] for s in streams]}")
    if len(streams) != 2 * len(batches):
        return
    for i, vals in enumerate(batches):
        pair = streams[2 * i: 2 * i + 2]
        cols = columns_by_name(pair)
        rows = [s["batches"][0]["rows"] for s in pair if s["batches"]]
        check(f"stream batch {i}: {len(vals)} rows in both tables (one record batch each)",
              rows == [len(vals)] * 2, f"{rows}")
        if rows != [len(vals)] * 2:
            continue
        got = cols["value"][0]["batches"][0]["columns"]["value"]
        # the NDJSON text parsed by mloda, written as Arrow doubles: exactly Python's float()
        check(f"stream batch {i}: values parsed and written exactly",
              got == [None if v is None else float(f"{v:.6f}") for v in vals],
              f"{got[:5]} vs {vals[:5]}")
        for op, want in aggregates([None if v is None else float(f"{v:.6f}") for v in vals]).items():
            c = "value" + op
            g = cols[c][0]["batches"][0]["columns"][c]
            check(f"stream batch {i}: {c}", cols[c][0]["metadata"]["mloda.group"] ==
                  "AggregatedFeatureGroup" and all(same_float(a, b, 1e-9) for a, b in zip(g, want))
                  and len(g) == len(want), f"{g[:3]} vs {want[:3]}")


# ------------------------------------------------------------------ (b) mloda reads

INPUT_TYPES = {  # column: (type written by apache-arrow, type in the request's example)
    "i": "int64", "f": "float64", "b": "bool", "s": "utf8", "t": "timestamp[ms]",
    "tu": "timestamp[us]", "z": "null", "i8": "int8", "u32": "uint32", "i16": "int16",
    "f32": "float32", "ls": "large_utf8", "ts": "timestamp[s]", "w": "int32",
}
EXAMPLE = {"i": [1], "f": [1.5], "b": [True], "s": ["x"], "t": ["2024-01-01T00:00:00.5"],
           "tu": ["2024-01-01T00:00:00.000001"], "z": [None], "i8": [1], "u32": [1],
           "i16": [1], "f32": [0.5], "ls": ["y"], "ts": ["2024-01-01T00:00:00"],
           "w": [0.5]}  # w: int32 values into a float64 column (widened)


def input_batches(seed, sizes):
    rnd = random.Random(seed)
    out = []
    for n in sizes:
        def maybe(v):
            return None if rnd.random() < 0.15 else v
        b = {
            "i": [maybe(str(rnd.choice([rnd.randint(-2 ** 63, 2 ** 63 - 1), rnd.randint(-9, 9)])))
                  for _ in range(n)],
            "f": [maybe(rnd.choice([rnd.uniform(-1e6, 1e6), 5e-324, -0.0, 1e300]))
                  for _ in range(n)],
            "b": [maybe(rnd.random() < 0.5) for _ in range(n)],
            "s": [maybe(rnd.choice(["", "plain", "\u00fcml\u00e4ut", "\U0001F600 emoji",
                                     "quote\"back\\slash"])) for _ in range(n)],
            "t": [maybe(str(rnd.randint(-10 ** 12, 4 * 10 ** 12))) for _ in range(n)],
            "tu": [maybe(str(rnd.randint(0, 4 * 10 ** 15))) for _ in range(n)],
            "z": [None] * n,
            "i8": [maybe(rnd.randint(-128, 127)) for _ in range(n)],
            "u32": [maybe(rnd.randint(0, 2 ** 32 - 1)) for _ in range(n)],
            "i16": [maybe(rnd.randint(-2 ** 15, 2 ** 15 - 1)) for _ in range(n)],
            "f32": [maybe(rnd.choice([0.5, -2.25, 1024.0, 3.0e-5])) for _ in range(n)],
            "ls": [maybe(rnd.choice(["", "large", "\u00e9"])) for _ in range(n)],
            "ts": [maybe(str(rnd.randint(0, 4 * 10 ** 9))) for _ in range(n)],
            "w": [maybe(rnd.randint(-2 ** 31, 2 ** 31 - 1)) for _ in range(n)],
        }
        out.append(b)
    return out


def f32(x):
    import struct
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected_row_values(b):
    """The NDJSON column values mloda should write for one input batch."""
    exp = {
        "i": [None if v is None else int(v) for v in b["i"]],
        "f": b["f"],
        "b": b["b"],
        "s": b["s"],
        "t": [None if v is None else iso(v, "ms") for v in b["t"]],
        "tu": [None if v is None else iso(v, "us") for v in b["tu"]],
        "z": b["z"],
        "i8": b["i8"], "u32": b["u32"], "i16": b["i16"],
        "f32": [None if v is None else f32(v) for v in b["f32"]],
        "ls": b["ls"],
        "ts": [None if v is None else iso(v, "s") for v in b["ts"]],
        "w": [None if v is None else float(v) for v in b["w"]],
    }
    agg = aggregates(b["f"])
    exp["f__sum_aggr"] = agg["__sum_aggr"]
    exp["f__max_aggr"] = agg["__max_aggr"]
    ints = [int(v) for v in b["i"] if v is not None]
    exp["i__max_aggr"] = [max(ints) if ints else None] * len(b["i"])
    return exp


def compare_batch(label, got, exp):
    problems = []
    for c, want in exp.items():
        g = got.get(c)
        if g is None or len(g) != len(want):
            problems.append(f"{c}: {g!r:.200} vs {want!r:.200}")
            continue
        if c.startswith("f") or c == "w":
            ok = all(same_float(x, y, 0 if "aggr" not in c else 1e-12) and
                     (x is None or y is None or math.copysign(1, x) == math.copysign(1, y))
                     for x, y in zip(g, want))
        else:
            ok = g == want and all(type(x) is type(y) for x, y in zip(g, want))
        if not ok:
            bad = [(r, x, y) for r, (x, y) in enumerate(zip(g, want)) if x != y][:3]
            problems.append(f"{c}: rows {bad}")
    check(label, not problems, "; ".join(problems))


def parse_results(out):
    res = {}
    for line in out.decode().splitlines():
        obj = json.loads(line)
        res.setdefault(obj["batch"], {}).update(obj["columns"])
    return res


def test_stream_reads_arrow(mloda, scratch):
    cols = list(INPUT_TYPES)
    # 6000 rows: a record batch body larger than the reader's 256 KiB chunk
    streams_in = [input_batches(1, [7, 0, 64, 6000]), input_batches(2, [1, 9])]
    spec = {"streams": [{"columns": [{"name": c, "type": INPUT_TYPES[c]} for c in cols],
                         "batches": bs} for bs in streams_in]}
    all_batches = [b for bs in streams_in for b in bs]
    arrows = os.path.join(scratch, "in.arrows")
    js_write(spec, arrows, scratch)
    feats = cols + ["f__sum_aggr", "f__max_aggr", "i__max_aggr"]
    req_path = os.path.join(scratch, "read_request.json")
    with open(req_path, "w") as f:
        json.dump({"features": feats, "api_data": {"T": EXAMPLE}}, f)

    def verify(how, code, out, err, batches):
        check(f"stream --batches-format arrow ({how}): exit 0", code == 0, f"exit {code}: {err}")
        if code != 0:
            return
        res = parse_results(out)
        check(f"{how}: one result per record batch", sorted(res) == list(range(len(batches))),
              f"{sorted(res)}")
        for i, b in enumerate(batches):
            if i in res:
                compare_batch(f"{how}: batch {i} ({len(b['i'])} rows) values", res[i],
                              expected_row_values(b))

    base = [mloda, "stream", "--request", req_path, "--batches-format", "arrow", "--format",
            "ndjson"]
    code, out, err = run(base + ["--batches", arrows])
    verify("file", code, out, err, all_batches)
    with open(arrows, "rb") as f:
        data = f.read()
    code, out, err = run(base + ["--batches", "-"], stdin=data)
    verify("stdin", code, out, err, all_batches)
    # a directory: one stream per file, taken in name order; other files are skipped
    d = os.path.join(scratch, "dir")
    os.mkdir(d)
    js_write({"streams": [spec["streams"][1]]}, os.path.join(d, "a.arrows"), scratch)
    js_write({"streams": [spec["streams"][0]]}, os.path.join(d, "b.arrows"), scratch)
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("not a stream\n")
    code, out, err = run(base + ["--batches", d, "--table", "T"])
    verify("directory", code, out, err, streams_in[1] + streams_in[0])
    check("directory: the other file is skipped with a note", "notes.txt" in err, err)
    # round trip: arrow in, arrow out, read back by apache-arrow (exact int64, timestamp unit)
    code, out, err = run(base[:-2] + ["--format", "arrow", "--batches", arrows])
    check("arrow in, arrow out: exit 0", code == 0, err)
    if code == 0:
        back = js_dump(out)
        inputs = [s for s in back if s["metadata"]["mloda.group"] == "ApiInputDataFeature"]
        ok = len(inputs) == len(all_batches)
        for s, b in zip(inputs, all_batches):
            got = s["batches"][0]["columns"]
            f = {x["name"]: x for x in s["fields"]}
            ok = ok and got["i"] == b["i"] and f["i"]["bitWidth"] == 64
            # the request's example fixes the unit (microseconds): ms and s values scaled
            ok = ok and f["t"]["unit"] == "us" and got["t"] == [
                None if v is None else str(int(v) * 1000) for v in b["t"]]
            ok = ok and f["ts"]["unit"] == "us" and got["ts"] == [
                None if v is None else str(int(v) * 1000000) for v in b["ts"]]
            ok = ok and f["z"]["type"] == "Null"
            ok = ok and f["w"]["type"] == "Float" and f["i8"]["type"] == "Int"
        check("arrow in, arrow out: int64 exact, timestamps in the prepared unit", ok,
              f"{[s['fields'] for s in inputs[:1]]}")


# ------------------------------------------------------------------ (c) refused input

def test_refused(mloda, scratch):
    req_path = os.path.join(scratch, "refuse_request.json")
    with open(req_path, "w") as f:
        json.dump({"features": ["s", "f"], "api_data": {"T": {"s": ["x"], "f": [1.5]}}}, f)
    base = [mloda, "stream", "--request", req_path, "--batches-format", "arrow"]
    good = {"columns": [{"name": "s", "type": "utf8"}, {"name": "f", "type": "float64"}],
            "batches": [{"s": ["a", "b"], "f": [1.0, 2.0]}]}

    def refused(label, path, wants, stdin=None):
        code, out, err = run(base + ["--batches", path], stdin=stdin)
        crashed = code < 0 or code > 2 or "Sanitizer" in err or "runtime error" in err
        missing = [w for w in wants if w not in err]
        check(label, code == 1 and not crashed and not missing,
              f"exit {code}, stderr {err.strip()[:400]!r}, missing {missing}")
        return out

    p = os.path.join(scratch, "dict.arrows")
    js_write({"streams": [{"columns": [{"name": "s", "type": "dictionary"},
                                       {"name": "f", "type": "float64"}],
                           "batches": [{"s": ["a", "b", "a"], "f": [1.0, 2.0, 3.0]}]}]}, p, scratch)
    refused("a dictionary-encoded column is refused by name", p,
            [p, "column 's'", "dictionar", "message 1"])
    p = os.path.join(scratch, "lz4.arrows")
    js_write({"compression": "lz4-uncompressed", "streams": [good]}, p, scratch)
    refused("a compressed record batch is refused", p, [p, "compress", "message 2"])
    p = os.path.join(scratch, "good.arrows")
    js_write({"streams": [good, good]}, p, scratch)
    with open(p, "rb") as f:
        data = f.read()
    t = os.path.join(scratch, "truncated.arrows")
    with open(t, "wb") as f:
        f.write(data[:len(data) // 2 + 3])
    out = refused("a truncated stream: the message and byte named", t,
                  [t, "truncated", "byte "])
    check("a truncated stream: the batches before the cut were written",
          out.decode().count('"batch": 0') >= 1, out.decode()[:300])
    refused("bytes that are no Arrow stream", "-", ["stdin", "not an Arrow IPC stream"],
            stdin=b"PAR1\x00\x00\x00\x00not arrow at all")
    refused("an Arrow IPC file instead of a stream", "-", ["stdin", "file format"],
            stdin=b"ARROW1\x00\x00" + data)
    p = os.path.join(scratch, "types.arrows")
    js_write({"streams": [{"columns": [{"name": "s", "type": "float64"},
                                       {"name": "f", "type": "float64"}],
                           "batches": [{"s": [1.0], "f": [1.0]}]}]}, p, scratch)
    refused("a column of another type than the request's", p,
            ["column 's'", "float64", "utf8"])


# ------------------------------------------------------------------ (d) mloda serve

def test_serve_arrow(mloda, scratch):
    """An Arrow IPC body written by apache-arrow, POSTed to `mloda serve`; the Arrow answer
    read back by apache-arrow; the values checked against Python's."""
    import http.client
    req_path = os.path.join(scratch, "serve_request.json")
    features = ["v", "v__sum_aggr", "v__mean_aggr", "v__max_aggr", "v__std_aggr"]
    with open(req_path, "w") as f:
        json.dump({"features": features, "api_data": {"T": {"v": [1.0, 2.0]}}}, f)
    v = [1.5, None, -2.25, 1e-3, 7.0]
    body_path = os.path.join(scratch, "body.arrows")
    js_write({"streams": [{"columns": [{"name": "v", "type": "float64"}],
                           "batches": [{"v": v}]}]}, body_path, scratch)
    with open(body_path, "rb") as f:
        body = f.read()
    p = subprocess.Popen([mloda, "serve", "--request", "agg=" + req_path, "--listen",
                          "127.0.0.1:0", "--quiet"], stderr=subprocess.PIPE)
    try:
        line = p.stderr.readline().decode("utf-8", "replace")
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/v1/run/agg", body=body,
                     headers={"Content-Type": "application/vnd.apache.arrow.stream",
                              "Accept": "application/vnd.apache.arrow.stream"})
        r = conn.getresponse()
        answer = r.read()
        check("serve: Arrow body, Arrow answer: 200",
              r.status == 200 and "arrow" in (r.getheader("Content-Type") or ""),
              f"{r.status} {answer[:300]!r}")
        if r.status != 200:
            return
        cols = columns_by_name(js_dump(answer))
        check("serve: every requested column", sorted(cols) == sorted(features), f"{sorted(cols)}")
        if sorted(cols) != sorted(features):
            return
        got_v = cols["v"][0]["batches"][0]["columns"]["v"]
        check("serve: the batch's values and nulls", len(got_v) == 5 and
              all(same_float(a, b, 0) for a, b in zip(got_v, v)), f"{got_v}")
        for op, want in aggregates(v).items():
            if "v" + op not in cols:
                continue
            got = cols["v" + op][0]["batches"][0]["columns"]["v" + op]
            check(f"serve: v{op}", len(got) == 5 and all(same_float(a, b) for a, b in zip(got, want)),
                  f"{got} vs {want}")
        conn.close()
    finally:
        p.terminate()
        p.wait(timeout=30)


def main():
    if len(sys.argv) != 2:
        print("usage: test_arrow_interop.py BUILD_DIR", file=sys.stderr)
        return 2
    mloda = os.path.join(os.path.abspath(sys.argv[1]), "mloda")
    if shutil.which("node") is None or not os.path.isdir(
            os.path.join(HERE, "node_modules", "apache-arrow")):
        check("apache-arrow for node is installed", False,
              "node or tests/arrow/node_modules/apache-arrow missing: run scripts/deps.sh")
    else:
        scratch = tempfile.mkdtemp(prefix="mloda_arrow_")
        try:
            for t in (test_run_format_arrow, test_stream_format_arrow, test_stream_reads_arrow,
                      test_refused, test_serve_arrow):
                try:
                    t(mloda, scratch)
                except Exception as e:  # a failed tool run or an unreadable result
                    check(t.__name__, False, f"{type(e).__name__}: {e}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"# arrow: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
