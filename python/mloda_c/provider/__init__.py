"""mloda's provider API (mloda.provider): write feature groups in Python."""
from .._features import DataType, Feature, FeatureName, Index, JoinSpec, Link, Options
from .._frameworks import ComputeFramework
from .._groups import BaseInputData, ColumnMapping, DataCreator, FeatureGroup, FeatureSet

AbstractFeatureGroup = FeatureGroup


class ApiDataFeatureGroup:
    """The engine's built-in api-data feature group ("ApiInputDataFeature"), for
    PluginCollector selections written for mloda. It cannot be a JoinSpec side: links name
    api_data tables directly."""

    builtin_name = "ApiInputDataFeature"


__all__ = ["FeatureGroup", "AbstractFeatureGroup", "ApiDataFeatureGroup", "BaseInputData",
           "DataCreator", "FeatureSet", "ColumnMapping", "ComputeFramework", "Feature",
           "FeatureName", "Options", "DataType", "Index", "JoinSpec", "Link"]
