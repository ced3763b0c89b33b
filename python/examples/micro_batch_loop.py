"""Pattern 1 of mloda's streaming page: micro-batch loop with prepare() / run().

The code below is the page's, with `mloda_c.user` in place of `mloda.user` and with the
`process` consumer the page leaves to the reader.
"""
from mloda_c.user import mloda


def process(result):
    """Stands in for your own consumer."""
    print(result)


def data_source():
    """Yields micro-batches from any source (Kafka, WebSocket, file watcher, generator)."""
    yield {"SensorData": {"timestamp": [1, 2], "value": [10.5, 11.2]}}
    yield {"SensorData": {"timestamp": [3, 4], "value": [9.8, 10.1]}}

# Prepare once with a representative schema
session = mloda.prepare(
    ["value__mean_aggr"],
    compute_frameworks=["PandasDataFrame"],
    api_data={"SensorData": {"timestamp": [0], "value": [0.0]}},
)

# Process micro-batches
for batch in data_source():
    results = session.run(api_data=batch)
    for result in results:
        process(result)
