"""Every input kind: dicts of lists and numpy arrays, pandas DataFrames (numpy and nullable
dtypes), Arrow PyCapsule producers (arrays and multi-batch streams), with zero-copy checks
(the result shares memory with the input where the layout allows), nulls, NaN, timestamps,
strings and geo points; and bad input of every kind giving a clear exception."""
import datetime
import gc

import numpy as np
import pandas as pd
import pytest

import arrow_producer as ap
from mloda_c import _core
from mloda_c.user import ApiDataError, mloda


def run(features, data, framework="MlodaCFrame"):
    return mloda.run_all(features, compute_frameworks=[framework], api_data={"T": data})


def table_with(results, name):
    return next(t for t in results if name in t.column_names)


# ---------------------------------------------------------------- zero copy

@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_numpy_input_is_not_copied(dtype):
    v = np.arange(1000, dtype=dtype)
    r = run(["v", "v__sum_aggr"], {"v": v})
    out = table_with(r, "v")["v"]
    assert np.shares_memory(out, v), "a passed-through numpy column must share the input's memory"
    assert table_with(r, "v__sum_aggr")["v__sum_aggr"][0] == v.sum()


def test_numpy_input_survives_the_caller_dropping_it():
    v = np.arange(5, dtype=np.float64)
    session = mloda.prepare(["v"], compute_frameworks=["MlodaCFrame"], api_data={"T": {"v": v[:1]}})
    r = session.run(api_data={"T": {"v": v}})
    del v
    gc.collect()
    assert r[0]["v"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_numpy_datetime64_is_not_copied():
    ts = np.array(["2024-01-01T00:00:00", "2024-01-01T00:00:10", "NaT"], dtype="datetime64[ns]")
    r = run(["t"], {"t": ts})
    out = r[0]["t"]
    assert out.dtype == np.dtype("datetime64[ns]")
    assert str(out[1]) == "2024-01-01T00:00:10.000000000" and np.isnat(out[2])
    assert r[0]._col_info(0)[4] == 1  # NaT is a null
    assert np.shares_memory(np.asarray(r[0]._values(0)), ts.view("int64"))


def test_pandas_dataframe_columns_are_not_copied():
    df = pd.DataFrame({"a": np.arange(4, dtype=np.float64), "n": pd.array([1, None, 3, 4], dtype="Int64")})
    r = run(["a", "n", "n__sum_aggr"], df)
    t = table_with(r, "a")
    assert np.shares_memory(t["a"], df["a"].to_numpy())
    # nullable Int64: the values are borrowed, the mask becomes the validity bitmap
    assert np.shares_memory(np.asarray(t._values(1)), df["n"].array._data)
    assert t.to_pydict()["n"] == [1, None, 3, 4]
    assert table_with(r, "n__sum_aggr")["n__sum_aggr"].tolist() == [8, 8, 8, 8]


def test_arrow_producer_is_not_copied_and_released_once():
    before = dict(ap.stats)
    vals = np.array([1.5, 2.5, 3.5])
    prod = ap.Table({"x": ap.Column("g", [None, vals], 3)})
    r = run(["x", "x__max_aggr"], prod)
    assert np.shares_memory(table_with(r, "x")["x"], vals)
    assert ap.stats["array_releases"] == before["array_releases"], "released while still in use"
    del r
    gc.collect()
    assert ap.stats["array_releases"] == before["array_releases"] + 1
    assert ap.alive_count() == 0


def test_result_tables_feed_the_next_run_without_copies():
    v = np.array([3.0, 1.0, 2.0])
    first = run(["v"], {"v": v})[0]
    second = run(["v", "v__min_aggr"], first)  # our result as an Arrow producer (api_data table)
    assert np.shares_memory(table_with(second, "v")["v"], v)
    assert table_with(second, "v__min_aggr")["v__min_aggr"].tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------- kinds and types

CASES = [
    ("ints", [1, 2, 3], [1, 2, 3]),
    ("ints with None stay int", [1, None, 3], [1, None, 3]),
    ("floats with NaN", [1.0, float("nan"), None], [1.0, "nan", None]),
    ("mixed int and float", [1, 2.5], [1.0, 2.5]),
    ("bools", [True, False, None], [True, False, None]),
    ("strings", ["a", None, "ünï", ""], ["a", None, "ünï", ""]),
    ("points", [[1.0, 2.0], [3, 4], None], [[1.0, 2.0], [3.0, 4.0], None]),
    ("points as numpy rows", [np.array([1.0, 2.0]), np.array([3, 4])], [[1.0, 2.0], [3.0, 4.0]]),
    ("all None", [None, None], [None, None]),
    ("empty", [], []),
    ("big ints become float", [1, 2 ** 70], [1.0, float(2 ** 70)]),
    ("datetimes", [datetime.datetime(2024, 5, 6, 7, 8, 9, 10), None],
     [datetime.datetime(2024, 5, 6, 7, 8, 9, 10), None]),
    ("aware datetimes in UTC", [datetime.datetime(2024, 1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))],
     [datetime.datetime(2024, 1, 1, 0, 0)]),
    ("dates", [datetime.date(2024, 2, 29)], [datetime.datetime(2024, 2, 29)]),
]


def _same(a, b):
    if b == "nan":
        return isinstance(a, float) and a != a
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("values,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_list_column_round_trip(values, expected):
    got = _core.column(values).to_pydict()["value"]
    assert len(got) == len(expected) and all(_same(g, e) for g, e in zip(got, expected)), got


NUMPY_CASES = [
    (np.array([1, 2], dtype=np.int32), "int64", [1, 2]),
    (np.array([1, 2], dtype=np.uint8), "int64", [1, 2]),
    (np.array([1.5, np.nan], dtype=np.float32), "float64", [1.5, "nan"]),
    (np.array([1.5], dtype=np.float16), "float64", [1.5]),
    (np.array([True, False]), "bool", [True, False]),
    (np.array(["a", "bc"]), "utf8", ["a", "bc"]),
    (np.array(["a", None], dtype=object), "utf8", ["a", None]),
    (np.arange(10.0)[::3], "float64", [0.0, 3.0, 6.0, 9.0]),
    (np.arange(6.0).reshape(3, 2), "float64_list", [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]),
    (np.array([1.0, 2.0], dtype=">f8"), "float64", [1.0, 2.0]),
    (np.ma.array([1, 2, 3], mask=[False, True, False]), "int64", [1, None, 3]),
    (np.array(["2024-01-01"], dtype="datetime64[D]"), "timestamp", [datetime.datetime(2024, 1, 1)]),
]


@pytest.mark.parametrize("values,type_name,expected", NUMPY_CASES,
                         ids=[str(c[0].dtype) + ("-strided" if i == 7 else "") for i, c in enumerate(NUMPY_CASES)])
def test_numpy_dtypes(values, type_name, expected):
    t = _core.column(values)
    assert t._col_info(0)[1] == type_name
    got = t.to_pydict()["value"]
    assert all(_same(g, e) for g, e in zip(got, expected)) and len(got) == len(expected), got


def test_pandas_dtypes():
    df = pd.DataFrame({
        "i": [1, 2, 3],
        "f": [1.0, None, 3.0],
        "n": pd.array([None, 2, 3], dtype="Int64"),
        "b": pd.array([True, None, False], dtype="boolean"),
        "s": ["x", None, "z"],
        "S": pd.array(["p", None, "r"], dtype="string"),
        "c": pd.Categorical(["u", "v", "u"]),
        "t": pd.to_datetime(["2024-01-01", None, "2024-01-03 04:05:06"]),
        "tz": pd.to_datetime(["2024-01-01T01:00:00+01:00"] * 3, utc=True),
        "p": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
    })
    t = _core.table_from(df)
    d = t.to_pydict()
    assert d["i"] == [1, 2, 3]
    assert d["f"][0] == 1.0 and d["f"][1] != d["f"][1]  # NaN stays a float NaN
    assert d["n"] == [None, 2, 3]
    assert d["b"] == [True, None, False]
    assert d["s"] == ["x", None, "z"] and d["S"] == ["p", None, "r"] and d["c"] == ["u", "v", "u"]
    assert d["t"] == [datetime.datetime(2024, 1, 1), None, datetime.datetime(2024, 1, 3, 4, 5, 6)]
    assert d["tz"][0] == datetime.datetime(2024, 1, 1, 0, 0)
    assert d["p"] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_arrow_kinds_and_streams():
    prod = ap.Table(
        {"a": ap.float64([1.0, 2.0], valid=[True, False]), "s": ap.utf8(["x", None]),
         "L": ap.utf8(["long", "strings"], large=True), "t": ap.timestamp_us([0, 1_000_000]),
         "p": ap.points([[1.0, 2.0], [3.0, 4.0]]), "i": ap.int64([5, 6, 7], offset=1)},
        {"a": ap.float64([3.0]), "s": ap.utf8(["z"]), "L": ap.utf8(["!"], large=True),
         "t": ap.timestamp_us([2_000_000]), "p": ap.points([[5.0, 6.0]]), "i": ap.int64([8])})
    d = _core.table_from(prod).to_pydict()
    assert d["a"] == [1.0, None, 3.0] and d["s"] == ["x", None, "z"]
    assert d["L"] == ["long", "strings", "!"] and d["i"] == [6, 7, 8]
    assert d["t"][2] == datetime.datetime(1970, 1, 1, 0, 0, 2)
    assert d["p"] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    del d
    gc.collect()
    assert ap.alive_count() == 0


def test_arrow_column_value():
    t = run(["v", "v__sum_aggr"], {"v": ap.ColumnProducer(ap.int64([1, 2, 3]))})
    assert table_with(t, "v__sum_aggr")["v__sum_aggr"].tolist() == [6, 6, 6]


def test_results_export_arrow_to_a_foreign_consumer():
    v = np.array([1.0, 2.0, 3.0])
    t = run(["v"], {"v": v})[0]
    batches = ap.Consumer.read_stream(t)
    fmt, length, nulls, buffers = batches[0]["v"]
    assert (fmt, length, nulls) == ("g", 3, 0)
    assert buffers[1] == v.ctypes.data, "the export must point at the input's memory"


# ---------------------------------------------------------------- bad input

BAD = [
    ({"T": {"v": 5}}, TypeError, "got a single int"),
    ({"T": {"v": "abc"}}, TypeError, "got a single str"),
    ({"T": {"v": [1, "a"]}}, TypeError, "mixes int (row 0) and str (row 1)"),
    ({"T": {"v": [1, 2], "w": [1]}}, ValueError, "different lengths"),
    ({"T": {"v": [[1, 2], [1]]}}, ValueError, "lists in a column must have one size"),
    ({"T": {"v": [{"a": 1}]}}, TypeError, "row 0"),
    ({"T": {"v": {1, 2}}}, TypeError, "set has no order"),
    ({"T": {"v": np.array([1 + 2j])}}, TypeError, "complex"),
    ({"T": {"v": np.array([1], dtype="timedelta64[s]")}}, TypeError, "timedelta"),
    ({"T": {5: [1]}}, TypeError, "column names must be str"),
    ({5: {"v": [1]}}, TypeError, "table names must be str"),
    ({"T": [1, 2]}, TypeError, "expected a dict of columns"),
    ([1, 2], TypeError, "api_data must be a dict"),
    ({"T": {"v": np.zeros((2, 2, 2))}}, TypeError, "1-D"),
    ({"T": {"v": [1, 2**63]}}, None, None),  # beyond int64: float64, as api_data JSON
    ({"T": {"v": ap.ColumnProducer(ap.Column("tdu", [None, np.zeros(1, np.int64)], 1))}}, TypeError,
     "Arrow format 'tdu' is not supported"),
]


@pytest.mark.parametrize("api,exc,words", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_is_a_clear_error(api, exc, words):
    session = mloda.prepare(["v"], compute_frameworks=["MlodaCFrame"], api_data={"T": {"v": [1.0]}})
    if exc is None:
        session.run(api_data=api)
        return
    with pytest.raises(exc) as info:
        session.run(api_data=api)
    assert words in str(info.value)
    # the session stays usable
    assert session.run(api_data={"T": {"v": [2.0]}})[0].to_pydict() == {"v": [2.0]}


def test_batch_that_does_not_fit_the_plan():
    session = mloda.prepare(["v__sum_aggr"], compute_frameworks=["PythonDict"],
                            api_data={"T": {"v": [1.0]}})
    with pytest.raises(ApiDataError) as info:
        session.run(api_data={"U": {"v": [1.0]}})
    assert "T" in str(info.value)
    with pytest.raises(ValueError) as info:
        session.run(api_data={"T": {"v": ["text"]}})
    assert "v" in str(info.value) and "utf8" in str(info.value)
    assert session.run(api_data={"T": {"v": [1, 2]}}) == [{"v__sum_aggr": [3.0, 3.0]}]


def test_every_type_round_trips_through_the_arrow_export():
    """Result tables export every column type through the PyCapsule interface, and read
    back (as any consumer would) to the same values."""
    data = {"i": [1, None, 3], "f": [1.5, None, float("inf")], "b": [True, None, False],
            "s": ["x", None, "ünï"], "t": [datetime.datetime(2024, 1, 2, 3, 4, 5, 6), None, datetime.datetime(1969, 12, 31)],
            "p": [[1.0, 2.0], None, [5.0, 6.0]]}
    first = run(list(data), data)[0]
    back = _core.table_from(first)  # __arrow_c_stream__ -> import
    assert back.to_pydict() == first.to_pydict() == data
    class ArrayOnly:  # the same through __arrow_c_array__ alone
        def __arrow_c_array__(self, requested_schema=None):
            return first.__arrow_c_array__(requested_schema)
    assert _core.table_from(ArrayOnly()).to_pydict() == data
    batches = ap.Consumer.read_stream(first)
    assert {k: v[0] for k, v in batches[0].items()} == {
        "i": "l", "f": "g", "b": "b", "s": "u", "t": "tsu:", "p": "+w:2"}
    assert {k: v[2] for k, v in batches[0].items()} == {k: 1 for k in data}
