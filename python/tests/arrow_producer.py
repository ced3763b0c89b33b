"""A foreign Arrow producer for the tests (pyarrow is not packaged for Debian 12): builds
Arrow C Data Interface structs with ctypes over numpy buffers and hands them out through
the Arrow PyCapsule interface (__arrow_c_array__ / __arrow_c_stream__), as pyarrow,
polars or DuckDB would. It counts release calls so tests can check that the engine
releases each array exactly once, and only after its last column is gone.

Test code only: the package itself never uses ctypes.
"""
import ctypes
import itertools
import threading

import numpy as np

c_int64 = ctypes.c_int64


class ArrowSchema(ctypes.Structure):
    pass


class ArrowArray(ctypes.Structure):
    pass


class ArrowArrayStream(ctypes.Structure):
    pass


SchemaRelease = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))
ArrayRelease = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArray))
ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", c_int64), ("n_children", c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)), ("release", SchemaRelease),
    ("private_data", ctypes.c_void_p)]
ArrowArray._fields_ = [
    ("length", c_int64), ("null_count", c_int64), ("offset", c_int64), ("n_buffers", c_int64),
    ("n_children", c_int64), ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowArray))),
    ("dictionary", ctypes.POINTER(ArrowArray)), ("release", ArrayRelease),
    ("private_data", ctypes.c_void_p)]
GetSchema = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream), ctypes.POINTER(ArrowSchema))
GetNext = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream), ctypes.POINTER(ArrowArray))
GetError = ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.POINTER(ArrowArrayStream))
StreamRelease = ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArrayStream))
ArrowArrayStream._fields_ = [
    ("get_schema", GetSchema), ("get_next", GetNext), ("get_last_error", GetError),
    ("release", StreamRelease), ("private_data", ctypes.c_void_p)]

_api = ctypes.pythonapi
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p

_get_pointer_raw = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))

_ids = itertools.count(1)
_lock = threading.Lock()
_alive = {}          # id -> objects keeping buffers and structs alive until release
stats = {"array_releases": 0, "schema_releases": 0, "stream_releases": 0}

_NAMES = {b"arrow_schema": ctypes.c_char_p(b"arrow_schema"),
          b"arrow_array": ctypes.c_char_p(b"arrow_array"),
          b"arrow_array_stream": ctypes.c_char_p(b"arrow_array_stream")}


@SchemaRelease
def _release_schema(ptr):
    s = ptr.contents
    with _lock:
        _alive.pop(s.private_data, None)
        stats["schema_releases"] += 1
    s.release = SchemaRelease()


@ArrayRelease
def _release_array(ptr):
    a = ptr.contents
    with _lock:
        _alive.pop(a.private_data, None)
        stats["array_releases"] += 1
    a.release = ArrayRelease()


def alive_count():
    with _lock:
        return len(_alive)


# ---------------------------------------------------------------- columns

class Column:
    """One Arrow array: format, buffers (numpy arrays or None), length, offset, children."""

    def __init__(self, fmt, buffers, length, offset=0, null_count=0, children=()):
        self.fmt = fmt
        self.buffers = buffers
        self.length = length
        self.offset = offset
        self.null_count = null_count
        self.children = list(children)


def bitmap(valid):
    """A validity bitmap (numpy uint8) from a list of bools."""
    return np.packbits(np.asarray(valid, dtype=bool), bitorder="little")


def float64(values, valid=None, offset=0):
    v = np.ascontiguousarray(values, dtype=np.float64)
    nulls = 0 if valid is None else int(len(valid) - np.count_nonzero(valid))
    return Column("g", [None if valid is None else bitmap(valid), v], len(v) - offset, offset, nulls)


def int64(values, valid=None, offset=0):
    v = np.ascontiguousarray(values, dtype=np.int64)
    nulls = 0 if valid is None else int(len(valid) - np.count_nonzero(valid))
    return Column("l", [None if valid is None else bitmap(valid), v], len(v) - offset, offset, nulls)


def utf8(strings, large=False):
    data = b"".join(s.encode() for s in strings if s is not None)
    offs, pos = [0], 0
    for s in strings:
        pos += 0 if s is None else len(s.encode())
        offs.append(pos)
    valid = [s is not None for s in strings]
    nulls = valid.count(False)
    return Column("U" if large else "u",
                  [bitmap(valid) if nulls else None,
                   np.array(offs, dtype=np.int64 if large else np.int32),
                   np.frombuffer(data or b"\0", dtype=np.uint8)], len(strings), 0, nulls)


def timestamp_us(values):
    return Column("tsu:", [None, np.ascontiguousarray(values, dtype=np.int64)], len(values))


def points(rows):
    flat = np.ascontiguousarray(rows, dtype=np.float64).reshape(-1)
    k = len(rows[0])
    child = Column("g", [None, flat], len(flat))
    return Column(f"+w:{k}", [None], len(rows), children=[child])


def _fill_schema(s, fmt, name, children, keep):
    s.format = fmt.encode()
    s.name = name.encode()
    s.flags = 2
    s.n_children = len(children)
    if children:
        arr = (ctypes.POINTER(ArrowSchema) * len(children))(*[ctypes.pointer(c) for c in children])
        keep.append(arr)
        s.children = arr


def _schema_of(col, name, keep):
    kids = [_schema_of(c, "item", keep) for c in col.children]
    s = ArrowSchema()
    keep.append(s)
    _fill_schema(s, col.fmt, name, kids, keep)
    return s


def _array_of(col, keep):
    kids = [_array_of(c, keep) for c in col.children]
    a = ArrowArray()
    keep.append(a)
    a.length = col.length
    a.offset = col.offset
    a.null_count = col.null_count
    a.n_buffers = len(col.buffers)
    bufs = (ctypes.c_void_p * max(1, len(col.buffers)))(
        *[None if b is None else b.ctypes.data for b in col.buffers])
    keep += [bufs] + [b for b in col.buffers if b is not None]
    a.buffers = bufs
    a.n_children = len(kids)
    if kids:
        arr = (ctypes.POINTER(ArrowArray) * len(kids))(*[ctypes.pointer(k) for k in kids])
        keep.append(arr)
        a.children = arr
    return a


def _top(columns, keep):
    """A struct array and its schema for {name: Column}."""
    names = list(columns)
    length = columns[names[0]].length if names else 0
    kids_a = [_array_of(columns[n], keep) for n in names]
    kids_s = [_schema_of(columns[n], n, keep) for n in names]
    a = ArrowArray()
    keep.append(a)
    a.length = length
    a.n_buffers = 1
    bufs = (ctypes.c_void_p * 1)(None)
    keep.append(bufs)
    a.buffers = bufs
    a.n_children = len(names)
    arr = (ctypes.POINTER(ArrowArray) * max(1, len(names)))(*[ctypes.pointer(k) for k in kids_a])
    keep.append(arr)
    a.children = arr
    s = ArrowSchema()
    keep.append(s)
    _fill_schema(s, "+s", "", kids_s, keep)
    return a, s


def _capsule(struct_cls, struct, name, release_field):
    """A capsule owning a heap copy of struct; the destructor releases what is left."""
    mem = ctypes.pythonapi.PyMem_RawMalloc
    mem.restype = ctypes.c_void_p
    mem.argtypes = [ctypes.c_size_t]
    p = mem(ctypes.sizeof(struct_cls))
    ctypes.memmove(p, ctypes.addressof(struct), ctypes.sizeof(struct_cls))
    return _api.PyCapsule_New(p, _NAMES[name], _destructor_ptr(name))


def _make_destructor(name, struct_cls):
    @ctypes.CFUNCTYPE(None, ctypes.c_void_p)
    def destroy(capsule_ptr):
        # the capsule is being destroyed: read it through a raw pointer, never as an object
        p = _get_pointer_raw(capsule_ptr, _NAMES[name])
        s = ctypes.cast(p, ctypes.POINTER(struct_cls)).contents
        if s.release:
            s.release(ctypes.cast(p, ctypes.POINTER(struct_cls)))
        free = ctypes.pythonapi.PyMem_RawFree
        free.argtypes = [ctypes.c_void_p]
        free(p)
    return destroy


_DESTRUCTORS = {b"arrow_schema": _make_destructor(b"arrow_schema", ArrowSchema),
                b"arrow_array": _make_destructor(b"arrow_array", ArrowArray),
                b"arrow_array_stream": _make_destructor(b"arrow_array_stream", ArrowArrayStream)}


def _destructor_ptr(name):
    return ctypes.cast(_DESTRUCTORS[name], ctypes.c_void_p)


def _register(keep):
    key = next(_ids)
    with _lock:
        _alive[key] = keep
    return key


class Table:
    """An Arrow producer of {name: Column} in one or several batches."""

    def __init__(self, *batches):
        self.batches = list(batches)

    def __arrow_c_array__(self, requested_schema=None):
        assert len(self.batches) == 1
        keep = []
        a, s = _top(self.batches[0], keep)
        a.private_data = _register(keep)
        a.release = _release_array
        skeep = []
        s2 = _top(self.batches[0], skeep)[1]
        s2.private_data = _register(skeep)
        s2.release = _release_schema
        return (_capsule(ArrowSchema, s2, b"arrow_schema", "release"),
                _capsule(ArrowArray, a, b"arrow_array", "release"))

    def __arrow_c_stream__(self, requested_schema=None):
        batches = list(self.batches)
        state = {"i": 0}
        keep = []

        @GetSchema
        def get_schema(stream, out):
            skeep = []
            s = _top(batches[0], skeep)[1]
            s.private_data = _register(skeep)
            s.release = _release_schema
            ctypes.memmove(out, ctypes.addressof(s), ctypes.sizeof(ArrowSchema))
            return 0

        @GetNext
        def get_next(stream, out):
            if state["i"] >= len(batches):
                ctypes.memset(out, 0, ctypes.sizeof(ArrowArray))
                return 0
            akeep = []
            a, _ = _top(batches[state["i"]], akeep)
            state["i"] += 1
            a.private_data = _register(akeep)
            a.release = _release_array
            ctypes.memmove(out, ctypes.addressof(a), ctypes.sizeof(ArrowArray))
            return 0

        @GetError
        def get_error(stream):
            return None

        @StreamRelease
        def release(stream):
            with _lock:
                _alive.pop(stream.contents.private_data, None)
                stats["stream_releases"] += 1
            stream.contents.release = StreamRelease()

        st = ArrowArrayStream()
        keep += [st, get_schema, get_next, get_error, release]
        st.get_schema, st.get_next, st.get_last_error, st.release = get_schema, get_next, get_error, release
        st.private_data = _register(keep)
        return _capsule(ArrowArrayStream, st, b"arrow_array_stream", "release")


class ColumnProducer:
    """A single column through __arrow_c_array__ (like a pyarrow Array)."""

    def __init__(self, col):
        self.col = col

    def __arrow_c_array__(self, requested_schema=None):
        keep = []
        a = _array_of(self.col, keep)
        a.private_data = _register(keep)
        a.release = _release_array
        skeep = []
        s = _schema_of(self.col, "", skeep)
        s.private_data = _register(skeep)
        s.release = _release_schema
        return (_capsule(ArrowSchema, s, b"arrow_schema", "release"),
                _capsule(ArrowArray, a, b"arrow_array", "release"))


class Consumer:
    """Reads a table through __arrow_c_stream__ as a foreign consumer would (pyarrow's
    part when it imports our results): {name: (format, length, null_count, buffers)}."""

    @staticmethod
    def read_stream(obj):
        cap = obj.__arrow_c_stream__()
        p = _api.PyCapsule_GetPointer(cap, _NAMES[b"arrow_array_stream"])
        st = ctypes.cast(p, ctypes.POINTER(ArrowArrayStream))
        schema = ArrowSchema()
        assert st.contents.get_schema(st, ctypes.byref(schema)) == 0
        batches = []
        while True:
            a = ArrowArray()
            assert st.contents.get_next(st, ctypes.byref(a)) == 0
            if not a.release:
                break
            batch = {}
            for i in range(a.n_children):
                c = a.children[i].contents
                cs = schema.children[i].contents
                batch[cs.name.decode()] = (cs.format.decode(), c.length, c.null_count,
                                           [c.buffers[j] for j in range(c.n_buffers)])
            batches.append(batch)
            a.release(ctypes.byref(a))
        schema.release(ctypes.byref(schema))
        return batches
