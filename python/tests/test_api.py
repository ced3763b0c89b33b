"""mloda's user API as PYTHON_API.md describes it: import paths, exact signatures,
result bucketing and order, RunResult/ResultStream with .plan, streams holding the same
tables as run, the result types, mloda's exception classes, filters, links, data access,
configs."""
import inspect
import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

import mloda_c
from mloda_c.user import (DataAccessCollection, Feature, FeatureResolutionError, Features,
                          GlobalFilter, JoinSpec, Link, Options, ParallelizationMode,
                          PluginLoader, ResultStream, RunResult, SetupConfigurationError,
                          load_features_from_config, mloda, mlodaAPI, stream_all)

SENSOR = {"SensorData": {"timestamp": [1, 2], "value": [10.5, 11.2]}}


def test_import_paths():
    import mloda_c.provider as provider
    import mloda_c.user as user
    from mloda_c.user.pandas import PandasDataFrame
    from mloda_c.user.pyarrow import PyArrowTable
    from mloda_c.user.python_dict import PythonDict
    for name in ["mloda", "mlodaAPI", "stream_all", "Feature", "Features", "FeatureName", "Options",
                 "Link", "JoinSpec", "JoinType", "Index", "GlobalFilter", "DataAccessCollection",
                 "PluginCollector", "PluginLoader", "ParallelizationMode", "load_features_from_config",
                 "FeatureResolutionError", "SetupConfigurationError", "DataTypeMismatchError",
                 "MlodaRunError", "EmptyResultError", "RunResult", "ResultStream", "PlanStep",
                 "DataType", "Domain", "SingleFilter", "FilterType", "Credential", "resolve_feature"]:
        assert hasattr(user, name), name
    assert provider.FeatureGroup and provider.DataCreator
    assert (PandasDataFrame.name, PyArrowTable.name, PythonDict.name) == (
        "PandasDataFrame", "PyArrowTable", "PythonDict")
    assert mloda is mlodaAPI and stream_all == mlodaAPI.stream_all


def params(fn):
    return [(p.name, p.default if p.default is not inspect.Parameter.empty else "-")
            for p in inspect.signature(fn).parameters.values()]


SYNC = {ParallelizationMode.SYNC}


def test_signatures_are_mlodas():
    assert params(mloda.run_all) == [
        ("features", "-"), ("compute_frameworks", None), ("links", None),
        ("data_access_collection", None), ("parallelization_modes", SYNC), ("flight_server", None),
        ("function_extender", None), ("global_filter", None), ("api_data", None),
        ("plugin_collector", None), ("copy_features", True), ("strict_type_enforcement", False),
        ("column_ordering", None)]
    assert params(mloda.stream_all) == params(mloda.run_all)
    assert params(mloda.prepare) == [
        ("features", "-"), ("compute_frameworks", None), ("links", None),
        ("data_access_collection", None), ("global_filter", None), ("api_data", None),
        ("plugin_collector", None), ("copy_features", True), ("strict_type_enforcement", False),
        ("column_ordering", None), ("parallelization_modes", None)]
    assert params(mlodaAPI.__init__)[1:] == [("requested_features", "-")] + params(mloda.prepare)[1:]
    assert params(mlodaAPI.run)[1:] == [
        ("api_data", None), ("parallelization_modes", SYNC), ("flight_server", None),
        ("function_extender", None), ("artifacts", None)]
    assert params(mlodaAPI.stream_run) == params(mlodaAPI.run)


def test_positional_arguments_as_mloda():
    # 5th positional: parallelization_modes in run_all, global_filter in prepare
    r = mloda.run_all(["value"], ["PythonDict"], None, None, {ParallelizationMode.THREADING},
                      api_data=SENSOR)
    assert r == [{"value": [10.5, 11.2]}]
    gf = GlobalFilter()
    gf.add_filter("value", "min", {"value": 11})
    s = mloda.prepare(["value"], ["PythonDict"], None, None, gf, SENSOR)
    assert s.run() == [{"value": [11.2]}]
    assert mloda(["value"], ["PythonDict"], api_data=SENSOR).run() == [{"value": [10.5, 11.2]}]


def test_bucketing_and_plan_order():
    data = {"SampleData": {"customer_id": ["C1", "C2"], "age": [25, 35], "income": [50, 75]}}
    r = mloda.run_all(["customer_id", "income", "income__sum_aggr", "age__avg_aggr"],
                      compute_frameworks=["PythonDict"], api_data=data)
    assert isinstance(r, RunResult) and isinstance(r, list)
    assert r == [{"customer_id": ["C1", "C2"], "income": [50, 75]},
                 {"income__sum_aggr": [125, 125], "age__avg_aggr": [30.0, 30.0]}]
    compute = [s for s in r.plan if s.requested_feature_names]
    assert [s.feature_group_name for s in compute] == ["ApiInputDataFeature", "AggregatedFeatureGroup"]
    assert [set(s.requested_feature_names) for s in compute] == [set(t) for t in r]
    assert compute[1].compute_framework_name == "PythonDict"


def test_group_options_split_tables_context_options_do_not():
    data = {"T": {"value": [1.0, 2.0, 4.0]}}
    split = mloda.run_all([Feature("my_max", {"aggregation_type": "max", "in_features": "value"}),
                           "value__sum_aggr"], compute_frameworks=["PythonDict"], api_data=data)
    assert len(split) == 2
    one = mloda.run_all([Feature("my_max", Options(context={"aggregation_type": "max", "in_features": "value"})),
                         "value__sum_aggr"], compute_frameworks=["PythonDict"], api_data=data)
    assert one == [{"my_max": [4.0] * 3, "value__sum_aggr": [7.0] * 3}]


def test_stream_all_plans_eagerly_and_matches_run_all():
    feats = ["value", "value__mean_aggr", "value__max_aggr", "value__mean_imputed"]
    stream = mloda.stream_all(feats, compute_frameworks=["PythonDict"], api_data=SENSOR)
    assert isinstance(stream, ResultStream) and [s.step_kind for s in stream.plan][0] == "compute"
    streamed = list(stream)
    ran = mloda.run_all(feats, compute_frameworks=["PythonDict"], api_data=SENSOR)
    assert sorted(map(str, streamed)) == sorted(map(str, ran)) and len(streamed) == len(ran)
    with pytest.raises(FeatureResolutionError) as info:
        mloda.stream_all(["valeu"], api_data=SENSOR)  # raised at the call, not at next()
    assert "valeu" in str(info.value) and info.value.feature_name == "valeu"


def test_session_stream_run_equals_run_for_large_batches():
    n = 50_000
    data = {"T": {"a": np.random.default_rng(1).random(n), "b": np.arange(n, dtype=np.float64)}}
    feats = ["a__sum_aggr", "b__max_aggr", "a__standard_scaled", "b__mean_imputed", "a__median_aggr"]
    s = mloda.prepare(feats, compute_frameworks=["MlodaCFrame"], api_data=data)
    ran = {tuple(t.column_names): t.to_pydict() for t in s.run(api_data=data)}
    streamed = {tuple(t.column_names): t.to_pydict() for t in s.stream_run(api_data=data)}
    assert ran == streamed


@pytest.mark.parametrize("framework,check", [
    ("PandasDataFrame", lambda r: isinstance(r, pd.DataFrame) and r["value__mean_aggr"].tolist() == [10.85] * 2),
    ("PythonDict", lambda r: r == {"value__mean_aggr": [10.85, 10.85]}),
    ("MlodaCFrame", lambda r: isinstance(r, mloda_c.MlodaTable) and r.group == "AggregatedFeatureGroup"
     and r.to_numpy()["value__mean_aggr"].tolist() == [10.85] * 2),
])
def test_result_types(framework, check):
    r = mloda.run_all(["value__mean_aggr"], compute_frameworks=[framework], api_data=SENSOR)
    assert check(r[0])


def test_native_table_interfaces():
    from mloda_c.user.python_dict import PythonDict
    r = mloda.run_all(["value", "timestamp"], compute_frameworks={PythonDict}, api_data=SENSOR)
    assert r == [{"value": [10.5, 11.2], "timestamp": [1, 2]}]
    t = mloda.run_all(["value"], compute_frameworks=["MlodaCFrame"], api_data=SENSOR)[0]
    assert t.columns == ["value"] and t.shape == (2, 1) and "value" in t and len(t) == 2
    assert t.to_pandas()["value"].tolist() == [10.5, 11.2]
    assert hasattr(t, "__arrow_c_stream__") and hasattr(t, "__arrow_c_array__")
    with pytest.raises(KeyError):
        t["nope"]
    with pytest.raises((ValueError, TypeError)):
        t["value"][0] = 1.0  # results are immutable


def test_mixed_frameworks_per_feature():
    r = mloda.run_all([Feature("value", compute_framework="PythonDict"), "value__sum_aggr"],
                      compute_frameworks=["PandasDataFrame", "PythonDict"], api_data=SENSOR)
    kinds = sorted(type(x).__name__ for x in r)
    assert kinds == ["DataFrame", "dict"]


def test_pyarrow_framework_is_clear_without_pyarrow():
    try:
        import pyarrow  # noqa: F401
        pytest.skip("pyarrow is installed here")
    except ImportError:
        pass
    with pytest.raises(SetupConfigurationError) as info:
        mloda.run_all(["value"], compute_frameworks=["PyArrowTable"], api_data=SENSOR)
    assert "pyarrow" in str(info.value) and "MlodaCFrame" in str(info.value)


@pytest.mark.parametrize("kwargs,words", [
    ({"compute_frameworks": ["NoSuchFrame"]}, "unknown compute framework 'NoSuchFrame'"),
    ({"compute_frameworks": ["PolarsDataFrame"]}, "not supported on the C engine"),
    ({"column_ordering": "random"}, "column_ordering must be None"),
    ({"parallelization_modes": {"SPEED"}}, "parallelization_modes"),
])
def test_setup_errors(kwargs, words):
    with pytest.raises(SetupConfigurationError) as info:
        mloda.run_all(["value"], api_data=SENSOR, **kwargs)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)


def test_resolution_errors():
    with pytest.raises(FeatureResolutionError) as info:
        mloda.prepare(["value__mean_agr"], api_data=SENSOR)
    assert "value__mean_aggr" in str(info.value)  # the closest name
    with pytest.raises(SetupConfigurationError) as info:
        mloda.run_all(["value", "value"], api_data=SENSOR)
    assert "value" in str(info.value)
    with pytest.raises(FeatureResolutionError):
        mloda.run_all(["value"])  # no api_data: nothing provides it


def test_column_ordering():
    data = {"T": {"b": [1], "a": [2], "c": [3]}}
    r = mloda.run_all(["c", "a", "b"], compute_frameworks=["MlodaCFrame"], api_data=data,
                      column_ordering="alphabetical")
    assert r[0].columns == ["a", "b", "c"]
    r = mloda.run_all(["c", "a", "b"], compute_frameworks=["MlodaCFrame"], api_data=data)
    assert r[0].columns == ["c", "a", "b"]


def test_global_filter():
    gf = GlobalFilter()
    gf.add_filter("v", "range", {"min": 2, "max": 4, "max_exclusive": True})
    r = mloda.run_all(["v", "v__sum_aggr"], compute_frameworks=["PythonDict"],
                      api_data={"T": {"v": [1, 2, 3, 4]}}, global_filter=gf)
    assert r == [{"v": [2, 3]}, {"v__sum_aggr": [5, 5]}]
    bad = GlobalFilter()
    bad.add_filter("nope", "min", {"value": 1})
    with pytest.raises(ValueError) as info:
        mloda.run_all(["v"], api_data={"T": {"v": [1]}}, global_filter=bad)
    assert "nope" in str(info.value)


def test_links_join_tables():
    data = {"Orders": {"customer_id": [1, 2, 9], "shop": [[3.0, 4.0], [3.0, 4.0], [0.0, 0.0]]},
            "Customers": {"id": [1, 2], "home": [[0.0, 0.0], [3.0, 4.0]]}}
    link = Link.left(JoinSpec("Orders", "customer_id"), JoinSpec("Customers", "id"))
    r = mloda.run_all(["shop&home__euclidean_distance"], compute_frameworks=["PythonDict"],
                      api_data=data, links={link})
    assert r == [{"shop&home__euclidean_distance": [5.0, 0.0, None]}]

    class NotATable:
        pass
    with pytest.raises(SetupConfigurationError) as info:
        mloda.run_all(["shop"], api_data=data,
                      links={Link.inner(JoinSpec(NotATable, "customer_id"), JoinSpec("Customers", "id"))})
    assert "names tables directly" in str(info.value)


def test_data_access_collection(tmp_path):
    csv = tmp_path / "customers.csv"
    csv.write_text("id,credit\n1,10.5\n2,20\n")
    db = tmp_path / "shop.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE orders (oid INTEGER, amount REAL)")
    con.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 2.5), (2, 4.0)])
    con.commit()
    con.close()
    dac = DataAccessCollection(files={str(csv)}, credentials={"sqlite": str(db)})
    r = mloda.run_all(["credit__sum_aggr", "amount__max_aggr"], compute_frameworks=["PythonDict"],
                      data_access_collection=dac)
    got = {k: v for t in r for k, v in t.items()}
    assert got == {"credit__sum_aggr": [30.5, 30.5], "amount__max_aggr": [4.0, 4.0]}
    with pytest.raises(SetupConfigurationError):
        DataAccessCollection(files=[str(tmp_path / "x.parquet")])._engine()


def test_load_features_from_config_and_features():
    feats = load_features_from_config(
        '["customer_id", {"name": "income__sum_aggr"},'
        ' {"name": "total", "options": {"aggregation_type": "sum", "in_features": "income"}}]',
        format="json")
    r = mloda.run_all(Features(feats), compute_frameworks=["PythonDict"],
                      api_data={"S": {"customer_id": ["a", "b"], "income": [1, 2]}})
    got = {k: v for t in r for k, v in t.items()}
    assert got == {"customer_id": ["a", "b"], "income__sum_aggr": [3, 3], "total": [3, 3]}
    with pytest.raises(SetupConfigurationError):
        load_features_from_config("[1, 2")


def test_prepare_then_run_without_data_reuses_the_example_and_get_result():
    s = mloda.prepare(["value__sum_aggr"], compute_frameworks=["PythonDict"], api_data=SENSOR)
    with pytest.raises(ValueError):
        s.get_result()
    assert s.run() == [{"value__sum_aggr": [21.7, 21.7]}]
    assert s.get_result() == [{"value__sum_aggr": [21.7, 21.7]}]
    assert "AggregatedFeatureGroup" in s.plan_text()
    assert PluginLoader.all() is not None
    assert mloda.explain(["value__sum_aggr"], api_data=SENSOR)[-1].requested_feature_names == ("value__sum_aggr",)


def test_features_from_two_tables_are_each_computed():
    # mloda silently drops one table's features here; the C engine computes both
    r = mloda.run_all(["a", "c"], compute_frameworks=["PythonDict"],
                      api_data={"A": {"a": [1, 2]}, "C": {"c": [3.0]}})
    assert sorted(map(str, r)) == sorted(map(str, [{"a": [1, 2]}, {"c": [3.0]}]))


def test_extra_parameters_are_accepted():
    r = mloda.run_all(["value"], compute_frameworks=["PythonDict"], api_data=SENSOR, flight_server=object(),
                      function_extender=set(), copy_features=False, strict_type_enforcement=True,
                      parallelization_modes={ParallelizationMode.MULTIPROCESSING})
    assert r == [{"value": [10.5, 11.2]}]


def test_top_level_names_as_mloda():
    # `import mloda; mloda.run_all(...)`, `from mloda import FeatureGroup, Feature, Options`
    assert mloda_c.run_all(["value"], compute_frameworks=["PythonDict"], api_data=SENSOR) == \
        [{"value": [10.5, 11.2]}]
    from mloda_c import Feature as F, FeatureGroup, Options as O  # noqa: F401
    from mloda_c.provider import ApiDataFeatureGroup, BaseInputData, DataCreator
    assert issubclass(DataCreator, BaseInputData)
    from mloda_c.user import PluginCollector
    only_api = PluginCollector.enabled_feature_groups({ApiDataFeatureGroup})
    assert mloda.run_all(["value"], compute_frameworks=["PythonDict"], api_data=SENSOR,
                         plugin_collector=only_api) == [{"value": [10.5, 11.2]}]
    with pytest.raises(FeatureResolutionError):
        mloda.run_all(["value__sum_aggr"], api_data=SENSOR, plugin_collector=only_api)
