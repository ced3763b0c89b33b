"""Pattern 3 of mloda's streaming page: one-shot streaming with stream_all().

The code below is the page's, with `mloda_c.user` in place of `mloda.user`, with the
`sensor_batch` of the page's first example and the `process` consumer it leaves to the
reader.
"""
from mloda_c.user import mloda

sensor_batch = {"SensorData": {"timestamp": [1, 2], "value": [10.5, 11.2]}}


def process(result):
    """Stands in for your own consumer."""
    print(result)


for result in mloda.stream_all(
    ["value", "value__mean_aggr"], compute_frameworks=["PandasDataFrame"], api_data=sensor_batch
):
    process(result)
