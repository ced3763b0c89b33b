"""mloda's provider API (mloda.provider): write feature groups in Python."""
from .._features import DataType, Feature, FeatureName, Index, JoinSpec, Link, Options
from .._frameworks import ComputeFramework
from .._groups import ColumnMapping, DataCreator, FeatureGroup, FeatureSet

AbstractFeatureGroup = FeatureGroup

__all__ = ["FeatureGroup", "AbstractFeatureGroup", "DataCreator", "FeatureSet", "ColumnMapping",
           "ComputeFramework", "Feature", "FeatureName", "Options", "DataType", "Index",
           "JoinSpec", "Link"]
