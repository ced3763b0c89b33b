"""PyArrow compute framework: results as pyarrow Tables (needs pyarrow >= 14, made through
the Arrow PyCapsule interface; importing this never fails)."""
from .._frameworks import PyArrowTable

__all__ = ["PyArrowTable"]
