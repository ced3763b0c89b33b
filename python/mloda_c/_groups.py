"""Feature groups written in Python: mloda's FeatureGroup contract on the engine's plugin
interface.

A subclass of FeatureGroup is registered next to the built-in groups (through the C plugin
struct) whenever a request is planned. The engine calls, through the extension:

- match_feature_group_criteria(feature_name, options, data_access_collection): at prepare,
  for every feature of the request and of its inputs (mloda's rule too);
- input_features(options, feature_name): at prepare, for the features the group matched;
- the output type is declared at prepare too (see _bind);
- calculate_feature(data, features): per batch. ``data`` is the inputs' columns: a
  DataFrame when the group's compute_framework_rule (or, without a rule, the request's
  framework) is pandas; a dict of lists for PythonDict; a pyarrow Table for PyArrowTable;
  otherwise a ColumnMapping of zero-copy numpy arrays (which also exports the Arrow
  PyCapsule interface). None for a root without inputs (a DataCreator).
"""
import inspect
import re

from . import _core
from ._errors import EmptyResultError, SetupConfigurationError, _TypeRetry
from ._features import DataType, Feature, FeatureName, Options, _plain
from ._frameworks import PREFERENCE, framework_name


class BaseInputData:
    """Base of a feature group's input data (mloda.provider.BaseInputData)."""

    def matches(self, feature_name, options=None, data_access_collection=None):
        return False


class DataCreator(BaseInputData):
    """The input data of a root feature group that creates its data itself:
    ``input_data()`` returns DataCreator({"col_a", "col_b"}), and calculate_feature(None,
    features) returns those columns (any row count)."""

    def __init__(self, supports_features):
        self.feature_names = set(supports_features)

    def matches(self, feature_name, options=None, data_access_collection=None):
        return str(feature_name) in self.feature_names

    def __repr__(self):
        return f"DataCreator({sorted(self.feature_names)!r})"


class FeatureSet:
    """The features one calculate_feature call computes (equal group options)."""

    def __init__(self, features):
        self.features = list(features)
        self.filters = None

    @property
    def name_of_one_feature(self):
        return self.features[0].name

    def get_name_of_one_feature(self):
        return self.features[0].name

    def get_all_names(self):
        return [f.name for f in self.features]

    def get_initial_requested_features(self):
        return [f.name for f in self.features]

    @property
    def options(self):
        return self.features[0].options

    def get_options_key(self, key):
        return self.features[0].options.get(key)

    def __iter__(self):
        return iter(self.features)

    def __len__(self):
        return len(self.features)

    def __repr__(self):
        return f"FeatureSet({[str(f.name) for f in self.features]!r})"


class FeatureGroup:
    """Base class of feature groups written in Python (mloda.provider.FeatureGroup).

    Override what you need, with mloda's names:
      match_feature_group_criteria(cls, feature_name, options, data_access_collection=None)
      input_features(self, options, feature_name) -> set of Feature|str, or None (a root)
      calculate_feature(cls, data, features) -> columns (DataFrame, dict, Series, array)
      feature_names_supported(cls) -> set of names this group computes
      input_data(cls) -> DataCreator({...}) for a root that makes its own data
      compute_framework_rule(cls) -> {PandasDataFrame} etc., or None
      return_data_type_rule(cls, feature) -> DataType of the output, or None
    The default match accepts the class name, names starting with the class name and "_",
    feature_names_supported() and the DataCreator's names.
    """

    _mloda_c_abstract = True  # this class itself is never registered

    def __init__(self):
        pass

    @classmethod
    def get_class_name(cls):
        return cls.__name__

    @classmethod
    def prefix(cls):
        return f"{cls.get_class_name()}_"

    @classmethod
    def description(cls):
        doc = inspect.getdoc(cls)
        return doc or f"Python feature group {cls.__module__}.{cls.__qualname__}"

    @classmethod
    def version(cls):
        return "python"

    @classmethod
    def feature_names_supported(cls):
        return set()

    @classmethod
    def input_data(cls):
        return None

    @classmethod
    def compute_framework_rule(cls):
        return None

    @classmethod
    def return_data_type_rule(cls, feature):
        return None

    @classmethod
    def index_columns(cls):
        return None

    @classmethod
    def artifact(cls):
        return None

    @classmethod
    def match_feature_group_criteria(cls, feature_name, options, data_access_collection=None):
        name = str(feature_name)
        if name in {str(n) for n in (cls.feature_names_supported() or ())}:
            return True
        data = cls.input_data()
        if data is not None and hasattr(data, "matches") and data.matches(
                name, options, data_access_collection):
            return True
        if name.startswith(cls.prefix()):
            return True
        return name == cls.get_class_name()

    def input_features(self, options, feature_name):
        return None

    @classmethod
    def calculate_feature(cls, data, features):
        raise NotImplementedError(f"{cls.__name__}.calculate_feature is not implemented")


class ColumnMapping(dict):
    """The inputs of a calculate_feature call: {name: read-only numpy array}, sharing the
    engine's memory where the layout allows; also an Arrow PyCapsule producer of the same
    columns (zero-copy)."""

    __slots__ = ("_table",)

    def __init__(self, table):
        super().__init__(table.to_numpy())
        self._table = table

    @property
    def table(self):
        return self._table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)

    def __arrow_c_array__(self, requested_schema=None):
        return self._table.__arrow_c_array__(requested_schema)


# ---------------------------------------------------------------- registration

def concrete_groups():
    """Every registered subclass of FeatureGroup (recursively), in definition order."""
    seen, out, stack = set(), [], list(reversed(FeatureGroup.__subclasses__()))
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if "_mloda_c_abstract" not in cls.__dict__ and not inspect.isabstract(cls):
            out.append(cls)
        stack.extend(reversed(cls.__subclasses__()))
    return out


_FRAME_OF = {"PandasDataFrame": "pandas", "PyArrowTable": "pyarrow", "PythonDict": "pydict",
             "MlodaCFrame": "numpy"}


def _frame_kind(cls, default_framework):
    rule = cls.compute_framework_rule()
    if rule is None or rule is True:
        return _FRAME_OF[default_framework]
    names = {framework_name(fw) for fw in (rule if isinstance(rule, (set, frozenset, list, tuple))
                                            else {rule})}
    if default_framework in names:
        return _FRAME_OF[default_framework]
    for name in PREFERENCE:
        if name in names:
            return _FRAME_OF[name]
    return "numpy"


class GroupState:
    """What bind fixed for one feature (read-only during runs)."""

    __slots__ = ("cls", "feature", "kind", "spec", "input_names")

    def __init__(self, cls, feature, kind, spec, input_names):
        self.cls = cls
        self.feature = feature
        self.kind = kind
        self.spec = spec  # (type, list_size, unit, multi)
        self.input_names = input_names

    @property
    def multi(self):
        return self.spec[3]


# ---------------------------------------------------------------- hooks (called by _core)

def group_match(cls, name, group, context, ctx):
    dac = ctx.data_access_collection if ctx is not None else None
    return bool(cls.match_feature_group_criteria(FeatureName(name), Options(group, context), dac))


def _input_items(result):
    if result is None:
        return []
    if isinstance(result, (str, Feature)):
        result = [result]
    items = list(result)
    if isinstance(result, (set, frozenset)):
        items.sort(key=lambda f: str(f.name if isinstance(f, Feature) else f))
    return items


def group_inputs(cls, name, group, context, ctx):
    result = cls().input_features(Options(group, context), FeatureName(name))
    out = []
    for f in _input_items(result):
        if isinstance(f, str):
            out.append((str(f), None, None))
        elif isinstance(f, Feature):
            if f.link is not None:
                raise SetupConfigurationError(
                    f"{cls.__name__}.input_features: links declared on input features are not "
                    "supported on the C engine; pass links=[Link(...)] naming the api_data tables "
                    "to run_all/prepare instead")
            out.append((str(f.name), {k: _plain(v) for k, v in f.options.group.items()},
                        {k: _plain(v) for k, v in f.options.context.items()}))
        else:
            raise TypeError(f"{cls.__name__}.input_features must return Feature objects or "
                            f"names, got {type(f).__name__}")
    return out


def group_bind(cls, name, group, context, inputs, ctx):
    feature = Feature(name, Options(group, context))
    hints = ctx.hints if ctx is not None else {}
    spec = hints.get(name)
    if spec is None:
        spec = ctx.data_types.get(name) if ctx is not None else None  # Feature(data_type=)
        dt = cls.return_data_type_rule(feature) if spec is None else None
        if spec is not None:
            pass
        elif dt is not None:
            if isinstance(dt, str):
                dt = DataType(dt.upper())
            t, ls, unit = dt.engine_type()
            spec = (t, ls, unit, False)
        else:
            single = [i for i in inputs if not i[4]]
            if single:  # input 0's type, as the engine's default; a run corrects it
                _, t, ls, unit, _ = single[0]
                spec = (t, ls, unit, False)
            else:
                spec = ("float64", 0, "us", False)
    default = ctx.default_framework if ctx is not None else "MlodaCFrame"
    state = GroupState(cls, feature, _frame_kind(cls, default), spec,
                       tuple(i[0] for i in inputs))
    t, ls, unit, multi = spec
    return (state, t, ls, unit, multi, False)


def _data_for(kind, table):
    if table is None:
        return None
    if kind == "pandas":
        return table.to_pandas()
    if kind == "pydict":
        return table.to_pydict()
    if kind == "pyarrow":
        return table.to_pyarrow()
    return ColumnMapping(table)


def _columns_of(result, names, cls):
    """{column name: column value} of what calculate_feature returned."""
    if result is None:
        raise ValueError(f"{cls.__name__}.calculate_feature returned None")
    mod = type(result).__module__.split(".")[0]
    if mod == "pandas":
        import pandas as pd
        if isinstance(result, pd.DataFrame):
            return {str(c): result.iloc[:, j] for j, c in enumerate(result.columns)}
        if isinstance(result, pd.Series):
            if len(names) == 1 and (result.name is None or str(result.name) not in names):
                return {names[0]: result}
            return {str(result.name): result}
    if isinstance(result, _core.Table):
        return {n: result.column(n) for n in result.column_names}
    if isinstance(result, dict):
        return {str(k): v for k, v in result.items()}
    if hasattr(result, "__arrow_c_stream__") or hasattr(result, "__arrow_c_array__"):
        try:
            t = _core.table_from(result)
        except TypeError:
            t = None
        if t is not None:
            return {n: t.column(n) for n in t.column_names}
    if isinstance(result, list) and result and all(isinstance(r, dict) for r in result):
        keys = []
        for r in result:
            keys += [k for k in r if k not in keys]
        return {str(k): [r.get(k) for r in result] for k in keys}
    if len(names) == 1 and (isinstance(result, (list, tuple)) or hasattr(result, "__len__")):
        return {names[0]: result}
    raise TypeError(
        f"{cls.__name__}.calculate_feature returned a {type(result).__name__}; return a "
        "DataFrame, a dict of columns, a Series or an array")


_SUFFIX_RE = re.compile(r"(\d+)$")


def _suffix_key(s):
    m = _SUFFIX_RE.search(s)
    return (0, int(m.group(1)), s) if m and m.group(0) == s else (1, 0, s)


def group_calc(cls, states, table, n_rows):
    kind = states[0].kind
    data = _data_for(kind, table)
    features = FeatureSet([s.feature for s in states])
    result = cls.calculate_feature(data, features)
    names = [str(s.feature.name) for s in states]
    cols = _columns_of(result, names, cls)
    if not cols:
        raise EmptyResultError(f"{cls.__name__}.calculate_feature returned no columns")
    out = []
    for s, name in zip(states, names):
        subs = sorted((k[len(name) + 1:] for k in cols if k.startswith(name + "~")), key=_suffix_key)
        if s.multi:
            pairs = ([("", cols[name])] if name in cols else []) + [(k, cols[f"{name}~{k}"]) for k in subs]
            if not pairs:
                raise ValueError(f"{cls.__name__}.calculate_feature returned no column '{name}' "
                                 f"or '{name}~0'...; it returned {sorted(cols)}")
            out.append(pairs)
        elif name in cols:
            out.append(cols[name])
        elif subs:
            # a multi-column output (name~0, name~1, ...): plan again with that shape
            info = _core.column(cols[f"{name}~{subs[0]}"])._col_info(0)
            raise _TypeRetry(name, info[1], info[2], info[3], True)
        else:
            raise ValueError(f"{cls.__name__}.calculate_feature returned no column '{name}'; it "
                             f"returned {sorted(cols)}")
    return out


def type_retry(state, label, type_name, list_size, unit, multi):
    return _TypeRetry(str(state.feature.name), type_name, list_size, unit, multi)
