"""The engine's own result tables (MlodaTable): zero-copy numpy columns and the Arrow
PyCapsule interface, no dependency."""
from .._frameworks import MlodaCFrame, MlodaTable

__all__ = ["MlodaCFrame", "MlodaTable"]
