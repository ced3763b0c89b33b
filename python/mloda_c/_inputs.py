"""Hooks that normalize input values the extension does not read directly.

The extension reads lists, tuples, buffer-protocol arrays (numpy float64/int64 without a
copy; other numbers widened), object arrays and Arrow PyCapsule producers itself. This
module turns the rest into one of those: pandas Series and DataFrames (zero-copy for numpy
dtypes and pandas' nullable Int64/Float64/boolean, whose values the engine borrows and whose
mask becomes the validity bitmap), datetime64 arrays (viewed as int64 plus the unit: no
copy), numpy fixed-width strings, big-endian and float16 arrays, masked arrays and other
iterables.

Tagged tuples understood by the extension:
    ("masked", values, valid)                 valid: bool array, True = present
    ("timestamp", int64 values, unit, valid)  unit "s"|"ms"|"us"|"ns"; NaT (INT64_MIN) is null
"""


def _is_pandas(obj):
    return type(obj).__module__.split(".")[0] == "pandas"


def _datetime_array(np, arr, where):
    unit, count = np.datetime_data(arr.dtype)
    if count != 1 or unit not in ("s", "ms", "us", "ns"):
        arr = arr.astype("datetime64[us]" if unit not in ("Y", "M", "W", "D", "h", "m") else "datetime64[s]")
        unit = np.datetime_data(arr.dtype)[0]
    arr = np.ascontiguousarray(arr)
    return ("timestamp", arr.view("int64"), unit, None)


def _numpy_array(np, arr, where):
    kind = arr.dtype.kind
    if arr.ndim == 0:
        raise TypeError(f"{where}: expected an array of values, got a numpy scalar array")
    if kind == "M":
        return _datetime_array(np, arr, where)
    if kind == "m":
        raise TypeError(f"{where}: timedelta columns are not supported (convert them to numbers)")
    if kind == "c":
        raise TypeError(f"{where}: complex numbers are not supported")
    if kind in ("U", "S"):
        out = arr.astype(object)
        if kind == "S":
            out = np.array([b.decode("utf-8") for b in arr], dtype=object)
        return out
    if isinstance(arr, np.ma.MaskedArray):
        return ("masked", np.ascontiguousarray(arr.data), ~np.ma.getmaskarray(arr))
    if kind == "f" and arr.dtype.itemsize == 2:
        return arr.astype("float64")
    if not arr.dtype.isnative:
        return arr.astype(arr.dtype.newbyteorder("="))
    if kind == "V":
        raise TypeError(f"{where}: structured arrays are not supported; pass one array per column")
    return arr


def _pandas_values(pd, np, s, where):
    """A pandas Series / Index / ExtensionArray as a column value."""
    arr = s.array if hasattr(s, "array") else s
    dtype = getattr(s, "dtype", None)
    # nullable ints, floats and booleans: values borrowed, mask -> validity
    if hasattr(arr, "_data") and hasattr(arr, "_mask"):
        return ("masked", np.ascontiguousarray(arr._data), ~np.asarray(arr._mask))
    if isinstance(dtype, pd.DatetimeTZDtype):
        naive = s.dt.tz_convert("UTC").dt.tz_localize(None) if hasattr(s, "dt") else \
            s.tz_convert("UTC").tz_localize(None)
        return _datetime_array(np, np.asarray(naive), where)
    if isinstance(dtype, pd.CategoricalDtype):
        return np.asarray(s, dtype=object) if dtype.categories.dtype == object else \
            _numpy_array(np, np.asarray(s), where)
    if isinstance(dtype, pd.StringDtype):
        return s.to_numpy(dtype=object, na_value=None)
    if isinstance(dtype, pd.SparseDtype):
        return _numpy_array(np, np.asarray(s), where)
    if dtype is not None and getattr(dtype, "kind", None) == "M":
        return _datetime_array(np, s.to_numpy(), where)
    return _numpy_array(np, s.to_numpy(), where)


def convert_column(obj, where):
    """Hook: a value the extension could not read directly, normalized."""
    mod = type(obj).__module__.split(".")[0]
    if mod == "numpy":
        import numpy as np
        if isinstance(obj, np.ndarray):
            return _numpy_array(np, obj, where)
        raise TypeError(f"{where}: expected an array of values, got a single {type(obj).__name__}")
    if mod == "pandas":
        import numpy as np
        import pandas as pd
        if isinstance(obj, pd.DataFrame):
            raise TypeError(f"{where}: a DataFrame is a table, not a column; pass it as the "
                            "table: api_data={'T': df}")
        return _pandas_values(pd, np, obj, where)
    if hasattr(obj, "__array__") and mod not in ("builtins",):
        import numpy as np
        return _numpy_array(np, np.asarray(obj), where)
    if isinstance(obj, (set, frozenset)):
        raise TypeError(f"{where}: a set has no order; pass a list")
    if hasattr(obj, "__iter__") and not isinstance(obj, (str, bytes, dict)):
        return list(obj)
    return obj  # the extension reports what it got


def convert_table(obj, where):
    """Hook: a table value that is not a dict of columns or an Arrow table."""
    if _is_pandas(obj):
        import pandas as pd
        if isinstance(obj, pd.DataFrame):
            names = list(obj.columns)
            if len(set(names)) != len(names):
                raise ValueError(f"{where}: the DataFrame has duplicate column names")
            out = {}
            for j, name in enumerate(names):
                if not isinstance(name, str):
                    raise TypeError(f"{where}: column names must be str, got {name!r}")
                out[name] = obj.iloc[:, j]
            return out
    if hasattr(obj, "keys") and hasattr(obj, "__getitem__"):
        return {k: obj[k] for k in obj.keys()}
    raise TypeError(f"{where}: expected a dict of columns, a pandas DataFrame or an object with "
                    f"__arrow_c_stream__ / __arrow_c_array__, got {type(obj).__name__}")
