"""Shared by the data layer and the model files: the user-facing error and small helpers."""

import os

import numpy as np
from pandas.api import types as ptypes

__all__ = ["DataError"]


class DataError(ValueError):
    """A problem with the user's data, described in one line.

    The message names the file or the columns involved and, where there is one, the
    option that fixes it. Newlines in the message are replaced by spaces.

    Examples
    --------
    >>> from penalized.tables.data import DataError
    >>> str(DataError("target column 'y' not found"))
    "target column 'y' not found"
    """

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))


def _name(path):
    return os.path.basename(os.fspath(path)) or os.fspath(path)


def _show(value):
    """repr of a value, numpy scalars shown as Python ones."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _list(names, limit=8):
    names = [repr(str(n)) for n in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", ... ({len(names)} in all)"
    return ", ".join(names)



def _check_columns(columns, name):
    cols = [str(c).strip() for c in columns]
    seen, dupes = set(), []
    for c in cols:
        if c in seen and c not in dupes:
            dupes.append(c)
        seen.add(c)
    if dupes:
        raise DataError(f"{name} has duplicate column names: {_list(dupes)}")
    return cols


def _is_numeric(s):
    return ptypes.is_numeric_dtype(s.dtype) and not ptypes.is_bool_dtype(s.dtype)
