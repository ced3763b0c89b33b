"""Threads: 8 Python threads share one session (small batches on their own threads, large
ones on the engine's pool, Python feature groups taking the GIL on pool workers), and the
GIL is released while the engine computes."""
import threading
import time

import numpy as np

from mloda_c.provider import FeatureGroup
from mloda_c.user import mloda


class Squared(FeatureGroup):
    """{x}__squared (numpy)."""

    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        return str(feature_name).endswith("__squared")

    def input_features(self, options, feature_name):
        return {str(feature_name)[: -len("__squared")]}

    @classmethod
    def calculate_feature(cls, data, features):
        return {str(f.name): data[str(f.name)[: -len("__squared")]] ** 2 for f in features}


FEATURES = ["a__sum_aggr", "b__mean_aggr", "a__squared", "b__squared__sum_aggr", "a__std_aggr",
            "b__standard_scaled", "a__mean_imputed"]


def batch(n, seed):
    rng = np.random.default_rng(seed)
    return {"T": {"a": rng.random(n), "b": rng.random(n)}}


def expected(data):
    a, b = data["T"]["a"], data["T"]["b"]
    return {"a__sum_aggr": a.sum(), "b__mean_aggr": b.mean(), "a__squared": a ** 2,
            "b__squared__sum_aggr": (b ** 2).sum(), "a__std_aggr": a.std(ddof=1),
            "b__standard_scaled": (b - b.mean()) / b.std(), "a__mean_imputed": a}


def check(tables, want):
    got = {}
    for t in tables:
        got.update(t.to_numpy())
    for k, v in want.items():
        assert np.allclose(got[k], v), k


def test_eight_threads_share_one_session():
    session = mloda.prepare(FEATURES, compute_frameworks=["MlodaCFrame"], api_data=batch(4, 0))
    sizes = [3, 100, 20_000, 70_000]  # the last two exceed the inline threshold: pool steps
    datas = {(k, n): batch(n, 10 * k + n) for k in range(8) for n in sizes}
    wants = {key: expected(d) for key, d in datas.items()}
    errors = []

    def worker(k):
        try:
            for _ in range(3):
                for n in sizes:
                    if n % 2:
                        check(list(session.stream_run(api_data=datas[(k, n)])), wants[(k, n)])
                    else:
                        check(session.run(api_data=datas[(k, n)]), wants[(k, n)])
        except Exception as e:  # collected, asserted below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_the_gil_is_released_while_the_engine_computes():
    data = batch(2_000_000, 7)
    session = mloda.prepare(["a__median_aggr", "b__std_aggr", "a__standard_scaled"],
                            compute_frameworks=["MlodaCFrame"], api_data=batch(4, 1))
    done = threading.Event()
    ticks = [0]

    def count():
        while not done.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    t0 = time.perf_counter()
    start_ticks = ticks[0]
    for _ in range(3):
        session.run(api_data=data)
    elapsed = time.perf_counter() - t0
    during = ticks[0] - start_ticks
    done.set()
    counter.join()
    # a thread holding the GIL for the whole run would leave the counter standing still
    assert during > 1000, f"only {during} Python steps in {elapsed:.3f} s of engine work"


def test_interpreter_exit_with_streams_running(tmp_path):
    """A program that exits while Python feature groups still run on pool threads, with
    sessions and half-read streams alive, ends normally (no hang, no crash)."""
    import os
    import subprocess
    import sys
    script = tmp_path / "exit_early.py"
    script.write_text('''
import time
import numpy as np
from mloda_c.provider import FeatureGroup
from mloda_c.user import mloda

class Slow(FeatureGroup):
    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        return str(feature_name).endswith("__slow")
    def input_features(self, options, feature_name):
        return {str(feature_name)[:-6]}
    @classmethod
    def calculate_feature(cls, data, features):
        time.sleep(0.3)
        return {str(f.name): data[str(f.name)[:-6]] for f in features}

api = {"T": {"a": np.random.rand(100_000), "b": np.random.rand(100_000)}}
session = mloda.prepare(["a__slow", "b__slow", "a__sum_aggr"], compute_frameworks=["MlodaCFrame"],
                        api_data=api)
half_read = session.stream_run(api_data=api)
print(next(half_read).column_names, flush=True)
never_read = session.stream_run(api_data=api)
time.sleep(0.05)
print("exiting", flush=True)
''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    for _ in range(3):
        p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                           env=env)
        assert p.returncode == 0, p.stderr
        assert p.stdout.splitlines() == ["['a__sum_aggr']", "exiting"]


def test_sessions_prepared_on_eight_threads_at_once():
    """Python groups' match/inputs/bind run during each prepare on its own thread: per-
    prepare settings (learned types, frameworks) must not leak between concurrent prepares."""
    errors = []

    class Tagged(FeatureGroup):
        """tag_{k}: a string column 'k:<n>' (its type is learned from the first run)."""

        @classmethod
        def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
            return str(feature_name).startswith("tag_")

        def input_features(self, options, feature_name):
            return {"a"}

        @classmethod
        def calculate_feature(cls, data, features):
            return {str(f.name): [f"{str(f.name)[4:]}:{len(data['a'])}"] * len(data["a"]) for f in features}

    def worker(k):
        try:
            fw = ["PythonDict", "MlodaCFrame"][k % 2]
            for i in range(10):
                n = 3 + i + k
                api = {"T": {"a": np.arange(n, dtype=np.float64)}}
                s = mloda.prepare([f"tag_{k}", "a__count_aggr"], compute_frameworks=[fw], api_data=api)
                for r in s.run(api_data=api):
                    d = r if fw == "PythonDict" else r.to_pydict()
                    if f"tag_{k}" in d:
                        assert d[f"tag_{k}"] == [f"{k}:{n}"] * n, d
                    else:
                        assert d == {"a__count_aggr": [n] * n}, d
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
