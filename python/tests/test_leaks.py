"""Leaks: a stream abandoned half-way frees everything (engine objects, buffers lent by
numpy, Python memory and C heap), failed batches and raising feature groups leak nothing,
and input arrays get their references back."""
import ctypes
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import mloda_c
from mloda_c.provider import FeatureGroup
from mloda_c.user import mloda

FEATURES = ["a", "a__sum_aggr", "b__mean_aggr", "a__standard_scaled", "b__mean_imputed",
            "a__median_aggr", "a__halved", "a__halved__max_aggr"]


class Halved(FeatureGroup):
    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        return str(feature_name).endswith("__halved")

    def input_features(self, options, feature_name):
        return {str(feature_name)[: -len("__halved")]}

    @classmethod
    def calculate_feature(cls, data, features):
        return {str(f.name): data[str(f.name)[: -len("__halved")]] / 2 for f in features}


class Explodes(FeatureGroup):
    @classmethod
    def feature_names_supported(cls):
        return {"explodes"}

    def input_features(self, options, feature_name):
        return {"a"}

    @classmethod
    def calculate_feature(cls, data, features):
        raise RuntimeError("explodes on purpose " + "x" * 1000)


def c_heap_in_use():
    """Bytes malloc has handed out (glibc's mallinfo2), or None elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")]
    if not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd


def baseline():
    gc.collect()
    return mloda_c.live_objects()


def test_abandoned_streams_free_everything():
    n = 60_000  # above the inline threshold: steps run on pool threads, some still running
    a, b = np.random.default_rng(3).random(n), np.random.default_rng(4).random(n)
    data = {"T": {"a": a, "b": b}}
    refs0 = sys.getrefcount(a), sys.getrefcount(b)
    session = mloda.prepare(FEATURES, compute_frameworks=["MlodaCFrame"], api_data={"T": {"a": a[:2], "b": b[:2]}})
    refs = sys.getrefcount(a), sys.getrefcount(b)  # the session keeps its example (views of a, b)

    def abandon(k):
        stream = session.stream_run(api_data=data)
        for _ in range(k):
            next(stream)
        del stream  # half-way: pending steps are cancelled, running ones waited for

    for k in (0, 1, 2, 3):
        abandon(k)  # warm up the pool and the allocator
    gc.collect()
    live0 = mloda_c.live_objects()
    heap0 = c_heap_in_use()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for i in range(200):
        abandon(i % 4)
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    heap1 = c_heap_in_use()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert mloda_c.live_objects() == live0
    assert grown < 64 * 1024, f"Python memory grew by {grown} bytes over 200 abandoned streams"
    if heap0 is not None:
        # one leaked batch would be n * 8 bytes per column; 200 of them would be ~100 MB
        assert heap1 - heap0 < 4 * n * 8, f"C heap grew by {heap1 - heap0} bytes"
    assert (sys.getrefcount(a), sys.getrefcount(b)) == refs, "input arrays kept references"
    del session
    gc.collect()
    assert (sys.getrefcount(a), sys.getrefcount(b)) == refs0, "the session's example was not released"


def test_streams_closed_explicitly_and_never_started():
    data = {"T": {"a": np.arange(10.0), "b": np.arange(10.0)}}
    session = mloda.prepare(FEATURES, compute_frameworks=["MlodaCFrame"], api_data=data)
    before = baseline()
    s1 = session.stream_run(api_data=data)  # never iterated
    s2 = session.stream_run(api_data=data)
    next(s2)
    s2.close()
    del s1, s2
    assert baseline() == before


def test_failures_leak_nothing():
    a = np.random.default_rng(5).random(30_000)
    data = {"T": {"a": a, "b": a}}
    session = mloda.prepare(["explodes", "a__sum_aggr", "a__halved"], compute_frameworks=["MlodaCFrame"],
                            api_data=data)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            session.run(api_data=data)
    before = baseline()
    heap0 = c_heap_in_use()
    for _ in range(100):
        with pytest.raises(RuntimeError):
            session.run(api_data=data)
        with pytest.raises(RuntimeError):
            list(session.stream_run(api_data=data))
        with pytest.raises(TypeError):
            session.run(api_data={"T": {"a": [1.0, "x"], "b": a}})  # conversion fails
        with pytest.raises(ValueError):
            session.run(api_data={"T": {"a": ["x"] * len(a), "b": a}})  # does not fit the plan
    after = baseline()
    heap1 = c_heap_in_use()
    assert after == before
    if heap0 is not None:
        assert heap1 - heap0 < 1 << 20, f"C heap grew by {heap1 - heap0} bytes"
    mloda_c._core._clear_stash()
