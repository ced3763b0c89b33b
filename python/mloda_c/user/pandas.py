"""Pandas compute framework: results as pandas DataFrames (needs python3-pandas)."""
from .._frameworks import PandasDataFrame

__all__ = ["PandasDataFrame"]
