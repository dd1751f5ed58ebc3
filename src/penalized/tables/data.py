"""Tabular data for the command line: read a table, pick the target, encode the features.

Everything a user can get wrong with a data file is reported as a :class:`DataError`
whose message is one line naming the file or the columns involved, so that the
command line can print it as ``penalized: error: <message>`` without a traceback.

The preprocessing is deliberately small and fully serializable (:meth:`Preprocessor.to_dict`):
numeric columns are kept as they are (the estimators standardize internally when asked),
categorical columns are one-hot encoded with every level, and missing values are either
refused or imputed by a per-column constant.
"""

import csv
import difflib
import gzip
import os
import warnings

import numpy as np
import pandas as pd

from ._common import DataError, _check_columns, _is_numeric, _list, _name, _show
from .preprocess import Preprocessor

__all__ = [
    "DataError",
    "Preprocessor",
    "infer_task",
    "load_example",
    "looks_continuous",
    "read_table",
    "split_target",
    "take_offset",
]

_PARQUET_SUFFIXES = (".parquet", ".pq")
_TAB_SUFFIXES = (".tsv", ".tab")
_DELIMITERS = (",", "\t", ";", "|")
_TASKS = ("auto", "regression", "classification")
#: ``task="auto"`` treats an integer-valued numeric target with at most this many
#: distinct values as class labels.
MAX_AUTO_CLASSES = 10

def _opener(path):
    lower = os.fspath(path).lower()
    if lower.endswith(".gz"):
        return gzip.open
    if lower.endswith(".bz2"):
        import bz2

        return bz2.open
    if lower.endswith(".xz"):
        import lzma

        return lzma.open
    return open


def _strip_compression(lower):
    for ext in (".gz", ".bz2", ".xz"):
        if lower.endswith(ext):
            return lower[: -len(ext)]
    return lower


def _choose_delimiter(header, lower):
    """The delimiter splitting the header line into the most fields (',' on ties)."""
    if _strip_compression(lower).endswith(_TAB_SUFFIXES):
        return "\t"
    best, best_n = ",", 1
    for sep in _DELIMITERS:
        try:
            n = len(next(csv.reader([header], delimiter=sep)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = sep, n
    return best

_CONTROL = bytes(set(range(32)) - {9, 10, 13}) + b"\x7f"


def _looks_binary(head):
    """NUL bytes, or more than 1% of control characters other than tab and newlines."""
    if b"\x00" in head:
        return True
    return sum(head.count(bytes([c])) for c in _CONTROL) > 0.01 * len(head)


def _read_csv(path, name):
    opener = _opener(path)
    try:
        with opener(path, "rb") as fh:
            head = fh.read(65536)
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {name}: {exc}") from None
    if not head.strip():
        raise DataError(f"{name} is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{name} is UTF-16 text; save it as UTF-8 CSV")
    if _looks_binary(head):
        raise DataError(f"{name} is a binary file, not a CSV text file")
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
    except UnicodeDecodeError:
        raise DataError(f"{name} is not UTF-8 text (is it a CSV file?); "
                        "save it as UTF-8 CSV") from None
    sep = _choose_delimiter(header.rstrip("\r\n"), os.fspath(path).lower())
    try:
        names = next(csv.reader([header.rstrip("\r\n")], delimiter=sep))
    except (csv.Error, StopIteration):
        names = []
    _check_columns(names, name)
    try:
        with warnings.catch_warnings():
            # a row longer than the header would otherwise shift the columns silently
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, sep=sep, encoding="utf-8", index_col=False,
                             low_memory=False)
    except pd.errors.ParserWarning:
        raise DataError(f"{name} has rows with more fields than its header "
                        f"({len(names)} columns)") from None
    except UnicodeDecodeError:
        raise DataError(f"{name} is not UTF-8 text (is it a CSV file?); "
                        "save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty (no columns)") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{name} is not a valid CSV file: {msg}") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {name}: {exc}") from None
    return df


def _read_parquet(path, name):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(f"reading {name} needs pyarrow: pip install pyarrow "
                        "(or save the table as CSV)") from None
    try:
        return pd.read_parquet(path)
    except (ValueError, OSError, TypeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{name} is not a valid Parquet file: {msg}") from None


def read_table(path):
    """Read a CSV, TSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or path-like
        ``.parquet`` / ``.pq`` files are read with pyarrow. Anything else is read as
        UTF-8 delimited text (optionally ``.gz``, ``.bz2`` or ``.xz`` compressed); the
        delimiter is a tab for ``.tsv`` / ``.tab`` files, else the one of ``,``, tab,
        ``;`` and ``|`` that splits the header line into the most fields (``,`` on ties).

    Returns
    -------
    pandas.DataFrame
        With string column names (surrounding spaces removed) and at least one row.

    Raises
    ------
    DataError
        If the file is missing, is a directory, is empty or has a header only, is
        binary or not UTF-8 text, cannot be parsed, has duplicate column names, or is
        Parquet and pyarrow is not installed.

    Examples
    --------
    >>> import os, tempfile
    >>> from penalized.tables.data import read_table
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("x;color;y\\n1.5;red;3\\n2.0;blue;4\\n")
    >>> read_table(path).columns.tolist()
    ['x', 'color', 'y']
    """
    name = _name(path)
    if not os.path.exists(path):
        raise DataError(f"file not found: {os.fspath(path)}")
    if os.path.isdir(path):
        raise DataError(f"{os.fspath(path)} is a directory, not a data file")
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc}") from None
    if size == 0:
        raise DataError(f"{name} is empty")
    lower = os.fspath(path).lower()
    if lower.endswith(_PARQUET_SUFFIXES):
        df = _read_parquet(path, name)
    else:
        df = _read_csv(path, name)
    df.columns = _check_columns(df.columns, name)
    if df.shape[1] == 0:
        raise DataError(f"{name} has no columns")
    if df.shape[0] == 0:
        raise DataError(f"{name} has a header but no data rows")
    return df


def load_example():
    """The diabetes data of scikit-learn, unscaled, as one DataFrame.

    Returns
    -------
    df : pandas.DataFrame of shape (442, 11)
        The ten features (age, sex, bmi, bp, s1, ..., s6) in their original units and
        the column ``"target"``, a measure of disease progression one year later.
    target : str
        ``"target"``.

    Examples
    --------
    >>> from penalized.tables.data import load_example
    >>> df, target = load_example()
    >>> df.shape, target
    ((442, 11), 'target')
    """
    from sklearn.datasets import load_diabetes

    df = load_diabetes(scaled=False, as_frame=True).frame.copy()
    df.columns = [str(c) for c in df.columns]
    return df, "target"


def split_target(df, target):
    """Split a table into its features and its target column.

    Parameters
    ----------
    df : pandas.DataFrame
    target : str
        Name of the target column.

    Returns
    -------
    X : pandas.DataFrame
        All the other columns, in their order.
    y : pandas.Series

    Raises
    ------
    DataError
        If the column does not exist (the message lists close matches), if it has
        missing values, or if it is the only column.

    Examples
    --------
    >>> import pandas as pd
    >>> from penalized.tables.data import split_target
    >>> X, y = split_target(pd.DataFrame({"a": [1, 2], "y": [0.5, 1.5]}), "y")
    >>> X.columns.tolist(), y.tolist()
    (['a'], [0.5, 1.5])
    """
    columns = [str(c) for c in df.columns]
    if target not in columns:
        close = [c for c in columns if c.lower() == str(target).lower()]
        close += [c for c in difflib.get_close_matches(str(target), columns, n=3, cutoff=0.6)
                  if c not in close]
        hint = f"; did you mean {_list(close)}?" if close else f"; columns are {_list(columns)}"
        raise DataError(f"target column {target!r} not found{hint}")
    y = df[target]
    n_missing = int(y.isna().sum())
    if n_missing:
        raise DataError(f"target column {target!r} has {n_missing} missing value"
                        f"{'s' if n_missing > 1 else ''} (of {len(y)} rows); drop those rows")
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise DataError(f"no feature columns: {target!r} is the only column")
    return X, y

def take_offset(df, offset=None, exposure=None):
    """Remove the offset and exposure columns from a table and return the offset.

    Parameters
    ----------
    df : pandas.DataFrame
    offset : str, default=None
        Column holding a known part of the linear predictor (coefficient 1).
    exposure : str, default=None
        Column of positive exposures; its log is added to the offset.

    Returns
    -------
    df : pandas.DataFrame
        The table without those columns.
    offset : ndarray of shape (n_rows,) or None
        None when neither column is given.

    Raises
    ------
    DataError
        If a column is missing, not numeric, has missing or non-finite values, or an
        exposure is not positive.

    Examples
    --------
    >>> import pandas as pd
    >>> from penalized.tables.data import take_offset
    >>> df, off = take_offset(pd.DataFrame({"a": [1, 2], "t": [1.0, 2.0]}), exposure="t")
    >>> df.columns.tolist(), off.round(4).tolist()
    (['a'], [0.0, 0.6931])
    """
    total = None
    drop = []
    columns = [str(c) for c in df.columns]
    for name, flag, is_exposure in ((offset, "--offset", False),
                                    (exposure, "--exposure", True)):
        if name is None:
            continue
        if name not in columns:
            raise DataError(f"{flag} column {name!r} not found; columns are "
                            f"{_list(columns)}")
        col = df[df.columns[columns.index(name)]]
        try:
            values = col.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{flag} column {name!r} must be numeric") from None
        if not np.all(np.isfinite(values)):
            raise DataError(f"{flag} column {name!r} has missing or non-finite values")
        if is_exposure:
            if np.any(values <= 0):
                raise DataError(f"{flag} column {name!r} must be positive (its log is the "
                                "offset)")
            values = np.log(values)
        total = values if total is None else total + values
        drop.append(df.columns[columns.index(name)])
    return (df.drop(columns=drop) if drop else df), total


#: A numeric target with more distinct values than ``MAX_AUTO_CLASSES`` "looks
#: continuous" when it is not integer-valued, or when more than half of its values occur
#: fewer than this many times (e.g. a measurement rounded to integers).
RARE_VALUE_COUNT = 5
_REGRESSION_HINT = "use --task regression"


def looks_continuous(y):
    """Whether a numeric target looks like a measurement rather than class labels.

    True when ``y`` is numeric with more than ``MAX_AUTO_CLASSES`` (10) distinct values,
    and either has non-integer values or more than half of its distinct values occur
    fewer than ``RARE_VALUE_COUNT`` (5) times.

    Parameters
    ----------
    y : pandas.Series
        The target, without missing values.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from penalized.tables.data import looks_continuous
    >>> looks_continuous(pd.Series(np.linspace(0.0, 1.0, 50)))
    True
    >>> looks_continuous(pd.Series(np.arange(300) % 12))  # 12 classes of 25 samples
    False
    >>> looks_continuous(pd.Series(["a", "b"] * 10))
    False
    """
    if not _is_numeric(y):
        return False
    counts = y.value_counts()
    if counts.size <= MAX_AUTO_CLASSES:
        return False
    values = counts.index.to_numpy(dtype=np.float64)
    if not np.all(values == np.round(values)):
        return True
    return bool(np.count_nonzero(counts.to_numpy() < RARE_VALUE_COUNT) > counts.size / 2)


def infer_task(y, task="auto", *, min_class_count=2, regression_hint=_REGRESSION_HINT):
    """Decide between regression and classification, and check the target fits it.

    ``task="auto"`` means classification when ``y`` is not numeric (strings,
    categories, booleans) or when it is numeric, integer-valued and has at most
    ``MAX_AUTO_CLASSES`` (10) distinct values; regression otherwise. Pass the task
    explicitly to override (e.g. for a count target with few values).

    Parameters
    ----------
    y : pandas.Series
        The target, without missing values.
    task : {"auto", "regression", "classification"}, default="auto"
    min_class_count : int, default=2
        Classification: every class needs at least this many samples (2 for a
        train/test split; the number of folds for stratified cross-validation).
    regression_hint : str, default="use --task regression"
        What the error message for a target that cannot be class labels (non-integer
        numbers, or :func:`looks_continuous`) tells the user to do instead.

    Returns
    -------
    str
        ``"regression"`` or ``"classification"``.

    Raises
    ------
    DataError
        Non-numeric, infinite or constant target for regression; a single class,
        non-integer numbers, a target that looks continuous (the message says how many
        distinct values it has and ``regression_hint``) or too rare classes for
        classification.

    Examples
    --------
    >>> import pandas as pd
    >>> from penalized.tables.data import infer_task
    >>> infer_task(pd.Series([0.5, 1.2, 3.3, 4.0]))
    'regression'
    >>> infer_task(pd.Series(["a", "b", "a", "b"]))
    'classification'
    """
    if task not in _TASKS:
        raise DataError(f"task must be one of {', '.join(_TASKS)}, got {task!r}")
    name = str(y.name) if y.name is not None else "target"
    numeric = _is_numeric(y)
    if numeric:
        values = y.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(values)):
            raise DataError(f"target column {name!r} has infinite or missing values")
        integer = bool(np.all(values == np.round(values)))
    if task == "auto":
        small = numeric and integer and y.nunique() <= MAX_AUTO_CLASSES
        task = "classification" if (not numeric or small) else "regression"
    if task == "regression":
        if not numeric:
            example = y.iloc[0]
            raise DataError(f"target column {name!r} is not numeric (dtype {y.dtype}, e.g. "
                            f"{_show(example)}), so it cannot be a regression target; use --task "
                            "classification (or a logistic model) to predict classes")
        if values.size and values.min() == values.max():
            raise DataError(f"target column {name!r} is constant ({values[0]:g}); "
                            "there is nothing to predict")
        return task
    counts = y.value_counts()
    if looks_continuous(y):
        kind = "" if integer else ", not all integers"
        raise DataError(f"target column {name!r} looks continuous ({counts.size} distinct "
                        f"values{kind}), not like class labels; {regression_hint}")
    if numeric and not integer:
        raise DataError(f"target column {name!r} has non-integer numbers; it cannot be "
                        f"used as class labels ({regression_hint})")
    if counts.size < 2:
        raise DataError(f"target column {name!r} has a single class ({_show(counts.index[0])}); "
                        "classification needs at least 2")
    rare = counts[counts < min_class_count]
    if rare.size:
        shown = list(rare.items())[:8]
        detail = ", ".join(f"{_show(k)} ({v})" for k, v in shown)
        if rare.size > len(shown):
            detail += f", ... ({rare.size} classes in all)"
        raise DataError(f"target column {name!r}: classes with fewer than {min_class_count} "
                        f"samples: {detail}; drop them or merge them with other classes")
    return task
