"""mloda_c: mloda's Python API on the mloda-c engine (a C11 library).

    from mloda_c.user import mloda
    result = mloda.run_all(["value", "value__mean_aggr"],
                           api_data={"SensorData": {"value": [1.0, 2.0, 4.0]}})

Import paths mirror mloda's: mloda_c.user (the API), mloda_c.user.pandas / .pyarrow /
.python_dict (compute framework classes), mloda_c.provider (FeatureGroup, DataCreator).
"""
from . import _core
from . import _bridge  # noqa: F401  (connects the extension to the Python layer)
from ._api import mloda, mlodaAPI
from ._features import Feature, Options
from ._frameworks import MlodaTable
from ._groups import FeatureGroup

__version__ = "1.0.0"
engine_version = _core.engine_version

# mloda's top-level names (`import mloda; mloda.run_all(...)`, `from mloda import Feature`)
run_all = mlodaAPI.run_all
stream_all = mlodaAPI.stream_all
prepare = mlodaAPI.prepare

__all__ = ["MlodaTable", "__version__", "engine_version", "live_objects", "mloda", "mlodaAPI",
           "run_all", "stream_all", "prepare", "Feature", "Options", "FeatureGroup"]


def live_objects():
    """Counts of live extension objects (tables, streams, sessions, buffers lent to the
    engine, Arrow exports, Python feature-group states, stashed exceptions): for leak
    checks."""
    return _core._live()
