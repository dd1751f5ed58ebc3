"""The feature encoding of the command line: one-hot categoricals, imputation, JSON form."""

import math

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ._common import DataError, _check_columns, _is_numeric, _list, _show

__all__ = ["Preprocessor", "check_no_missing"]

_IMPUTE = ("median", "most_frequent")


def _kind(s, col):
    dt = s.dtype
    if (ptypes.is_bool_dtype(dt) or isinstance(dt, pd.CategoricalDtype)
            or ptypes.is_object_dtype(dt) or ptypes.is_string_dtype(dt)):
        return "categorical"
    if ptypes.is_numeric_dtype(dt) and not ptypes.is_complex_dtype(dt):
        return "numeric"
    raise DataError(f"column {col!r} has unsupported dtype {dt}; drop it or convert it "
                    "to numbers or text")


def _as_levels(s):
    """Non-missing values of a categorical column as strings (missing -> None)."""
    return [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
                     or v is pd.NaT) else str(v) for v in s.astype(object)]


def _numeric_values(s, col):
    if _is_numeric(s) or ptypes.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna() & s.notna()
    if bad.any():
        raise DataError(f"column {col!r} should be numeric but has non-numeric values "
                        f"such as {_show(s[bad].iloc[0])}")
    return conv.to_numpy(dtype=np.float64, na_value=np.nan)


def _most_frequent(values):
    """Most frequent value; the smallest one on ties (deterministic)."""
    uniq, counts = np.unique(np.asarray(values), return_counts=True)
    return uniq[np.flatnonzero(counts == counts.max())[0]]


def _check_empty_columns(X):
    columns = [str(c).strip() for c in X.columns]
    empty = [c for c, col in zip(columns, X.columns, strict=True) if X[col].isna().all()]
    if empty:
        raise DataError(f"column{'s' if len(empty) > 1 else ''} {_list(empty)} "
                        f"{'are' if len(empty) > 1 else 'is'} entirely missing; drop "
                        f"{'them' if len(empty) > 1 else 'it'}")


def check_no_missing(X):
    """Raise a :class:`DataError` naming the columns of ``X`` with missing values.

    The counts are over every row of ``X``: call it on the whole input table (before any
    train/test split) so that the message counts what the user's file holds.

    Parameters
    ----------
    X : pandas.DataFrame

    Raises
    ------
    DataError
        If a column is entirely missing (``column 'a' is entirely missing; drop it``), or
        has missing values: ``missing values in columns 'a' (2), ...``, with the
        ``--impute`` options that fix it.

    Examples
    --------
    >>> import pandas as pd
    >>> from penalized.tables.preprocess import check_no_missing
    >>> check_no_missing(pd.DataFrame({"a": [1.0, 2.0]}))
    >>> try:
    ...     check_no_missing(pd.DataFrame({"a": [1.0, None, None], "b": ["x", None, "y"]}))
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    missing values in columns 'a' (2), 'b' (1)
    """
    _check_empty_columns(X)
    columns = [str(c).strip() for c in X.columns]
    missing = {c: int(X[col].isna().sum()) for c, col in zip(columns, X.columns, strict=True)}
    missing = {c: n for c, n in missing.items() if n}
    if missing:
        detail = ", ".join(f"{c!r} ({n})" for c, n in list(missing.items())[:8])
        more = f", ... ({len(missing)} columns)" if len(missing) > 8 else ""
        raise DataError(f"missing values in columns {detail}{more}; use --impute median "
                        "or --impute most_frequent, or drop those rows")


def _check_frame(X):
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(X).__name__}")
    if X.shape[0] == 0:
        raise DataError("the data has no rows")


class Preprocessor:
    """Turn a DataFrame of features into a float64 design matrix, reproducibly.

    Numeric columns are kept as they are (no scaling). Categorical columns (object,
    string, category or bool dtype) are one-hot encoded with one indicator per level
    seen in ``fit``, named ``"column=level"`` (levels compared as strings, sorted); a
    level not seen in ``fit`` encodes as all zeros. Columns not seen in ``fit`` (such
    as the target) are ignored by :meth:`transform`.

    Parameters
    ----------
    impute : {None, "median", "most_frequent"}, default=None
        Missing values: None refuses them (:class:`DataError` naming the columns);
        ``"median"`` fills numeric columns with their median and categorical columns
        with their most frequent level; ``"most_frequent"`` uses the most frequent
        value for both. The fill values are learned in ``fit``. A column that is
        entirely missing is always an error.

    Attributes
    ----------
    columns_ : list of str
        Input columns, in order.
    kinds_ : dict
        ``"numeric"`` or ``"categorical"`` per input column.
    levels_ : dict
        Sorted levels (strings) of each categorical column.
    fill_ : dict
        Fill value per input column (None without ``impute``).
    feature_names_ : list of str
        Names of the output columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from penalized.tables.data import Preprocessor
    >>> X = pd.DataFrame({"size": [1.0, 2.0, None], "color": ["red", "blue", "red"]})
    >>> pre = Preprocessor(impute="median").fit(X)
    >>> pre.feature_names_
    ['size', 'color=blue', 'color=red']
    >>> pre.transform(pd.DataFrame({"size": [3.0], "color": ["green"]})).tolist()
    [[3.0, 0.0, 0.0]]
    >>> Preprocessor.from_dict(pre.to_dict()).transform(X).tolist()
    [[1.0, 0.0, 1.0], [2.0, 1.0, 0.0], [1.5, 0.0, 1.0]]
    """

    def __init__(self, impute=None):
        self.impute = impute

    def fit(self, X):
        """Learn the columns, their kinds, the levels and the fill values.

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        self : Preprocessor

        Raises
        ------
        DataError
            Entirely missing columns, missing values without ``impute``, infinite
            values, or columns of an unsupported dtype.
        """
        if self.impute not in (None, *_IMPUTE):
            raise DataError(f"impute must be one of {', '.join(_IMPUTE)}, got {self.impute!r}")
        _check_frame(X)
        if X.shape[1] == 0:
            raise DataError("the data has no feature columns")
        columns = _check_columns(X.columns, "the data")
        _check_empty_columns(X)
        if self.impute is None:
            check_no_missing(X)
        kinds, levels, fill = {}, {}, {}
        for c, col in zip(columns, X.columns, strict=True):
            s = X[col]
            kinds[c] = _kind(s, c)
            if kinds[c] == "numeric":
                values = _numeric_values(s, c)
                present = values[~np.isnan(values)]
                if np.isinf(present).any():
                    raise DataError(f"column {c!r} has infinite values")
                fill[c] = None
                if self.impute == "median":
                    fill[c] = float(np.median(present))
                elif self.impute == "most_frequent":
                    fill[c] = float(_most_frequent(present))
            else:
                present = [v for v in _as_levels(s) if v is not None]
                levels[c] = sorted(set(present))
                fill[c] = None if self.impute is None else str(_most_frequent(present))
        self.columns_ = columns
        self.kinds_ = kinds
        self.levels_ = levels
        self.fill_ = fill
        self.feature_names_ = self._feature_names()
        seen, clash = set(), []
        for f in self.feature_names_:
            if f in seen:
                clash.append(f)
            seen.add(f)
        if clash:
            raise DataError(f"encoded feature names collide: {_list(clash)} (a column name "
                            "equals another column's 'column=level'); rename a column")
        return self

    def _feature_names(self):
        names = []
        for c in self.columns_:
            if self.kinds_[c] == "numeric":
                names.append(c)
            else:
                names.extend(f"{c}={level}" for level in self.levels_[c])
        return names

    def transform(self, X):
        """Encode ``X`` with what ``fit`` learned.

        Parameters
        ----------
        X : pandas.DataFrame
            Must have every column seen in ``fit`` (others are ignored).

        Returns
        -------
        ndarray of shape (n_samples, len(feature_names_)), float64, Fortran order

        Raises
        ------
        DataError
            Missing columns, missing values that cannot be imputed, non-numeric values
            in a numeric column, infinite values.
        """
        if not hasattr(self, "columns_"):
            raise RuntimeError("this Preprocessor is not fitted yet; call fit first")
        _check_frame(X)
        by_name = {str(c).strip(): c for c in X.columns}
        absent = [c for c in self.columns_ if c not in by_name]
        if absent:
            raise DataError(f"the data lacks column{'s' if len(absent) > 1 else ''} "
                            f"{_list(absent)} used by the model")
        n = X.shape[0]
        out = np.empty((n, len(self.feature_names_)), dtype=np.float64, order="F")
        missing = {}
        j = 0
        for c in self.columns_:
            s = X[by_name[c]]
            if self.kinds_[c] == "numeric":
                values = _numeric_values(s, c)
                nan = np.isnan(values)
                if nan.any():
                    if self.fill_[c] is None:
                        missing[c] = int(nan.sum())
                    else:
                        values = np.where(nan, self.fill_[c], values)
                if np.isinf(values).any():
                    raise DataError(f"column {c!r} has infinite values")
                out[:, j] = values
                j += 1
                continue
            raw = _as_levels(s)
            n_nan = sum(v is None for v in raw)
            if n_nan:
                if self.fill_[c] is None:
                    missing[c] = n_nan
                raw = [self.fill_[c] if v is None else v for v in raw]
            codes = pd.Index(self.levels_[c], dtype=object).get_indexer(raw)
            k = len(self.levels_[c])
            block = np.zeros((n, k))
            hit = codes >= 0
            block[np.flatnonzero(hit), codes[hit]] = 1.0
            out[:, j:j + k] = block
            j += k
        if missing:
            detail = ", ".join(f"{c!r} ({m})" for c, m in list(missing.items())[:8])
            raise DataError(f"missing values in columns {detail}; the model was fitted "
                            "without imputation, so fill or drop those rows")
        return out

    def fit_transform(self, X):
        """Fit, then transform ``X``.

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        ndarray of shape (n_samples, len(feature_names_))
        """
        return self.fit(X).transform(X)

    def to_dict(self):
        """A JSON-serializable description of the fitted preprocessing.

        Returns
        -------
        dict
            ``{"impute": ..., "columns": [{"name", "kind", "fill"[, "levels"]}, ...],
            "feature_names": [...]}``.
        """
        if not hasattr(self, "columns_"):
            raise RuntimeError("this Preprocessor is not fitted yet; call fit first")
        columns = []
        for c in self.columns_:
            entry = {"name": c, "kind": self.kinds_[c], "fill": self.fill_[c]}
            if self.kinds_[c] == "categorical":
                entry["levels"] = list(self.levels_[c])
            columns.append(entry)
        return {"impute": self.impute, "columns": columns,
                "feature_names": list(self.feature_names_)}

    @classmethod
    def from_dict(cls, d):
        """Rebuild a fitted Preprocessor from :meth:`to_dict`'s output.

        Parameters
        ----------
        d : dict

        Returns
        -------
        Preprocessor

        Raises
        ------
        DataError
            If ``d`` is malformed.
        """
        try:
            pre = cls(impute=d["impute"])
            if pre.impute not in (None, *_IMPUTE):
                raise DataError(f"unknown impute {pre.impute!r}")
            columns, kinds, levels, fill = [], {}, {}, {}
            for entry in d["columns"]:
                c, kind, value = entry["name"], entry["kind"], entry["fill"]
                if not isinstance(c, str) or c in kinds:
                    raise DataError(f"bad or duplicate column name {c!r}")
                if kind == "numeric":
                    ok = value is None or (isinstance(value, (int, float))
                                           and not isinstance(value, bool)
                                           and math.isfinite(value))
                elif kind == "categorical":
                    lv = entry["levels"]
                    if not (isinstance(lv, list) and all(isinstance(v, str) for v in lv)):
                        raise DataError(f"bad levels for column {c!r}")
                    if len(set(lv)) != len(lv):
                        raise DataError(f"duplicate levels for column {c!r}")
                    levels[c] = list(lv)
                    ok = value is None or (isinstance(value, str) and value in lv)
                else:
                    raise DataError(f"unknown kind {kind!r} for column {c!r}")
                if not ok:
                    raise DataError(f"bad fill value {value!r} for column {c!r}")
                if (value is None) != (pre.impute is None):
                    raise DataError(f"fill value of column {c!r} does not match impute")
                columns.append(c)
                kinds[c] = kind
                fill[c] = None if value is None else (
                    float(value) if kind == "numeric" else value)
        except (KeyError, TypeError) as exc:
            raise DataError(f"malformed preprocessing description ({exc!r})") from None
        pre.columns_, pre.kinds_, pre.levels_, pre.fill_ = columns, kinds, levels, fill
        pre.feature_names_ = pre._feature_names()
        if "feature_names" in d and d["feature_names"] != pre.feature_names_:
            raise DataError("feature names do not match the columns and levels")
        return pre
