"""Pattern 2 of mloda's streaming page: prepare() once, stream_run() per micro-batch,
feeding a dashboard: each panel updates as soon as its feature group completes.

The code below is the page's, with `mloda_c.user` in place of `mloda.user` and with a
small dashboard as the `process` consumer the page leaves to the reader.
"""
import time

from mloda_c.user import mloda

dashboard = {}  # panel (feature group's columns) -> latest values
started = time.perf_counter()  # reset per batch below


def process(result):
    """A dashboard-like consumer: updates the panel of this result and redraws it."""
    for column in result.columns:
        dashboard[column] = result[column].tolist()
        ms = (time.perf_counter() - started) * 1000
        print(f"[panel {column}] {dashboard[column]}  (updated {ms:.1f} ms after start)")


def sensor_source():
    yield {
        "Sensors": {
            "timestamp": [1, 2, 3],
            "temperature": [22.1, 22.5, 23.0],
            "pressure": [1013.0, 1012.0, 1014.0],
            "vibration": [0.01, 0.02, 0.015],
        }
    }

# One name per Feature Group, so each completed group yields its own result
features = ["temperature", "temperature__mean_aggr", "pressure__mean_imputed"]

session = mloda.prepare(
    features,
    compute_frameworks=["PandasDataFrame"],
    api_data={"Sensors": {"timestamp": [0], "temperature": [0.0], "pressure": [0.0], "vibration": [0.0]}},
)

for batch in sensor_source():
    started = time.perf_counter()
    for result in session.stream_run(api_data=batch):
        # Each panel updates as its feature group completes
        process(result)

print("dashboard:", sorted(dashboard))
