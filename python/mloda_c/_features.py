"""The request vocabulary of mloda's user API: features, options, links, filters, data
access, plugin selection. Plain Python objects: the session turns them into one engine
request when it plans (mloda_c._api)."""
import enum
import json
import os

from ._errors import SetupConfigurationError


class FeatureName(str):
    """A feature name (a str; mloda labels result columns with it)."""

    @property
    def name(self):
        return str(self)

    def __repr__(self):
        return f"FeatureName({str.__repr__(self)})"


def _plain(value):
    """An option value as the engine takes it (None, bool, int, float, str, list of those)."""
    if isinstance(value, (Feature, FeatureName)):
        return str(value.name if isinstance(value, Feature) else value)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    # numpy scalars and the like
    for conv in (int, float):
        try:
            if type(value).__name__.startswith(conv.__name__):
                return conv(value)
        except (TypeError, ValueError):
            pass
    return value  # the engine names the option and the type it cannot take


class Options:
    """Feature options in two buckets (SPEC §1.5): ``group`` options are part of the
    feature's identity and split result tables; ``context`` options do not. A key lives in
    one bucket only."""

    def __init__(self, group=None, context=None):
        self.group = dict(group or {})
        self.context = dict(context or {})
        both = set(self.group) & set(self.context)
        if both:
            raise ValueError(f"option keys {sorted(both)} are in both group and context")

    def get(self, key, default=None):
        if key in self.group:
            return self.group[key]
        return self.context.get(key, default)

    def __contains__(self, key):
        return key in self.group or key in self.context

    def __getitem__(self, key):
        if key in self:
            return self.get(key)
        raise KeyError(key)

    def keys(self):
        return list(self.group) + list(self.context)

    def items(self):
        return list(self.group.items()) + list(self.context.items())

    def add(self, key, value):
        self.add_to_group(key, value)

    def add_to_group(self, key, value):
        if key in self.context:
            raise ValueError(f"option '{key}' is already a context option")
        self.group[key] = value

    def add_to_context(self, key, value):
        if key in self.group:
            raise ValueError(f"option '{key}' is already a group option")
        self.context[key] = value

    def update_with_protected_keys(self, other, protected_keys=None):
        for k, v in other.group.items():
            self.group.setdefault(k, v)
        for k, v in other.context.items():
            if k not in self.group:
                self.context.setdefault(k, v)

    def copy(self):
        return Options(dict(self.group), dict(self.context))

    def _key(self):
        return json.dumps([_plain(self.group), _plain(self.context)], sort_keys=True, default=str)

    def __eq__(self, other):
        return isinstance(other, Options) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"Options(group={self.group!r}, context={self.context!r})"


class DataType(enum.Enum):
    """Column types a feature may declare (Feature(..., data_type=...))."""

    INT32 = "INT32"
    INT64 = "INT64"
    FLOAT = "FLOAT"
    DOUBLE = "DOUBLE"
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    BINARY = "BINARY"
    DATE = "DATE"
    TIMESTAMP_MILLIS = "TIMESTAMP_MILLIS"
    TIMESTAMP_MICROS = "TIMESTAMP_MICROS"
    DECIMAL = "DECIMAL"

    def engine_type(self):
        """(type, list_size, unit) of the engine column this data type maps to."""
        return {
            "INT32": ("int64", 0, "s"), "INT64": ("int64", 0, "s"),
            "FLOAT": ("float64", 0, "s"), "DOUBLE": ("float64", 0, "s"),
            "DECIMAL": ("float64", 0, "s"), "BOOLEAN": ("bool", 0, "s"),
            "STRING": ("utf8", 0, "s"), "BINARY": ("utf8", 0, "s"),
            "DATE": ("timestamp", 0, "s"), "TIMESTAMP_MILLIS": ("timestamp", 0, "ms"),
            "TIMESTAMP_MICROS": ("timestamp", 0, "us"),
        }[self.value]


class Domain:
    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, Domain) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"Domain({self.name!r})"


class Index:
    """Key columns of a join side: Index(("id",)) or Index(("a", "b"))."""

    def __init__(self, index):
        self.index = (index,) if isinstance(index, str) else tuple(index)

    def __eq__(self, other):
        return isinstance(other, Index) and other.index == self.index

    def __hash__(self):
        return hash(self.index)

    def __repr__(self):
        return f"Index({self.index!r})"


class Feature:
    """A requested feature: a name plus options (a dict goes to the group bucket, as in
    mloda). ``compute_framework`` chooses the result type of this feature's table;
    ``data_type`` declares the type a Python feature group returns for it."""

    def __init__(self, name, options=None, domain=None, compute_framework=None, data_type=None,
                 initial_requested_data=False, link=None, index=None, **kwargs):
        if isinstance(name, Feature):
            name = name.name
        if not isinstance(name, str) or not name:
            raise SetupConfigurationError(f"a feature name must be a non-empty str, got {name!r}")
        self.name = FeatureName(name)
        if options is None:
            self.options = Options()
        elif isinstance(options, Options):
            self.options = options
        elif isinstance(options, dict):
            self.options = Options(group=options)
        else:
            raise SetupConfigurationError(
                f"options of feature '{name}' must be a dict or Options, got {type(options).__name__}")
        self.domain = domain if domain is None or isinstance(domain, Domain) else Domain(domain)
        if compute_framework is None:
            compute_framework = self.options.get("compute_framework")
        self.compute_framework = compute_framework
        if isinstance(data_type, str):
            data_type = DataType(data_type.upper())
        self.data_type = data_type
        self.initial_requested_data = initial_requested_data
        self.link = link
        self.index = index if index is None or isinstance(index, Index) else Index(index)
        self.extra = kwargs

    def get_name(self):
        return self.name

    @property
    def feature_name(self):
        return self.name

    def _key(self):
        return (str(self.name), self.options)

    def __eq__(self, other):
        if isinstance(other, str):
            return str(self.name) == other and not self.options.keys()
        return isinstance(other, Feature) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        opts = "" if not self.options.keys() else f", {self.options!r}"
        return f"Feature({str(self.name)!r}{opts})"

    @classmethod
    def not_typed(cls, name, options=None):
        return cls(name, options)

    @classmethod
    def _typed(cls, dt, name, options=None, **kw):
        return cls(name, options, data_type=dt, **kw)

    @classmethod
    def int32_of(cls, name, options=None, **kw):
        return cls._typed(DataType.INT32, name, options, **kw)

    @classmethod
    def int64_of(cls, name, options=None, **kw):
        return cls._typed(DataType.INT64, name, options, **kw)

    @classmethod
    def float_of(cls, name, options=None, **kw):
        return cls._typed(DataType.FLOAT, name, options, **kw)

    @classmethod
    def double_of(cls, name, options=None, **kw):
        return cls._typed(DataType.DOUBLE, name, options, **kw)

    @classmethod
    def str_of(cls, name, options=None, **kw):
        return cls._typed(DataType.STRING, name, options, **kw)

    @classmethod
    def boolean_of(cls, name, options=None, **kw):
        return cls._typed(DataType.BOOLEAN, name, options, **kw)

    @classmethod
    def timestamp_millis_of(cls, name, options=None, **kw):
        return cls._typed(DataType.TIMESTAMP_MILLIS, name, options, **kw)

    @classmethod
    def timestamp_micros_of(cls, name, options=None, **kw):
        return cls._typed(DataType.TIMESTAMP_MICROS, name, options, **kw)


class Features(list):
    """A list of features (str or Feature), accepted wherever a list is."""

    def __init__(self, features=()):
        super().__init__(features)

    @property
    def features(self):
        return list(self)


class JoinType(enum.Enum):
    INNER = "inner"
    LEFT = "left"
    RIGHT = "right"
    OUTER = "outer"
    APPEND = "append"
    UNION = "union"
    ASOF = "asof"  # mloda_c: pandas' merge_asof semantics (params on the Link)


class JoinSpec:
    """One side of a link. On the C engine the side names a table directly: an api_data key
    (``JoinSpec("Orders", "customer_id")``) or a data source's table name. A feature-group
    class is accepted when it carries a ``table`` attribute naming one."""

    def __init__(self, feature_group, index):
        self.feature_group = feature_group
        if isinstance(index, Index):
            self.index = index
        else:
            self.index = Index(index)

    def table_name(self):
        fg = self.feature_group
        if isinstance(fg, str):
            return fg
        table = getattr(fg, "table", None)
        if isinstance(table, str):
            return table
        raise SetupConfigurationError(
            f"JoinSpec({getattr(fg, '__name__', fg)!r}, ...): on the C engine a link names "
            "tables directly; give the api_data key or data source name as a str "
            "(e.g. JoinSpec('Orders', 'customer_id'))")

    def __repr__(self):
        return f"JoinSpec({self.feature_group!r}, {self.index!r})"


class Link:
    """A join between two tables: Link(JoinType.LEFT, JoinSpec(...), JoinSpec(...)) or
    Link.left(JoinSpec(...), JoinSpec(...)). Discriminators are accepted and unused (the C
    engine names tables directly)."""

    def __init__(self, jointype, left_feature_group, right_feature_group, left_discriminator=None,
                 right_discriminator=None, params=None):
        if isinstance(jointype, str):
            jointype = JoinType(jointype.lower())
        self.jointype = jointype
        self.left = left_feature_group
        self.right = right_feature_group
        self.left_discriminator = left_discriminator
        self.right_discriminator = right_discriminator
        self.params = params

    @property
    def left_feature_group(self):
        return self.left.feature_group

    @property
    def right_feature_group(self):
        return self.right.feature_group

    @classmethod
    def inner(cls, left, right, **kw):
        return cls(JoinType.INNER, left, right, **kw)

    @classmethod
    def left(cls, left, right, **kw):  # noqa: F811 (mloda's name)
        return cls(JoinType.LEFT, left, right, **kw)

    @classmethod
    def right(cls, left, right, **kw):  # noqa: F811
        return cls(JoinType.RIGHT, left, right, **kw)

    @classmethod
    def outer(cls, left, right, **kw):
        return cls(JoinType.OUTER, left, right, **kw)

    @classmethod
    def append(cls, left, right, **kw):
        return cls(JoinType.APPEND, left, right, **kw)

    @classmethod
    def union(cls, left, right, **kw):
        return cls(JoinType.UNION, left, right, **kw)

    @classmethod
    def asof(cls, left, right, params, **kw):
        return cls(JoinType.ASOF, left, right, params=params, **kw)

    @classmethod
    def inner_on(cls, left_table, right_table, left_index="id", right_index=None):
        return cls.inner(JoinSpec(left_table, left_index),
                         JoinSpec(right_table, right_index or left_index))

    def _engine(self):
        left, right = self.left, self.right
        if not isinstance(left, JoinSpec) or not isinstance(right, JoinSpec):
            raise SetupConfigurationError("a Link joins two JoinSpec sides")
        return (self.jointype.value, left.table_name(), right.table_name(),
                tuple(left.index.index), tuple(right.index.index),
                {k: _plain(v) for k, v in self.params.items()} if self.params else None)

    def __repr__(self):
        return f"Link({self.jointype.value}, {self.left!r}, {self.right!r})"


# Link.left / Link.right are classmethods, as in mloda; the JoinSpec sides are kept in
# instance attributes of the same names, which shadow them on instances only.


class FilterType(enum.Enum):
    min = "min"
    max = "max"
    equal = "equal"
    range = "range"
    regex = "regex"
    categorical_inclusion = "categorical_inclusion"
    time_range = "time_range"


class SingleFilter:
    def __init__(self, filter_feature, filter_type, parameter):
        self.filter_feature = filter_feature if isinstance(filter_feature, Feature) else Feature(filter_feature)
        self.filter_type = filter_type.value if isinstance(filter_type, FilterType) else str(filter_type)
        self.parameter = dict(parameter or {})

    @property
    def name(self):
        return str(self.filter_feature.name)

    def __repr__(self):
        return f"SingleFilter({self.name!r}, {self.filter_type!r}, {self.parameter!r})"


class GlobalFilter:
    """Row filters for every feature of the filtered column's table (SPEC §7.3)."""

    def __init__(self):
        self.filters = []

    def add_filter(self, filter_feature, filter_type, parameter):
        self.filters.append(SingleFilter(filter_feature, filter_type, parameter))

    def add_time_and_time_travel_filters(self, event_from, event_to, valid_from=None, valid_to=None,
                                         max_exclusive=True, time_filter_feature="reference_time",
                                         time_travel_filter_feature="time_travel"):
        def iso(t):
            return t.isoformat() if hasattr(t, "isoformat") else t
        self.add_filter(time_filter_feature, "time_range",
                        {"from": iso(event_from), "to": iso(event_to), "max_exclusive": max_exclusive})
        if valid_from is not None or valid_to is not None:
            p = {"max_exclusive": max_exclusive}
            if valid_from is not None:
                p["from"] = iso(valid_from)
            if valid_to is not None:
                p["to"] = iso(valid_to)
            self.add_filter(time_travel_filter_feature, "time_range", p)

    def _engine(self):
        return [(f.filter_type, f.name, {k: _plain(v) for k, v in f.parameter.items()})
                for f in self.filters]


class Credential:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


_FILE_KINDS = {".csv": "csv", ".json": "ndjson", ".ndjson": "ndjson", ".jsonl": "ndjson"}


class DataAccessCollection:
    """Files, folders and databases whose columns a plain feature name may resolve to.
    Supported on the C engine: CSV and NDJSON files (.csv, .json, .ndjson, .jsonl), folders
    of those, and SQLite databases given as credentials ``{"sqlite": "path.db"}`` (every
    table becomes a source named by the table)."""

    def __init__(self, connections=None, files=None, folders=None, credentials=None,
                 column_to_file=None, credential_dicts=None):
        self.connections = connections
        self.files = files
        self.folders = folders
        self.credentials = credentials if credentials is not None else credential_dicts
        self.column_to_file = column_to_file

    @staticmethod
    def _as_list(v):
        if v is None:
            return []
        if isinstance(v, (str, os.PathLike)):
            return [v]
        if isinstance(v, dict):
            return list(v.values())
        return list(v)

    def _engine(self):
        out = []
        for path in self._as_list(self.files):
            path = os.fspath(path)
            kind = _FILE_KINDS.get(os.path.splitext(path)[1].lower())
            if kind is None:
                raise SetupConfigurationError(
                    f"data file '{path}': the C engine reads CSV and NDJSON files (.csv, .json, "
                    ".ndjson, .jsonl); Parquet, Feather and ORC are not supported")
            out.append((kind, path, None, None))
        for folder in self._as_list(self.folders):
            folder = os.fspath(folder)
            if not os.path.isdir(folder):
                raise SetupConfigurationError(f"data folder '{folder}' is not a directory")
            for name in sorted(os.listdir(folder)):
                kind = _FILE_KINDS.get(os.path.splitext(name)[1].lower())
                if kind and not name.startswith("."):
                    out.append((kind, os.path.join(folder, name), None, None))
        creds = self.credentials
        for cred in self._as_list(creds) if not isinstance(creds, dict) else [creds]:
            db = cred.get("sqlite") if isinstance(cred, dict) else getattr(cred, "sqlite", None)
            if db is None:
                continue
            import sqlite3
            db = os.fspath(db)
            if not os.path.exists(db):
                raise SetupConfigurationError(f"sqlite database '{db}' does not exist")
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                tables = [r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view') "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            finally:
                con.close()
            out += [("sqlite", db, None, t) for t in tables]
        return out


class ParallelizationMode(enum.Enum):
    SYNC = "sync"
    THREADING = "threading"
    MULTIPROCESSING = "multiprocessing"


class PluginCollector:
    """Which feature groups take part: ``PluginCollector.enabled_feature_groups({A, B})``
    or ``.disabled_feature_groups({C})``. Classes are Python feature groups; strings name
    them or the engine's built-in groups ("AggregatedFeatureGroup", see ``mloda groups``).
    The api-data group is always enabled."""

    def __init__(self, enabled=None, disabled=None):
        self.enabled = None if enabled is None else set(self._as_set(enabled))
        self.disabled = set(self._as_set(disabled)) if disabled is not None else set()

    @staticmethod
    def _as_set(v):
        if isinstance(v, (set, frozenset, list, tuple)):
            return v
        return {v}

    @classmethod
    def enabled_feature_groups(cls, groups):
        return cls(enabled=groups)

    @classmethod
    def disabled_feature_groups(cls, groups):
        return cls(disabled=groups)

    @staticmethod
    def _name(g):
        return g if isinstance(g, str) else getattr(g, "__name__", str(g))

    def applicable_feature_group_class(self, cls):
        names = {cls, cls.__name__}
        if names & self.disabled:
            return False
        return self.enabled is None or bool(names & self.enabled)

    @staticmethod
    def _builtin(g):
        return g if isinstance(g, str) else getattr(g, "builtin_name", None)

    def builtin_selection(self, builtin_names):
        """(enabled names or None, disabled names) of the built-in groups."""
        disabled = sorted({self._builtin(n) for n in self.disabled} & set(builtin_names))
        enabled = None
        if self.enabled is not None:
            named = {self._builtin(n) for n in self.enabled} & set(builtin_names)
            if named:
                enabled = sorted(named | {"ApiInputDataFeature"})
        return enabled, disabled


class PluginLoader:
    """mloda loads plugin modules here; the C engine's groups are built in, and feature
    groups written in Python register themselves by subclassing FeatureGroup, so
    ``PluginLoader.all()`` has nothing to do."""

    def __init__(self):
        self.loaded = []

    @classmethod
    def all(cls):
        return cls()

    def load_group(self, group):
        self.loaded.append(group)
        return self

    def list_loaded_modules(self, *args, **kwargs):
        return list(self.loaded)


def load_features_from_config(config_str, format="json"):
    """Features from a JSON list: names, or objects with "name" and optional "options"
    (group options, as a dict passed to Feature), "group_options", "context_options" and
    "in_features" (a context option)."""
    if format != "json":
        raise SetupConfigurationError(f"config format '{format}' is not supported (only json)")
    try:
        items = json.loads(config_str)
    except json.JSONDecodeError as e:
        raise SetupConfigurationError(f"feature config is not valid JSON: {e}") from e
    if not isinstance(items, list):
        raise SetupConfigurationError("feature config must be a JSON list")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append(item)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise SetupConfigurationError(f"feature config item {i} needs a \"name\"")
        group = dict(item.get("group_options") or {})
        context = dict(item.get("context_options") or {})
        group.update(item.get("options") or {})
        if "in_features" in item:
            context["in_features"] = item["in_features"]
        out.append(Feature(item["name"], Options(group=group, context=context)
                           if (group or context) else None))
    return out
