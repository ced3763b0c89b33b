"""Feature groups written in Python: registered next to the built-ins, in chains with them
in both directions, with numpy, pandas and dict inputs; raising, returning wrong lengths,
wrong types or nothing (clear errors, the session stays usable); matching and inputs at
prepare only; output types learned from the first run."""
import numpy as np
import pandas as pd
import pytest

from mloda_c.provider import DataCreator, FeatureGroup
from mloda_c.user import (DataType, DataTypeMismatchError, EmptyResultError, Feature,
                          FeatureResolutionError, Options, PluginCollector, mloda)
from mloda_c.user.pandas import PandasDataFrame

CALLS = {"match": 0, "inputs": 0, "calculate": 0}


class ScaledBy(FeatureGroup):
    """{x}__times_{k}: x * k (numpy inputs)."""

    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        CALLS["match"] += 1
        name = str(feature_name)
        return "__times_" in name and name.rsplit("__times_", 1)[1].isdigit()

    def input_features(self, options, feature_name):
        CALLS["inputs"] += 1
        return {Feature(str(feature_name).rsplit("__times_", 1)[0])}

    @classmethod
    def calculate_feature(cls, data, features):
        CALLS["calculate"] += 1
        out = {}
        for f in features.features:
            src, k = str(f.name).rsplit("__times_", 1)
            out[str(f.name)] = data[src] * int(k)
        return out


class PandasRatio(FeatureGroup):
    """ratio_of_{a}_{b}: a / b, written for pandas (Example B's style: adds a column to
    the frame it got and returns the frame)."""

    @classmethod
    def compute_framework_rule(cls):
        return {PandasDataFrame}

    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        name = str(feature_name)
        return name.startswith("ratio_of_") and "__" not in name

    def input_features(self, options, feature_name):
        a, b = str(feature_name)[len("ratio_of_"):].split("_per_")
        return {a, b}

    @classmethod
    def calculate_feature(cls, data, features):
        assert isinstance(data, pd.DataFrame)
        for f in features.features:
            a, b = str(f.name)[len("ratio_of_"):].split("_per_")
            data[str(f.name)] = data[a] / data[b]
        return data


class Labels(FeatureGroup):
    """labels: a string per row from an int input (the output type differs from input 0's)."""

    @classmethod
    def feature_names_supported(cls):
        return {"labels"}

    def input_features(self, options, feature_name):
        return {"n"}

    @classmethod
    def calculate_feature(cls, data, features):
        return pd.Series([f"n={x}" for x in data["n"]])


class Catalog(FeatureGroup):
    """A root that creates its own data (DataCreator), any row count."""

    @classmethod
    def input_data(cls):
        return DataCreator({"catalog_product", "catalog_price"})

    @classmethod
    def calculate_feature(cls, data, features):
        assert data is None
        return {"catalog_product": ["a", "b", "c", "d"], "catalog_price": [1.0, 2.0, None, 4.0]}


class Failing(FeatureGroup):
    @classmethod
    def feature_names_supported(cls):
        return {"fails", "fails_custom"}

    def input_features(self, options, feature_name):
        return {"n"}

    @classmethod
    def calculate_feature(cls, data, features):
        if str(features.get_name_of_one_feature()) == "fails_custom":
            raise CustomError(41, "with a custom constructor")
        raise KeyError("no such thing")


class CustomError(Exception):
    def __init__(self, code, text):
        super().__init__(f"{code}: {text}")
        self.code = code


class BadResults(FeatureGroup):
    @classmethod
    def feature_names_supported(cls):
        return {"short", "nothing", "object", "empty", "none"}

    def input_features(self, options, feature_name):
        return {"n"}

    @classmethod
    def calculate_feature(cls, data, features):
        name = str(features.get_name_of_one_feature())
        if name == "short":
            return {"short": [1.0]}
        if name == "nothing":
            return {"other": [1.0] * len(data["n"])}
        if name == "object":
            return object()
        if name == "none":
            return None
        return {}


class OneHotish(FeatureGroup):
    """split_{x}: two columns split_{x}~0 and ~1 (a multi-column output)."""

    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        name = str(feature_name)
        return name.startswith("split_") and "__" not in name

    def input_features(self, options, feature_name):
        return {str(feature_name)[len("split_"):]}

    @classmethod
    def calculate_feature(cls, data, features):
        name = str(features.get_name_of_one_feature())
        x = data[name[len("split_"):]]
        return {f"{name}~0": x // 2, f"{name}~1": x % 2}


class Declared(FeatureGroup):
    @classmethod
    def feature_names_supported(cls):
        return {"declared"}

    def input_features(self, options, feature_name):
        return {"n"}

    @classmethod
    def return_data_type_rule(cls, feature):
        return DataType.DOUBLE

    @classmethod
    def calculate_feature(cls, data, features):
        return {"declared": data["n"] + 0.5}


class OptionUser(FeatureGroup):
    """scaled: n * factor (a group option)."""

    @classmethod
    def feature_names_supported(cls):
        return {"scaled"}

    def input_features(self, options, feature_name):
        return {"n"}

    @classmethod
    def calculate_feature(cls, data, features):
        return {"scaled": data["n"] * features.get_options_key("factor")}


API = {"T": {"n": np.array([1, 2, 3, 4], dtype=np.int64), "x": np.array([2.0, 4.0, 6.0, 8.0])}}


def flat(results):
    """{column: list} over all result tables (native tables or dicts)."""
    out = {}
    for r in results:
        out.update(r.to_pydict() if hasattr(r, "to_pydict") else r)
    return out


def test_chain_python_after_builtin_and_builtin_after_python():
    r = mloda.run_all(["n__sum_aggr__times_2", "x__times_3__max_aggr", "x__times_3"],
                      compute_frameworks=["MlodaCFrame"], api_data=API)
    got = flat(r)
    assert got["n__sum_aggr__times_2"] == [20, 20, 20, 20]
    assert got["x__times_3"] == [6.0, 12.0, 18.0, 24.0]
    assert got["x__times_3__max_aggr"] == [24.0] * 4


def test_python_group_inputs_are_numpy_without_copies():
    seen = {}

    class Peek(FeatureGroup):
        @classmethod
        def feature_names_supported(cls):
            return {"peek"}

        def input_features(self, options, feature_name):
            return {"x"}

        @classmethod
        def calculate_feature(cls, data, features):
            seen["x"] = data["x"]
            seen["arrow"] = hasattr(data, "__arrow_c_stream__")
            return {"peek": data["x"]}

    x = API["T"]["x"]
    r = mloda.run_all(["peek"], compute_frameworks=["MlodaCFrame"], api_data=API,
                      plugin_collector=PluginCollector.enabled_feature_groups({Peek}))
    assert isinstance(seen["x"], np.ndarray) and np.shares_memory(seen["x"], x) and seen["arrow"]
    assert np.shares_memory(r[0]["peek"], x), "a returned input array goes back without a copy"
    del seen["x"]


def test_pandas_written_group_gets_a_dataframe():
    r = mloda.run_all(["ratio_of_x_per_n", "ratio_of_x_per_n__sum_aggr"],
                      compute_frameworks=["PandasDataFrame"], api_data=API)
    assert r[0]["ratio_of_x_per_n"].tolist() == [2.0, 2.0, 2.0, 2.0]
    assert r[1]["ratio_of_x_per_n__sum_aggr"].tolist() == [8.0] * 4


def test_output_type_learned_from_the_first_run():
    session = mloda.prepare(["labels", "n__count_aggr"], compute_frameworks=["PythonDict"],
                            api_data={"T": {"n": [0]}})
    assert flat(session.run(api_data={"T": {"n": [1, 2]}}))["labels"] == ["n=1", "n=2"]
    assert flat(session.run(api_data={"T": {"n": [3]}}))["labels"] == ["n=3"]
    streamed = list(session.stream_run(api_data={"T": {"n": [5]}}))
    assert {"labels": ["n=5"]} in streamed and {"n__count_aggr": [1]} in streamed


def test_declared_type_and_data_type():
    r = mloda.run_all(["declared", Feature("scaled", {"factor": 1.5}, data_type=DataType.DOUBLE)],
                      compute_frameworks=["MlodaCFrame"], api_data=API)
    got = flat(r)
    assert got["declared"] == [1.5, 2.5, 3.5, 4.5]
    assert got["scaled"] == [1.5, 3.0, 4.5, 6.0]


def test_group_options_reach_the_group_and_split_tables():
    r = mloda.run_all([Feature("scaled", {"factor": 2}), Feature("scaled__sum_aggr")],
                      compute_frameworks=["MlodaCFrame"], api_data=API)
    assert [t.to_pydict() for t in r] == [{"scaled": [2, 4, 6, 8]}, {"scaled__sum_aggr": [20] * 4}]


def test_data_creator_root_with_builtin_chains():
    r = mloda.run_all(["catalog_product", "catalog_price", "catalog_price__mean_imputed",
                       "catalog_price__sum_aggr"], compute_frameworks=["PythonDict"])
    got = flat(r)
    assert got["catalog_product"] == ["a", "b", "c", "d"]
    assert got["catalog_price__mean_imputed"] == [1.0, 2.0, 7.0 / 3, 4.0]
    assert got["catalog_price__sum_aggr"] == [7.0] * 4


def test_multi_column_output():
    r = mloda.run_all(["split_n", "split_n__sum_aggr"], compute_frameworks=["MlodaCFrame"], api_data=API)
    got = flat(r)
    assert got["split_n~0"] == [0, 1, 1, 2] and got["split_n~1"] == [1, 0, 1, 0]
    assert got["split_n__sum_aggr"] == [1, 1, 2, 2]  # row-wise over the columns, as built-ins


def test_matching_and_inputs_run_at_prepare_only():
    session = mloda.prepare(["x__times_2"], compute_frameworks=["MlodaCFrame"], api_data=API)
    before = dict(CALLS)
    for _ in range(5):
        session.run(api_data=API)
    assert CALLS["match"] == before["match"] and CALLS["inputs"] == before["inputs"]
    assert CALLS["calculate"] == before["calculate"] + 5


def test_raising_group_reraises_its_own_type_naming_the_feature():
    session = mloda.prepare(["fails", "n__sum_aggr"], compute_frameworks=["PythonDict"], api_data=API)
    with pytest.raises(KeyError) as info:
        session.run()
    assert "fails" in str(info.value) and "Failing" in str(info.value)
    assert isinstance(info.value.__cause__, KeyError) and info.value.feature_name == "fails"
    # a custom exception whose constructor takes other arguments: the same object, noted
    with pytest.raises(CustomError) as info:
        mloda.run_all(["fails_custom"], api_data=API)
    assert info.value.code == 41
    # the session stays usable
    assert mloda.run_all(["n__sum_aggr"], compute_frameworks=["PythonDict"], api_data=API) == \
        [{"n__sum_aggr": [10, 10, 10, 10]}]


def test_stream_error_comes_after_earlier_results():
    session = mloda.prepare(["n", "n__sum_aggr", "fails"], compute_frameworks=["PythonDict"],
                            api_data=API)
    got = []
    with pytest.raises(KeyError) as info:
        for t in session.stream_run(api_data=API):
            got.append(t)
    assert "fails" in str(info.value)
    assert {"n": [1, 2, 3, 4]} in got  # plan order: the input table comes before the failure
    # the session stays usable for the next batch
    with pytest.raises(KeyError):
        session.run(api_data={"T": {"n": [1, 2], "x": [1.0, 2.0]}})
    ok = mloda.prepare(["n", "n__sum_aggr"], compute_frameworks=["PythonDict"], api_data=API)
    assert ok.run(api_data={"T": {"n": [1, 2], "x": [1.0, 2.0]}}) == [{"n": [1, 2]}, {"n__sum_aggr": [3, 3]}]


@pytest.mark.parametrize("feature,exc,words", [
    ("short", ValueError, "returned 1 rows for 'short', expected 4"),
    ("nothing", ValueError, "returned no column 'nothing'; it returned ['other']"),
    ("object", TypeError, "returned a object"),
    ("none", ValueError, "returned None"),
    ("empty", EmptyResultError, "returned no columns"),
])
def test_bad_results_are_clear_errors(feature, exc, words):
    session = mloda.prepare([feature, "n__max_aggr"], compute_frameworks=["PythonDict"], api_data=API)
    with pytest.raises(exc) as info:
        session.run()
    assert words in str(info.value) and feature in str(info.value)
    assert mloda.run_all(["n__max_aggr"], compute_frameworks=["PythonDict"], api_data=API) == \
        [{"n__max_aggr": [4, 4, 4, 4]}]


def test_type_that_cannot_be_stored_is_a_clear_error():
    class Weird(FeatureGroup):
        @classmethod
        def feature_names_supported(cls):
            return {"weird"}

        def input_features(self, options, feature_name):
            return {"n"}

        @classmethod
        def calculate_feature(cls, data, features):
            return {"weird": [object()] * len(data["n"])}

    with pytest.raises(TypeError) as info:
        mloda.run_all(["weird"], api_data=API, plugin_collector=PluginCollector.enabled_feature_groups(Weird))
    assert "weird" in str(info.value) and "row 0" in str(info.value)


def test_plugin_collector_and_ambiguity():
    class Twin(FeatureGroup):
        @classmethod
        def feature_names_supported(cls):
            return {"labels"}

        def input_features(self, options, feature_name):
            return {"n"}

        @classmethod
        def calculate_feature(cls, data, features):
            return {"labels": ["twin"] * len(data["n"])}

    with pytest.raises(FeatureResolutionError) as info:
        mloda.run_all(["labels"], api_data=API)
    assert "Labels" in str(info.value) and "Twin" in str(info.value)
    r = mloda.run_all(["labels"], compute_frameworks=["PythonDict"], api_data=API,
                      plugin_collector=PluginCollector.disabled_feature_groups({Labels}))
    assert r == [{"labels": ["twin"] * 4}]
    with pytest.raises(FeatureResolutionError):
        mloda.run_all(["n__sum_aggr"], api_data=API,
                      plugin_collector=PluginCollector.disabled_feature_groups({"AggregatedFeatureGroup"}))


def test_match_error_is_raised_at_prepare():
    class BrokenMatch(FeatureGroup):
        @classmethod
        def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
            raise RuntimeError("cannot decide")

    with pytest.raises(RuntimeError) as info:
        mloda.prepare(["n"], api_data=API, plugin_collector=PluginCollector.enabled_feature_groups({BrokenMatch}))
    assert "cannot decide" in str(info.value)


def test_links_on_input_features_are_refused_clearly():
    from mloda_c.user import Index, JoinSpec, Link

    class Linked(FeatureGroup):
        @classmethod
        def feature_names_supported(cls):
            return {"linked"}

        def input_features(self, options, feature_name):
            return {Feature("n", link=Link.inner(JoinSpec("T", "n"), JoinSpec("U", "m")),
                            index=Index(("n",)))}

    with pytest.raises(Exception) as info:
        mloda.prepare(["linked"], api_data=API, plugin_collector=PluginCollector.enabled_feature_groups({Linked}))
    assert "links=" in str(info.value)
