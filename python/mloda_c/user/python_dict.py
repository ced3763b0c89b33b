"""Python dict compute framework: results as dicts of lists (no dependency)."""
from .._frameworks import PythonDict

PythonDictFramework = PythonDict

__all__ = ["PythonDict", "PythonDictFramework"]
