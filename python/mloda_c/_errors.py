"""mloda's exception classes, and how engine errors map onto them.

Planning errors are ValueError subclasses raised by the call that plans (prepare, run_all,
stream_all), as in mloda. Every error the engine reports carries ``code`` (the engine's
status name, e.g. "MLODA_ERR_RESOLVE"), ``subject`` (the feature, column or table
concerned) and ``position`` (row or offset, -1 if none) besides its message.

A feature group written in Python that raises is re-raised with its own exception type;
the message names the feature and the group, and ``__cause__`` is the original exception.
"""
import re


class MlodaCError(Exception):
    """Common base of the errors the engine reports (mloda_c only; not in mloda)."""

    code = None
    subject = None
    position = -1


class SetupConfigurationError(ValueError, MlodaCError):
    """A request that is set up wrong: unknown framework, bad column_ordering, duplicates."""


class FeatureResolutionError(ValueError, MlodaCError):
    """No feature group, or several, match a feature name (raised when planning)."""

    def __init__(self, message="", feature_name=None, partial_records=None):
        super().__init__(message)
        self.feature_name = feature_name
        self.partial_records = partial_records if partial_records is not None else []


class DataTypeMismatchError(ValueError, MlodaCError):
    """A column has another type than the plan or the feature group needs."""


class ApiDataError(ValueError, MlodaCError):
    """A batch's api_data does not fit the prepared plan (missing table or column, ragged
    columns). mloda raises a plain ValueError here; this is a ValueError too."""


class EmptyResultError(ValueError, MlodaCError):
    """A feature group returned no columns."""


class MlodaRunError(MlodaCError):
    """A calculation failed and no more specific exception type applies."""


class _TypeRetry(Exception):
    """Internal: a Python feature group returned another column type than declared; the
    session learns the type and plans again (never reaches the user)."""

    def __init__(self, feature, type_name, list_size, unit, multi):
        super().__init__(f"{feature}: returned {type_name}")
        self.feature = feature
        self.spec = (type_name, int(list_size), unit, bool(multi))


_BY_CODE = {
    "MLODA_ERR_INVALID_ARG": SetupConfigurationError,
    "MLODA_ERR_PARSE": FeatureResolutionError,
    "MLODA_ERR_RESOLVE": FeatureResolutionError,
    "MLODA_ERR_AMBIGUOUS": FeatureResolutionError,
    "MLODA_ERR_CYCLE": FeatureResolutionError,
    "MLODA_ERR_OPTION": FeatureResolutionError,
    "MLODA_ERR_DUPLICATE": SetupConfigurationError,
    "MLODA_ERR_SCHEMA": ApiDataError,
    "MLODA_ERR_TYPE": DataTypeMismatchError,
    "MLODA_ERR_COMPUTE": MlodaRunError,
    "MLODA_ERR_PLUGIN": MlodaRunError,
    "MLODA_ERR_CANCELLED": MlodaRunError,
    "MLODA_ERR_RANGE": SetupConfigurationError,
    "MLODA_ERR_INTERNAL": MlodaRunError,
}


class MlodaIOError(OSError):
    """A file or database could not be read (MLODA_ERR_IO)."""

    code = "MLODA_ERR_IO"
    subject = None
    position = -1


_TOKEN_RE = re.compile(r"\[mloda_c#\d+\] ")


def make_error(code, subject, message, position):
    """Hook: the exception for an engine error."""
    message = _TOKEN_RE.sub("", message)  # a feature group's exception no longer stashed
    if code == "MLODA_ERR_NOMEM":
        return MemoryError(message)
    if code == "MLODA_ERR_IO":
        exc = MlodaIOError(message)
    else:
        cls = _BY_CODE.get(code, MlodaRunError)
        if cls is FeatureResolutionError:
            exc = cls(message, feature_name=subject or None)
        else:
            exc = cls(message)
    exc.code = code
    exc.subject = subject or None
    exc.position = position
    return exc


_GROUP_RE = re.compile(r"\(step \d+, feature group ([^)]*)\)\s*$")


def rewrap(exc, subject, message):
    """Hook: a feature group's own exception, re-raised with its own type; the new message
    names the feature and the group, and __cause__ is the original."""
    if isinstance(exc, _TypeRetry):
        return exc
    m = _GROUP_RE.search(message)
    group = m.group(1) if m else None
    where = f"feature '{subject}'" + (f", feature group '{group}'" if group else "")
    text = f"{exc} ({where})"
    try:
        new = type(exc)(text)
        if new.args != (text,):
            raise TypeError
    except Exception:
        # an exception type with its own constructor: keep the object, add a note
        try:
            exc.add_note(f"mloda_c: raised while computing {where}")
        except AttributeError:  # Python < 3.11
            pass
        new = exc
    else:
        new.__cause__ = exc
        new.__traceback__ = exc.__traceback__
    try:
        new.feature_name = subject
        new.feature_group = group
    except AttributeError:
        pass
    return new
