"""Inputs of :mod:`penalized.dask`: dask arrays and dataframes as blocks of rows.

A :class:`Blocks` holds one delayed task per block of rows that evaluates, on a worker,
to ``(X, y, s, offset, foldid)`` numpy arrays (float64 X, F-ordered; ``s``, ``offset``
and ``foldid`` None when absent). Everything is checked on the metadata first (shapes,
known chunk sizes, column names and dtypes, known categories), so bad input fails before
any pass; the values (NaN or infinity, negative weights) are checked inside the first
pass, by the task that reads the block, which raises at once with the block and its rows.
"""

import numbers

import dask
import dask.array as da
import numpy as np
import pandas as pd

__all__ = ["Blocks", "as_blocks", "predict_blocks"]


def _is_frame(obj):
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


def _is_series(obj):
    import dask.dataframe as dd

    return isinstance(obj, dd.Series)


def _rows_text(index, start, length):
    if start is None:
        return f"block {index}"
    return f"block {index} (rows {start} to {start + length - 1})"


def check_values(X, y, s, off, index, start, numeric_y=True):
    """The value checks of one block (run on the worker that reads it)."""
    where = _rows_text(index, start, X.shape[0])
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"X contains NaN or infinity in {where}: first at row "
                         f"{bad[0] + (start or 0)}, column {bad[1]}. Impute or drop missing "
                         "values before fitting.")
    if numeric_y and not np.all(np.isfinite(y)):
        raise ValueError(f"y contains NaN or infinity in {where}.")
    if s is not None and not (np.all(np.isfinite(s)) and np.all(s >= 0)):
        raise ValueError(f"'sample_weight' must be finite and non-negative; {where} has "
                         "a negative, NaN or infinite weight.")
    if off is not None and not np.all(np.isfinite(off)):
        raise ValueError(f"offset contains NaN or infinity in {where}.")


def _array_block(xb, yb, sb, ob, fb, index, start, numeric_y, check=True):
    X = np.asfortranarray(xb, dtype=np.float64)
    y = None if yb is None else np.asarray(yb)
    if y is not None and numeric_y:
        y = y.astype(np.float64)
    s = None if sb is None else np.asarray(sb, dtype=np.float64)
    off = None if ob is None else np.asarray(ob, dtype=np.float64)
    if check:
        check_values(X, y, s, off, index, start, numeric_y and y is not None)
    return X, y, s, off, None if fb is None else np.asarray(fb)


def encode_frame(part, spec):
    """The float64 feature matrix of a pandas partition: numeric columns as they are,
    categorical ones one-hot over their known categories (``column=level``)."""
    cols = []
    for name, levels in spec:
        col = part[name]
        if levels is None:
            cols.append(np.asarray(col, dtype=np.float64))
        else:
            codes = pd.Categorical(col, categories=levels).codes
            for k in range(len(levels)):
                cols.append((codes == k).astype(np.float64))
    if not cols:
        return np.zeros((len(part), 0), order="F")
    return np.asfortranarray(np.column_stack(cols))


def _frame_block(part, spec, target, weight, offset, foldid, index, start, numeric_y,
                 check=True):
    X = encode_frame(part, spec)
    y = None if target is None else np.asarray(part[target])
    if y is not None and numeric_y:
        y = y.astype(np.float64)
    s = None if weight is None else np.asarray(part[weight], dtype=np.float64)
    off = None if offset is None else np.asarray(part[offset], dtype=np.float64)
    if check:
        check_values(X, y, s, off, index, start, numeric_y and y is not None)
    return X, y, s, off, None if foldid is None else np.asarray(part[foldid])


class Blocks:
    """Delayed blocks of rows ``(X, y, s, offset)`` and what is known about them."""

    def __init__(self, tasks, n_features, lengths, feature_names, spec, weighted, has_offset,
                 dtype, length_task=None):
        self.tasks = tasks
        self.p = n_features
        self._lengths = lengths
        self.feature_names = feature_names
        self.spec = spec
        self.weighted = weighted
        self.has_offset = has_offset
        self.dtype = dtype
        self._length_tasks = length_task

    @property
    def n_blocks(self):
        return len(self.tasks)

    def lengths(self, runner=None):
        """Rows per block (computed once for dataframes: a pass that reads the partitions,
        counted in ``runner.length_passes``)."""
        if self._lengths is None:
            from ._passes import compute

            lens = compute(*self._length_tasks, verbose=False)
            lens = [lens] if len(self._length_tasks) == 1 else lens
            self._lengths = np.asarray(lens, dtype=np.int64)
            if runner is not None:
                runner.length_passes += 1
        return self._lengths

    def starts(self):
        lens = self.lengths()
        return np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)


def _check_columns(frame, name, what):
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a column name or a dask collection, got {name!r}.")
    if name not in frame.columns:
        cols = list(frame.columns)
        shown = ", ".join(repr(c) for c in cols[:12]) + (", ..." if len(cols) > 12 else "")
        raise ValueError(f"The {what} column {name!r} is not in the dataframe; its columns "
                         f"are {shown}.")
    return name


def _frame_spec(frame, features):
    """(name, levels or None) per feature column; clear errors for unusable dtypes."""
    spec, names = [], []
    for c in features:
        dt = frame[c].dtype
        if isinstance(dt, pd.CategoricalDtype):
            if not frame[c].cat.known:
                raise ValueError(
                    f"Column {c!r} is categorical with unknown categories: its one-hot "
                    f"encoding needs them before the fit. Use ddf.categorize(columns=[{c!r}]) "
                    f"or ddf[{c!r}].astype(pandas.CategoricalDtype(categories)).")
            levels = list(frame[c].cat.categories)
            spec.append((c, levels))
            names.extend(f"{c}={level}" for level in levels)
        elif pd.api.types.is_bool_dtype(dt) or pd.api.types.is_numeric_dtype(dt):
            spec.append((c, None))
            names.append(str(c))
        else:
            raise ValueError(
                f"Column {c!r} has dtype {dt}, which is neither numeric nor categorical: make "
                f"it categorical with known categories (ddf.categorize(columns=[{c!r}])) or "
                "drop it.")
    return spec, names


def _side_array(value, what, chunks, n):
    """A 1-D dask array aligned with X's row chunks (``value`` a dask array, a numpy array
    or a dask Series with known lengths)."""
    if value is None:
        return None
    if _is_series(value):
        value = value.to_dask_array(lengths=True)
    if not isinstance(value, da.Array):
        value = np.asarray(value)
        if value.ndim != 1 or value.shape[0] != n:
            raise ValueError(f"{what} must have shape ({n},), got {value.shape}.")
        return da.from_array(value, chunks=(chunks,))
    if value.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got a dask array of shape {value.shape}.")
    if any(np.isnan(c) for c in value.chunks[0]):
        raise ValueError(f"{what} has chunks of unknown size: call "
                         f"{what}.compute_chunk_sizes() first.")
    if value.shape[0] != n:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: X has "
                         f"{n} and {what} has {value.shape[0]}.")
    if value.chunks[0] != chunks:
        value = value.rechunk((chunks,))
    return value


def as_blocks(X, y, sample_weight=None, offset=None, foldid=None, *, numeric_y=True,
              need_y=True, check=True):
    """The :class:`Blocks` of a fit's inputs, checked on their metadata (and their values
    in the first pass, unless ``check`` is False: scikit-learn's ``check_input``).

    ``X`` is a 2-D dask array with known chunk sizes (any column chunking; rows stay
    blocks) or a dask DataFrame; with a dataframe, ``y``, ``sample_weight`` and ``offset``
    may be column names (the feature columns are the others). A numpy array or pandas
    DataFrame is wrapped as one block.
    """
    if isinstance(X, pd.DataFrame):
        import dask.dataframe as dd

        X = dd.from_pandas(X, npartitions=1)
    if _is_frame(X):
        return _frame_blocks(X, y, sample_weight, offset, foldid, numeric_y, need_y, check)
    if not isinstance(X, da.Array):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D X, got shape {X.shape}.")
        X = da.from_array(X, chunks=(max(X.shape[0], 1), X.shape[1]))
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D dask array X, got {X.ndim} dimension(s).")
    if any(np.isnan(c) for c in X.chunks[0]) or any(np.isnan(c) for c in X.chunks[1]):
        raise ValueError(
            "X has chunks of unknown size (NaN in X.chunks), e.g. from a dataframe's "
            "to_dask_array(): call X.compute_chunk_sizes(), or pass "
            "ddf.to_dask_array(lengths=True), or pass the dask DataFrame itself.")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    if X.shape[1] == 0:
        raise ValueError("X has 0 features; at least 1 is required.")
    if X.shape[0] == 0:
        raise ValueError("X has 0 samples; at least 1 is required.")
    if any(isinstance(v, str) for v in (y, sample_weight, offset, foldid)):
        raise TypeError("Column names for y, sample_weight, offset or foldid need X to be a "
                        "dask DataFrame.")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    chunks, n = X.chunks[0], X.shape[0]
    if need_y and y is None:
        raise ValueError("y is required.")
    yd = _side_array(y, "y", chunks, n)
    sd = _side_array(sample_weight, "sample_weight", chunks, n)
    od = _side_array(offset, "offset", chunks, n)
    fd = _side_array(foldid, "foldid", chunks, n)
    xs = X.to_delayed().ravel()

    def parts(a):
        return [None] * len(xs) if a is None else list(a.to_delayed().ravel())

    starts = np.concatenate([[0], np.cumsum(chunks)[:-1]])
    tasks = [dask.delayed(_array_block, pure=True)(xb, yb, sb, ob, fb, i, int(starts[i]),
                                                   numeric_y, check)
             for i, (xb, yb, sb, ob, fb) in enumerate(zip(xs, parts(yd), parts(sd), parts(od),
                                                          parts(fd), strict=True))]
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    return Blocks(tasks, X.shape[1], np.asarray(chunks, dtype=np.int64), None, None,
                  sd is not None, od is not None, dtype)


def _frame_blocks(frame, y, sample_weight, offset, foldid, numeric_y, need_y, check=True):
    named = {}
    for value, what in ((y, "target"), (sample_weight, "sample_weight"),
                        (offset, "offset"), (foldid, "foldid")):
        if isinstance(value, str):
            named[what] = _check_columns(frame, value, what)
        elif value is not None:
            raise TypeError(f"With a dask DataFrame X, give the {what} as a column name "
                            f"(got {type(value).__name__}); e.g. fit(ddf, 'y').")
    if need_y and "target" not in named:
        raise ValueError("y is required: with a dask DataFrame, name the target column, "
                         "e.g. fit(ddf, 'y').")
    features = [c for c in frame.columns if c not in named.values()]
    if not features:
        raise ValueError("The dataframe has no feature columns besides the target, weight "
                         "and offset columns.")
    spec, names = _frame_spec(frame, features)
    if need_y and numeric_y:
        dt = frame[named["target"]].dtype
        if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)):
            raise ValueError(f"The target column {named['target']!r} must be numeric, got "
                             f"dtype {dt}.")
    for what in ("sample_weight", "offset"):
        if what in named and not pd.api.types.is_numeric_dtype(frame[named[what]].dtype):
            raise ValueError(f"The {what} column {named[what]!r} must be numeric.")
    used = frame[features + [named[k] for k in ("target", "sample_weight", "offset",
                                                "foldid") if k in named]]
    parts = used.to_delayed()
    tasks = [dask.delayed(_frame_block, pure=True)(
        part, spec, named.get("target"), named.get("sample_weight"), named.get("offset"),
        named.get("foldid"), i, None, numeric_y, check) for i, part in enumerate(parts)]
    return Blocks(tasks, len(names), None, names, spec, "sample_weight" in named,
                  "offset" in named, np.float64,
                  length_task=[dask.delayed(len, pure=True)(part) for part in parts])


def _predict_array(xb, coef, intercept):
    return np.asarray(xb, dtype=np.float64) @ coef + intercept


def _predict_frame(part, spec, coef, intercept):
    return encode_frame(part, spec) @ coef + intercept


def predict_blocks(est, X, coef, intercept):
    """``X @ coef + intercept`` as a dask array, block by block (coef (p,) or (p, K))."""
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    K = coef.shape[1] if coef.ndim == 2 else None
    if isinstance(X, pd.DataFrame):
        import dask.dataframe as dd

        X = dd.from_pandas(X, npartitions=1)
    if _is_frame(X):
        spec = getattr(est, "_dask_spec", None)
        if spec is None:
            raise ValueError("This model was fitted on an array: predict on an array too.")
        missing = [c for c, _ in spec if c not in X.columns]
        if missing:
            raise ValueError(f"Columns {missing} used by the model are not in the dataframe.")
        blocks = [da.from_delayed(dask.delayed(_predict_frame, pure=True)(
            part, spec, coef, intercept), shape=(np.nan,) if K is None else (np.nan, K),
            dtype=np.float64) for part in X.to_delayed()]
        return da.concatenate(blocks, axis=0)
    if not isinstance(X, da.Array):
        X = np.asarray(X)
        X = da.from_array(X, chunks=(max(X.shape[0], 1), X.shape[1]))
    if X.ndim != 2 or X.shape[1] != coef.shape[0]:
        raise ValueError(f"X has {X.shape[-1]} features, but the model was fitted with "
                         f"{coef.shape[0]} features.")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    if K is None:
        return X.map_blocks(_predict_array, coef, intercept, drop_axis=1, dtype=np.float64)
    return X.map_blocks(_predict_array, coef, intercept, chunks=(X.chunks[0], (K,)),
                        dtype=np.float64)


def check_int_folds(cv):
    """The number of contiguous folds of ``cv`` (an int >= 2, or an unshuffled KFold)."""
    from sklearn.model_selection import KFold

    if cv is None:
        return 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"The 'cv' parameter must be >= 2 folds, got {cv!r}.")
        return int(cv)
    if isinstance(cv, KFold) and not cv.shuffle:
        return int(cv.n_splits)
    raise ValueError(
        "On dask, 'cv' must be an int or an unshuffled KFold (contiguous folds of rows, "
        "computed on the workers), or pass 'foldid' (a fold label per sample, as a dask "
        f"array or a column name); got {cv!r}. Other splitters need the n_samples row "
        "indices on the client.")
