"""Result types ("compute frameworks"): what a result table becomes for the user.

- "PandasDataFrame": a pandas DataFrame (int columns with nulls as pandas' nullable Int64,
  timestamps as datetime64[ns], geo points as lists);
- "PyArrowTable": a pyarrow Table, made through the Arrow PyCapsule interface (zero-copy);
  needs pyarrow >= 14, which Debian 12 does not package;
- "PythonDict": a dict of lists (None for nulls, datetime for timestamps);
- "MlodaCFrame": the engine's own table (MlodaTable), no extra dependency: zero-copy numpy
  columns, the Arrow PyCapsule interface, to_pandas/to_pydict/to_numpy.
"""
from . import _core
from ._errors import SetupConfigurationError


class ComputeFramework:
    """Base of the framework classes; mloda passes these classes or their names."""

    name = None

    @classmethod
    def get_class_name(cls):
        return cls.name


class PandasDataFrame(ComputeFramework):
    name = "PandasDataFrame"


class PyArrowTable(ComputeFramework):
    name = "PyArrowTable"


class PythonDict(ComputeFramework):
    name = "PythonDict"


class MlodaCFrame(ComputeFramework):
    name = "MlodaCFrame"


FRAMEWORKS = {c.name: c for c in (PandasDataFrame, PyArrowTable, PythonDict, MlodaCFrame)}
# mloda's other frameworks: named so that the error says why they are refused
_UNSUPPORTED = {"PolarsDataFrame", "PolarsLazyDataFrame", "DuckDBFramework", "SparkFramework",
                "IcebergFramework", "SqliteFramework", "PythonDictFramework_"}
PREFERENCE = ["PandasDataFrame", "PyArrowTable", "PythonDict", "MlodaCFrame"]


def framework_name(fw):
    """The name of a framework given as a class, an instance or a str."""
    if isinstance(fw, str):
        name = fw
    elif isinstance(fw, type):
        name = getattr(fw, "name", None) or fw.__name__
    else:
        name = getattr(fw, "name", None) or type(fw).__name__
    if name == "PythonDictFramework":
        name = "PythonDict"
    if name not in FRAMEWORKS:
        if name in _UNSUPPORTED or name.startswith(("Polars", "DuckDB", "Spark", "Iceberg")):
            raise SetupConfigurationError(
                f"compute framework '{name}' is not supported on the C engine; use one of "
                f"{PREFERENCE}")
        raise SetupConfigurationError(
            f"unknown compute framework '{name}'; supported: {PREFERENCE}")
    return name


def have_pandas():
    try:
        import pandas  # noqa: F401
        return True
    except ImportError:
        return False


def default_framework():
    return "PandasDataFrame" if have_pandas() else "MlodaCFrame"


def check_available(name):
    if name == "PandasDataFrame" and not have_pandas():
        raise SetupConfigurationError(
            "compute framework 'PandasDataFrame' needs pandas, which is not installed "
            "(apt-get install python3-pandas); 'MlodaCFrame' and 'PythonDict' need nothing")
    if name == "PyArrowTable":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise SetupConfigurationError(
                "compute framework 'PyArrowTable' needs pyarrow, which is not installed (Debian "
                "12 does not package it); use 'MlodaCFrame' instead: its tables export the Arrow "
                "PyCapsule interface, so pyarrow.table(t) works wherever pyarrow is") from None


def _np():
    import numpy
    return numpy


class MlodaTable(_core.Table):
    """A result table of the engine (immutable, shares memory with the inputs it passes
    through). Column names index it: ``t["value"]`` is a read-only numpy array that
    shares the table's memory where the layout allows (int64, float64, timestamps, lists
    of floats without nulls)."""

    __slots__ = ()

    @property
    def columns(self):
        return self.column_names

    @property
    def shape(self):
        return (self.num_rows, self.num_columns)

    def keys(self):
        return self.column_names

    def __iter__(self):
        return iter(self.column_names)

    def __contains__(self, name):
        return isinstance(name, str) and self._column_index(name) >= 0

    def _index(self, name):
        i = self._column_index(name) if isinstance(name, str) else -1
        if i < 0:
            raise KeyError(f"no column {name!r}; columns: {self.column_names}")
        return i

    def column(self, name):
        """Column ``name`` as a numpy array (zero-copy for int64, float64, timestamps and
        lists of floats; nulls become NaN/NaT, or None in object arrays)."""
        return self._numpy(self._index(name))

    __getitem__ = column

    def _numpy(self, i):
        np = _np()
        name, typ, list_size, unit, n_nulls = self._col_info(i)
        if typ in ("int64", "float64", "timestamp", "float64_list"):
            arr = np.asarray(self._values(i))
            if typ == "timestamp":
                arr = arr.view(f"datetime64[{unit}]")
            if n_nulls:
                valid = np.frombuffer(self._valid(i), dtype=bool)
                if typ == "int64":
                    arr = arr.astype("float64")  # mloda/pandas: an int column with nulls is float
                else:
                    arr = arr.copy()
                arr[~valid] = np.datetime64("NaT") if typ == "timestamp" else np.nan
            return arr
        if typ == "bool":
            vals = np.frombuffer(self._bools(i), dtype=bool)
            if n_nulls:
                out = vals.astype(object)
                out[~np.frombuffer(self._valid(i), dtype=bool)] = None
                return out
            return vals
        out = np.empty(self.num_rows, dtype=object)
        out[:] = self._pylist(i)
        return out

    def to_numpy(self):
        """{column: numpy array} (see column())."""
        return {name: self._numpy(i) for i, name in enumerate(self.column_names)}

    def to_pandas(self):
        """A pandas DataFrame with the table's columns."""
        import pandas as pd
        np = _np()
        data = {}
        for i, name in enumerate(self.column_names):
            _, typ, list_size, unit, n_nulls = self._col_info(i)
            if typ == "int64" and n_nulls:
                valid = np.frombuffer(self._valid(i), dtype=bool)
                data[name] = pd.arrays.IntegerArray(np.array(self._values(i)), ~valid)
            elif typ == "bool" and n_nulls:
                valid = np.frombuffer(self._valid(i), dtype=bool)
                data[name] = pd.arrays.BooleanArray(
                    np.frombuffer(self._bools(i), dtype=bool).copy(), ~valid)
            elif typ == "timestamp":
                data[name] = self._numpy(i).astype("datetime64[ns]")
            elif typ == "float64_list":
                col = np.empty(self.num_rows, dtype=object)
                col[:] = self._pylist(i)
                data[name] = col
            else:
                data[name] = self._numpy(i)
        return pd.DataFrame(data, columns=self.column_names)

    def to_pyarrow(self):
        """A pyarrow Table (zero-copy through the Arrow PyCapsule interface)."""
        check_available("PyArrowTable")
        import pyarrow as pa
        try:
            return pa.table(self)
        except TypeError:  # pyarrow < 14 has no PyCapsule support in pa.table
            return pa.RecordBatchReader._import_from_c_capsule(self.__arrow_c_stream__()).read_all()

    def __repr__(self):
        cols = ", ".join(self.column_names)
        return f"<MlodaTable {self.group}: {self.num_rows} rows [{cols}]>"

    def __eq__(self, other):
        if not isinstance(other, _core.Table):
            return NotImplemented
        return self.column_names == other.column_names and self.to_pydict() == other.to_pydict()

    __hash__ = None


def converter(name):
    """Function turning a MlodaTable into the framework's object."""
    if name == "PandasDataFrame":
        return MlodaTable.to_pandas
    if name == "PyArrowTable":
        return MlodaTable.to_pyarrow
    if name == "PythonDict":
        return MlodaTable.to_pydict
    return None
