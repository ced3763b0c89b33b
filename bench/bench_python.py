#!/usr/bin/env python3
"""bench_python: the Python package (issue 11) against the C API in the same process.

    PYTHONPATH=build-release/python /usr/bin/python3 bench/bench_python.py [--quick]

Figures (medians of repeated runs; the C baseline is measured in the same process, on
the same prepared session and the same data, by a loop in the extension that calls
mloda_session_run directly with the GIL released):

- session.run per micro-batch at 1, 100, 10,000 and 1,000,000 rows from numpy input
  (bench_core's four aggregations of one float64 column; native MlodaCFrame results), and
  the binding overhead per call (Python minus C; target <= 5 us at small batches);
- the same call with pandas and PythonDict results (conversion of the outputs included);
- stream_run time to the first result, against the C API's;
- zero copies of numeric input: a pass-through request at 1,000,000 rows costs what it
  costs at 1 row, and its result shares the input's memory;
- 8 Python threads running batches on one session, against 1 thread (2 cores here);
- mloda itself (PYTHON_API.md, measured on this kind of machine) for scale.

Prints one "RESULT<TAB>figure<TAB>value<TAB>unit<TAB>baseline<TAB>baseline value" line per
figure (bench/run collects them into bench/REPORT.md) and a readable table on stderr.
"""
import argparse
import statistics
import sys
import threading
import time

import numpy as np

from mloda_c.user import mloda

FEATURES = ["v__sum_aggr", "v__mean_aggr", "v__max_aggr", "v__std_aggr"]
MLODA_SESSION_RUN_US = 1200.0  # PYTHON_API.md: mloda's session.run, about 1.2 ms per call


def result(name, value, unit, baseline, base_value):
    print(f"RESULT\t{name}\t{value:.6g}\t{unit}\t{baseline}\t{base_value:.6g}")
    ratio = f"{value / base_value:.2f}" if base_value else "-"
    print(f"{name:58s} {value:12.3f} {unit:6s} | {baseline:40s} {base_value:12.3f}  x{ratio}",
          file=sys.stderr)
    sys.stdout.flush()


def median_us(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000.0


def reps_for(rows, quick):
    n = 20000 if rows <= 100 else 2000 if rows <= 10000 else 30
    return max(5, n // 10) if quick else n


def bench_rows(rows, quick):
    rng = np.random.default_rng(rows)
    api = {"T": {"v": rng.random(rows)}}
    session = mloda.prepare(FEATURES, compute_frameworks=["MlodaCFrame"], api_data=api)
    reps = reps_for(rows, quick)
    session.run(api_data=api)  # warm up (thread pool, allocator)
    c_us = statistics.median(session._session._bench_c(api, reps)) / 1000.0
    py_us = median_us(lambda: session.run(api_data=api), reps)
    c_us = min(c_us, statistics.median(session._session._bench_c(api, reps)) / 1000.0)
    result(f"python: session.run, {rows} rows", py_us, "us", "C API mloda_session_run, same process", c_us)
    result(f"python: binding overhead per call, {rows} rows", max(py_us - c_us, 0.0), "us",
           "target", 5.0)
    if rows <= 100:
        result(f"python: session.run vs mloda, {rows} rows", py_us, "us",
               "mloda session.run (PYTHON_API.md)", MLODA_SESSION_RUN_US)
    if rows in (100, 10000):
        for fw in ("PythonDict", "PandasDataFrame"):
            s2 = mloda.prepare(FEATURES, compute_frameworks=[fw], api_data=api)
            fw_us = median_us(lambda: s2.run(api_data=api), max(50, reps // 20))
            result(f"python: session.run with {fw} results, {rows} rows", fw_us, "us",
                   "C API mloda_session_run, same process", c_us)
    # time to the first streamed result
    first_c = statistics.median(session._session._bench_c_first(api, reps)) / 1000.0

    def first():
        stream = session.stream_run(api_data=api)
        next(stream)
        stream.close()
    first_py = median_us(first, reps)
    result(f"python: stream_run first result, {rows} rows", first_py, "us",
           "C API stream_run + stream_next, same process", first_c)


def bench_zero_copy(quick):
    small = {"T": {"v": np.arange(1.0), "w": np.arange(1)}}
    big = {"T": {"v": np.arange(1_000_000.0), "w": np.arange(1_000_000)}}
    session = mloda.prepare(["v", "w"], compute_frameworks=["MlodaCFrame"], api_data=small)
    reps = 200 if quick else 2000
    t_small = median_us(lambda: session.run(api_data=small), reps)
    t_big = median_us(lambda: session.run(api_data=big), reps)
    out = session.run(api_data=big)[0]
    shared = np.shares_memory(out["v"], big["T"]["v"]) and np.shares_memory(out["w"], big["T"]["w"])
    result("python: pass-through of 2 numpy columns, 1000000 rows", t_big, "us",
           "the same, 1 row (a copy would cost ~1000 us)", t_small)
    result("python: input bytes copied, 1000000 rows x 2 columns", 0.0 if shared else 16e6, "bytes",
           "bytes of the input", 16e6)


def bench_threads(rows, quick):
    rng = np.random.default_rng(7)
    datas = [{"T": {"v": rng.random(rows)}} for _ in range(8)]
    session = mloda.prepare(FEATURES, compute_frameworks=["MlodaCFrame"], api_data=datas[0])
    per_thread = {10_000: 2000, 100_000: 200}.get(rows, 24) // (10 if quick else 1)

    def throughput(n_threads):
        runs = per_thread * 8 // n_threads

        def work(k):
            for _ in range(runs):
                session.run(api_data=datas[k])
        threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return runs * n_threads / (time.perf_counter() - t0)

    throughput(2)  # warm up
    one = max(throughput(1) for _ in range(3))
    eight = max(throughput(8) for _ in range(3))
    result(f"python: 8 threads on one session, {rows} rows", eight, "runs/s", "1 thread", one)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    for rows in (1, 100, 10_000, 1_000_000):
        bench_rows(rows, args.quick)
    bench_zero_copy(args.quick)
    for rows in (10_000, 100_000, 1_000_000):
        bench_threads(rows, args.quick)


if __name__ == "__main__":
    main()
