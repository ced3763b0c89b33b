"""mloda's user API (mloda.user) on the C engine."""
from .._api import PlanStep, ResultStream, RunResult, mloda, mlodaAPI, resolve_feature, stream_all
from .._errors import (ApiDataError, DataTypeMismatchError, EmptyResultError, FeatureResolutionError,
                       MlodaCError, MlodaRunError, SetupConfigurationError)
from .._features import (Credential, DataAccessCollection, DataType, Domain, Feature, FeatureName,
                         Features, FilterType, GlobalFilter, Index, JoinSpec, JoinType, Link, Options,
                         ParallelizationMode, PluginCollector, PluginLoader, SingleFilter,
                         load_features_from_config)
from .._frameworks import MlodaCFrame, MlodaTable

__all__ = [
    "mlodaAPI", "mloda", "stream_all", "RunResult", "ResultStream", "PlanStep",
    "Feature", "Features", "FeatureName", "Options", "Domain",
    "Link", "JoinType", "JoinSpec", "Index",
    "GlobalFilter", "SingleFilter", "FilterType",
    "DataAccessCollection", "Credential", "DataType", "ParallelizationMode",
    "PluginLoader", "PluginCollector", "load_features_from_config", "resolve_feature",
    "FeatureResolutionError", "SetupConfigurationError", "DataTypeMismatchError",
    "EmptyResultError", "MlodaRunError", "ApiDataError", "MlodaCError",
    "MlodaCFrame", "MlodaTable",
]
