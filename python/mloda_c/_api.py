"""mloda's entry points on the C engine: mlodaAPI (= mloda) with run_all, stream_all,
prepare, run and stream_run, the RunResult / ResultStream results and the plan.

prepare() builds one engine request and plans it once (all name matching, Python groups'
match and input_features included); run() and stream_run() only convert the batch (numpy
memory is borrowed, not copied) and run the prepared plan with the GIL released, so any
number of threads may share one session.
"""
import collections
import collections.abc
import threading

from . import _core, _groups
from ._errors import DataTypeMismatchError, MlodaRunError, SetupConfigurationError, _TypeRetry
from ._features import (DataAccessCollection, DataType, Feature, FeatureName, GlobalFilter, Link,
                        ParallelizationMode, PluginCollector, _plain)
from ._frameworks import (FRAMEWORKS, PREFERENCE, check_available, converter, default_framework,
                          framework_name)

SYNC = ParallelizationMode.SYNC
_SYNC_SET = {ParallelizationMode.SYNC}  # mloda's default value of parallelization_modes
_MAX_REPLANS = 16


class PlanStep:
    """One step of the resolved plan (as mloda's PlanStep; join and filter steps are the
    engine's own). ``feature_group`` is the class for a Python feature group and the name
    (str) for a built-in one; ``compute_framework`` the framework class of the step's
    result."""

    __slots__ = ("step_kind", "feature_names", "feature_group", "compute_framework",
                 "requested_feature_names", "injected_feature_names", "source_feature_group",
                 "source_compute_framework", "join_type", "input_feature_names")

    def __init__(self, step_kind, feature_names, feature_group, compute_framework,
                 requested_feature_names=(), injected_feature_names=()):
        self.step_kind = step_kind
        self.feature_names = tuple(feature_names)
        self.feature_group = feature_group
        self.compute_framework = compute_framework
        self.requested_feature_names = tuple(requested_feature_names)
        self.injected_feature_names = tuple(injected_feature_names)
        self.source_feature_group = None
        self.source_compute_framework = None
        self.join_type = None
        self.input_feature_names = ()

    @property
    def feature_group_name(self):
        fg = self.feature_group
        return fg if isinstance(fg, str) or fg is None else fg.__name__

    @property
    def compute_framework_name(self):
        return None if self.compute_framework is None else self.compute_framework.name

    def __eq__(self, other):
        return isinstance(other, PlanStep) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self):
        return hash((self.step_kind, self.feature_names, self.feature_group_name))

    def __repr__(self):
        return (f"PlanStep({self.step_kind!r}, group={self.feature_group_name!r}, "
                f"requested={list(self.requested_feature_names)!r}, "
                f"features={list(self.feature_names)!r})")


class RunResult(list):
    """The list run_all returns: one element per result table in plan order, plus .plan."""

    def __init__(self, results, plan):
        super().__init__(results)
        self._plan = plan

    @property
    def plan(self):
        return self._plan


class ResultStream(collections.abc.Generator):
    """What stream_all returns: a generator of result tables in completion order, with the
    resolved .plan readable before iterating."""

    def __init__(self, stream, plan):
        self._stream = stream
        self._plan = plan

    @property
    def plan(self):
        return self._plan

    def send(self, value):
        return self._stream.send(value)

    def throw(self, typ, val=None, tb=None):
        if val is None and tb is None:
            return self._stream.throw(typ)
        return self._stream.throw(typ, val, tb)

    def close(self):
        self._stream.close()


class _PrepareCtx:
    """Per-prepare settings the feature-group hooks read (thread-local in the extension)."""

    __slots__ = ("hints", "data_types", "data_access_collection", "default_framework")

    def __init__(self, hints, data_types, dac, default):
        self.hints = hints
        self.data_types = data_types
        self.data_access_collection = dac
        self.default_framework = default


# ---------------------------------------------------------------- registries

_builtin = None


def builtin_group_names():
    global _builtin
    if _builtin is None:
        _builtin = frozenset(g[0] for g in _core.builtin_groups())
    return _builtin


def _registry(plugin_collector):
    """(Registry, {engine group name: Python class}) of the groups taking part: the
    built-ins and every live subclass of FeatureGroup, as the plugin collector selects.
    Built per request (about 2 us): nothing keeps a class alive but the sessions using it."""
    if plugin_collector is not None and not isinstance(plugin_collector, PluginCollector):
        raise SetupConfigurationError("plugin_collector must be a PluginCollector")
    builtins = builtin_group_names()
    classes = [c for c in _groups.concrete_groups()
               if plugin_collector is None or plugin_collector.applicable_feature_group_class(c)]
    enabled, disabled = (plugin_collector.builtin_selection(builtins) if plugin_collector
                         else (None, []))
    names, taken = {}, set(builtins)
    for cls in classes:
        name = cls.__name__
        if name in taken:
            name = f"{cls.__module__}.{cls.__qualname__}"
        taken.add(name)
        names[name] = cls
    groups = [(cls, name, str(cls.description())) for name, cls in names.items()]
    return _core.Registry(enabled, disabled, groups), names


# ---------------------------------------------------------------- request

def _check_modes(modes):
    if modes is None:
        return
    if isinstance(modes, (ParallelizationMode, str)):
        modes = {modes}
    try:
        for m in modes:
            if not isinstance(m, ParallelizationMode):
                ParallelizationMode(str(m).lower())
    except (TypeError, ValueError):
        raise SetupConfigurationError(
            f"parallelization_modes must be a set of ParallelizationMode, got {modes!r}") from None


def _features(requested):
    if isinstance(requested, (str, Feature)):
        requested = [requested]
    if not isinstance(requested, (list, tuple, set, frozenset, collections.abc.Iterable)):
        raise SetupConfigurationError(
            f"features must be a list of names or Feature objects, got {type(requested).__name__}")
    out = []
    for f in requested:
        if isinstance(f, Feature):
            out.append(f)
        elif isinstance(f, str):
            out.append(Feature(f))
        else:
            raise SetupConfigurationError(
                f"a feature must be a name (str) or a Feature, got {type(f).__name__}: {f!r}")
    if not out:
        raise SetupConfigurationError("no features requested")
    return out


def _framework_names(compute_frameworks):
    if compute_frameworks is None:
        names = [default_framework()]
    else:
        fws = compute_frameworks
        if isinstance(fws, (str, type)):
            fws = [fws]
        names = []
        for fw in fws:
            n = framework_name(fw)
            if n not in names:
                names.append(n)
        if not names:
            raise SetupConfigurationError("compute_frameworks is empty")
    default = min(names, key=PREFERENCE.index)
    for n in names:
        check_available(n)
    return names, default


class _Spec:
    """A user request, checked and turned into the engine's terms."""

    def __init__(self, requested_features, compute_frameworks, links, data_access_collection,
                 global_filter, plugin_collector, column_ordering):
        if column_ordering not in (None, "alphabetical", "request_order"):
            raise SetupConfigurationError(
                f"column_ordering must be None, 'alphabetical', or 'request_order', got "
                f"'{column_ordering}'")
        self.features = _features(requested_features)
        self.frameworks, self.default = _framework_names(compute_frameworks)
        self.framework_of = {}
        self.data_types = {}
        engine_features = []
        for f in self.features:
            fw = framework_name(f.compute_framework) if f.compute_framework else self.default
            check_available(fw)
            name = str(f.name)
            self.framework_of[name] = fw
            group = {k: _plain(v) for k, v in f.options.group.items()}
            context = {k: _plain(v) for k, v in f.options.context.items()}
            if fw != self.default and "compute_framework" not in group:
                group["compute_framework"] = fw  # mloda buckets by framework: a table apart
            if f.data_type is not None:
                dt = f.data_type if isinstance(f.data_type, DataType) else DataType(str(f.data_type))
                t, ls, unit = dt.engine_type()
                self.data_types[name] = (t, ls, unit, False)
            engine_features.append((name, group or None, context or None))
        self.engine_features = engine_features
        self.dac = data_access_collection
        if data_access_collection is not None and not isinstance(data_access_collection,
                                                                 DataAccessCollection):
            raise SetupConfigurationError("data_access_collection must be a DataAccessCollection")
        sources = data_access_collection._engine() if data_access_collection is not None else []
        if global_filter is not None and not isinstance(global_filter, GlobalFilter):
            raise SetupConfigurationError("global_filter must be a GlobalFilter")
        filters = global_filter._engine() if global_filter is not None else []
        if links is None:
            link_list = []
        else:
            if isinstance(links, Link):
                links = [links]
            link_list = []
            for link in links:
                if not isinstance(link, Link):
                    raise SetupConfigurationError(f"links must hold Link objects, got {link!r}")
                link_list.append(link._engine())
        self.registry, self.group_classes = _registry(plugin_collector)
        self.request = _core.Request(
            engine_features, 1 if column_ordering == "alphabetical" else 0, filters, link_list,
            sources)
        self.converters = {fw: converter(fw) for fw in self.frameworks}
        for fw in set(self.framework_of.values()):
            self.converters.setdefault(fw, converter(fw))


# ---------------------------------------------------------------- the API

class mlodaAPI:
    """A prepared request (mloda's session): ``mloda.prepare(...)`` or ``mloda(...)`` plans
    once; ``run(api_data)`` / ``stream_run(api_data)`` compute each micro-batch.

    Parameters are mloda's. ``parallelization_modes`` is accepted and checked: on the C
    engine small batches run on the calling thread and large ones spread independent
    feature groups over the engine's thread pool, whatever the mode (results are the
    same). ``flight_server`` and ``function_extender`` are accepted and unused (no Arrow
    Flight, no extenders on a C engine); ``copy_features`` and ``strict_type_enforcement``
    are accepted (features are never modified; column types are always checked).
    """

    def __init__(self, requested_features, compute_frameworks=None, links=None,
                 data_access_collection=None, global_filter=None, api_data=None,
                 plugin_collector=None, copy_features=True, strict_type_enforcement=False,
                 column_ordering=None, parallelization_modes=None):
        _check_modes(parallelization_modes)
        self._spec = _Spec(requested_features, compute_frameworks, links, data_access_collection,
                           global_filter, plugin_collector, column_ordering)
        self.features = self._spec.features
        self.api_data = api_data
        self.column_ordering = column_ordering
        self.strict_type_enforcement = strict_type_enforcement
        self._hints = {}
        self._lock = threading.Lock()
        self._last = None
        self._plan_cache = None
        self._session = self._prepare()
        self._set_converter()

    # ------------------------------------------------ planning

    def _prepare(self):
        spec = self._spec
        ctx = _PrepareCtx(dict(self._hints), spec.data_types, spec.dac, spec.default)
        return _core.prepare(spec.registry, spec.request, self.api_data, ctx)

    def _set_converter(self):
        spec = self._spec
        used = set(spec.framework_of.values())
        if len(used) == 1:
            self._convert = spec.converters[used.pop()]
        else:
            self._convert = self._convert_by_name

    def _convert_by_name(self, t):
        spec = self._spec
        names = t.column_names
        fw = spec.default
        if names:
            n = names[0]
            fw = spec.framework_of.get(n) or spec.framework_of.get(n.rsplit("~", 1)[0], fw)
        conv = spec.converters[fw]
        return t if conv is None else conv(t)

    def _learn(self, retry, session):
        """A Python group returned another type than planned: plan again with it."""
        with self._lock:
            if self._session is not session:
                return  # another thread planned again already
            if self._hints.get(retry.feature) == retry.spec:
                raise DataTypeMismatchError(
                    f"feature '{retry.feature}': the feature group returned {retry.spec[0]} "
                    "although it was planned for that type")
            self._hints[retry.feature] = retry.spec
            self._session = self._prepare()
            self._plan_cache = None

    # ------------------------------------------------ running

    def run(self, api_data=None, parallelization_modes=_SYNC_SET, flight_server=None,
            function_extender=None, artifacts=None):
        """Computes one batch (None: the api_data given to prepare); a list of results in
        plan order, one per result table."""
        if parallelization_modes is not _SYNC_SET:
            _check_modes(parallelization_modes)
        self._last = None  # the previous results go now, not after this batch is computed
        for _ in range(_MAX_REPLANS):
            session = self._session
            try:
                tables = session.run(api_data)
                break
            except _TypeRetry as retry:
                self._learn(retry, session)
        else:
            raise MlodaRunError("feature groups kept changing their output types")
        conv = self._convert
        result = tables if conv is None else [conv(t) for t in tables]
        self._last = result
        return result

    def stream_run(self, api_data=None, parallelization_modes=_SYNC_SET, flight_server=None,
                   function_extender=None, artifacts=None):
        """Computes one batch and yields each result table as soon as its feature group
        finishes (completion order). The batch is checked at this call; a calculation
        error is raised by the iteration, after the results before it."""
        if parallelization_modes is not _SYNC_SET:
            _check_modes(parallelization_modes)
        session = self._session
        return self._stream(session, session.stream_run(api_data), api_data)

    def _stream(self, session, stream, api_data):
        seen = set()
        results = []
        conv = self._convert
        try:
            replans = 0
            while True:
                try:
                    t = next(stream)
                except StopIteration:
                    break
                except _TypeRetry as retry:
                    replans += 1
                    if replans > _MAX_REPLANS:
                        raise MlodaRunError("feature groups kept changing their output types") from None
                    stream.close()
                    self._learn(retry, session)
                    session = self._session
                    stream = session.stream_run(api_data)
                    continue
                key = tuple(t.column_names)
                if key in seen:
                    continue  # already yielded before a re-plan
                seen.add(key)
                r = t if conv is None else conv(t)
                results.append(r)
                yield r
            self._last = results
        finally:
            stream.close()

    # ------------------------------------------------ mloda's class-level calls

    @classmethod
    def prepare(cls, features, compute_frameworks=None, links=None, data_access_collection=None,
                global_filter=None, api_data=None, plugin_collector=None, copy_features=True,
                strict_type_enforcement=False, column_ordering=None, parallelization_modes=None):
        """Plans the request once (api_data: an example batch with the tables' names,
        columns and types); returns the session."""
        return cls(features, compute_frameworks, links, data_access_collection, global_filter,
                   api_data=api_data, plugin_collector=plugin_collector,
                   copy_features=copy_features, strict_type_enforcement=strict_type_enforcement,
                   column_ordering=column_ordering, parallelization_modes=parallelization_modes)

    @staticmethod
    def run_all(features, compute_frameworks=None, links=None, data_access_collection=None,
                parallelization_modes=_SYNC_SET, flight_server=None, function_extender=None,
                global_filter=None, api_data=None, plugin_collector=None, copy_features=True,
                strict_type_enforcement=False, column_ordering=None):
        """Plans and computes in one call; a RunResult (a list in plan order, with .plan)."""
        session = mlodaAPI.prepare(
            features, compute_frameworks, links, data_access_collection, global_filter,
            api_data=api_data, plugin_collector=plugin_collector, copy_features=copy_features,
            strict_type_enforcement=strict_type_enforcement, column_ordering=column_ordering,
            parallelization_modes=parallelization_modes)
        return RunResult(session.run(None, parallelization_modes, flight_server, function_extender),
                         session.resolved_plan())

    @staticmethod
    def stream_all(features, compute_frameworks=None, links=None, data_access_collection=None,
                   parallelization_modes=_SYNC_SET, flight_server=None, function_extender=None,
                   global_filter=None, api_data=None, plugin_collector=None, copy_features=True,
                   strict_type_enforcement=False, column_ordering=None):
        """Plans at the call (errors raise here) and yields result tables in completion
        order; a ResultStream with .plan."""
        session = mlodaAPI.prepare(
            features, compute_frameworks, links, data_access_collection, global_filter,
            api_data=api_data, plugin_collector=plugin_collector, copy_features=copy_features,
            strict_type_enforcement=strict_type_enforcement, column_ordering=column_ordering,
            parallelization_modes=parallelization_modes)
        return ResultStream(session.stream_run(None, parallelization_modes, flight_server,
                                               function_extender), session.resolved_plan())

    @staticmethod
    def explain(features, *, compute_frameworks=None, links=None, data_access_collection=None,
                global_filter=None, api_data=None, plugin_collector=None, column_ordering=None,
                **kwargs):
        """The resolved plan of a request, without computing."""
        return mlodaAPI.prepare(features, compute_frameworks, links, data_access_collection,
                                global_filter, api_data=api_data,
                                plugin_collector=plugin_collector,
                                column_ordering=column_ordering).resolved_plan()

    # ------------------------------------------------ inspection

    def resolved_plan(self):
        """The plan as a list of PlanStep in plan order."""
        cached = self._plan_cache
        if cached is not None:
            return cached
        spec = self._spec
        steps = []
        for kind, group, feats in self._session.steps():
            names = [f for f, _ in feats]
            requested = [f for f, r in feats if r]
            fw = spec.framework_of.get(requested[0], spec.default) if requested else spec.default
            fg = spec.group_classes.get(group, group)
            steps.append(PlanStep(kind, names, fg, FRAMEWORKS[fw], requested,
                                  [f for f, r in feats if not r]))
        self._plan_cache = steps
        return steps

    def plan_text(self, json=False):
        """The engine's plan text (as `mloda explain`)."""
        return self._session.plan(bool(json))

    def get_result(self):
        """The results of the last run or fully read stream on this session."""
        if self._last is None:
            raise ValueError("You need to run any run function beforehand.")
        return self._last

    def get_artifacts(self):
        return {}


mloda = mlodaAPI
stream_all = mlodaAPI.stream_all


def resolve_feature(feature, api_data=None, **kwargs):
    """The feature group that a feature name resolves to (its name, or the Python class)."""
    plan = mlodaAPI.explain([feature], api_data=api_data, **kwargs)
    name = str(feature.name if isinstance(feature, Feature) else feature)
    for step in plan:
        if name in step.requested_feature_names:
            return step.feature_group
    return None
