"""Connects the extension (_core) to the Python layer: error classes, input conversion,
feature-group callbacks and the result-table class."""
from . import _core, _errors, _groups, _inputs
from ._frameworks import MlodaTable

_core._set_hooks(
    make_error=_errors.make_error,
    rewrap=_errors.rewrap,
    convert_column=_inputs.convert_column,
    convert_table=_inputs.convert_table,
    group_match=_groups.group_match,
    group_inputs=_groups.group_inputs,
    group_bind=_groups.group_bind,
    group_calc=_groups.group_calc,
    type_retry=_groups.type_retry,
    table_type=MlodaTable,
)
