"""Parameter checks with error messages that name the offending parameter."""

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "InvalidParameterError",
    "check_bool",
    "check_bounds",
    "check_finite_no_overflow",
    "check_finite_sparse",
    "check_int",
    "check_labels",
    "check_penalty_factor",
    "check_sample_weight",
    "check_scalar",
    "num_rows",
]


class InvalidParameterError(ValueError, TypeError):
    """An invalid parameter value or type (both a ValueError and a TypeError, as
    scikit-learn's error of the same name)."""


def check_scalar(value, name, *, low=None, high=None, low_open=False):
    """Return ``value`` as a float after checking its type and range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"The '{name}' parameter must be a real number, got {value!r} "
            f"of type {type(value).__name__}."
        )
    value = float(value)
    if not np.isfinite(value):
        raise InvalidParameterError(f"The '{name}' parameter must be finite, got {value!r}.")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise InvalidParameterError(f"The '{name}' parameter must be {op} {low}, got {value!r}.")
    if high is not None and value > high:
        raise InvalidParameterError(f"The '{name}' parameter must be <= {high}, got {value!r}.")
    return value


def check_int(value, name, *, low=1):
    """Return ``value`` as an int >= ``low``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"The '{name}' parameter must be an integer, got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < low:
        raise InvalidParameterError(f"The '{name}' parameter must be >= {low}, got {value!r}.")
    return int(value)


def check_bool(value, name):
    """Return ``value`` as a bool; only real booleans are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"The '{name}' parameter must be a bool, got {value!r} of type "
            f"{type(value).__name__}."
        )
    return bool(value)


def _as_float_vector(value, name, n):
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "c":  # a float64 cast would drop the imaginary parts
            raise InvalidParameterError(f"'{name}' must be real, got complex values.")
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InvalidParameterError):
            raise
        raise InvalidParameterError(f"'{name}' must be numeric, got {value!r}.") from exc
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InvalidParameterError(
            f"'{name}' must be a scalar or have shape ({n},) (one value per "
            f"{'sample' if name == 'sample_weight' else 'feature'}), got shape {arr.shape}."
        )
    return arr


def check_penalty_factor(value, n_features):
    """Validate ``penalty_factor``: None (ones) or non-negative finite values."""
    if value is None:
        return np.ones(n_features)
    pf = _as_float_vector(value, "penalty_factor", n_features)
    if not np.all(np.isfinite(pf)):
        raise InvalidParameterError("'penalty_factor' must be finite (no NaN or inf).")
    if np.any(pf < 0):
        raise InvalidParameterError("'penalty_factor' must be non-negative.")
    return pf.copy()


def check_bounds(lower, upper, n_features, positive=False):
    """Validate bounds; returns (lo, up) float64 arrays with lo <= 0 <= up."""
    check_bool(positive, "positive")
    if lower is None:
        lo = np.full(n_features, -np.inf)
    else:
        lo = _as_float_vector(lower, "lower_bounds", n_features).copy()
        if np.any(np.isnan(lo)):
            raise InvalidParameterError("'lower_bounds' must not contain NaN.")
        if np.any(lo > 0):
            raise InvalidParameterError(
                "'lower_bounds' must be <= 0 (as in glmnet, zero must be feasible); "
                f"got a maximum of {lo.max()!r}."
            )
    if upper is None:
        up = np.full(n_features, np.inf)
    else:
        up = _as_float_vector(upper, "upper_bounds", n_features).copy()
        if np.any(np.isnan(up)):
            raise InvalidParameterError("'upper_bounds' must not contain NaN.")
        if np.any(up < 0):
            raise InvalidParameterError(
                "'upper_bounds' must be >= 0 (as in glmnet, zero must be feasible); "
                f"got a minimum of {up.min()!r}."
            )
    if positive:
        lo = np.maximum(lo, 0.0)
    return lo, up


def check_finite_sparse(X, name="X"):
    """Sparse formats scikit-learn cannot scan (e.g. DOK) are checked after conversion."""
    if (sp.issparse(X) and X.format in ("csr", "csc", "coo", "bsr")
            and not np.all(np.isfinite(X.data))):
        raise InvalidParameterError(f"Input {name} contains NaN or infinity.")
    return X


def _squares_bounded(X):
    """Whether X's entries are finite and their squares summed over the samples cannot
    overflow float64, in one pass: the sum of the squared entries (no temporary; NaN or
    inf if any entry is) bounds every squared entry, and below ``max_float / n_samples``
    nothing can overflow.

    numpy's own loop (``einsum``), on one thread: BLAS's dot took 0.14 against 0.31 ms on
    1e6 entries, but its threads then spin for a while, on the cores the fit that follows
    runs on (a sim 100 x 10000 Lasso, 10 ms, with a busy process on each of the two
    cores: 2.40-2.53x slower than quiet with the dot, 1.57-1.95x with this loop)."""
    data = X.data if sp.issparse(X) else X
    flat = np.ravel(data, order="K")  # a view of F- or C-ordered X
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.einsum("i,i->", flat, flat))
    return total < np.finfo(np.float64).max / max(X.shape[0], 1)


def _column_squares(X):
    """``sum_i X_ij^2`` per column of a large dense float X (a numba pass, the one a
    design's column norms take), else None."""
    from .solvers.design import norms_by_kernel

    if sp.issparse(X) or not X.flags.f_contiguous or not norms_by_kernel(X):
        return None
    from .solvers.kernels.arrays import col_sqnorms

    out = np.empty(X.shape[1])
    col_sqnorms(X, np.zeros(X.shape[1]), np.empty(0), False, out)
    return out


def check_finite_no_overflow(X, estimator=None, column_squares=False):
    """scikit-learn's finite check of X (its messages) and :func:`check_no_overflow`, in
    one pass when both hold (the common case: for ``validate_data(...,
    ensure_all_finite=False)``, saving scikit-learn's own pass over X).

    With ``column_squares`` it returns ``sum_i X_ij^2`` per column when that pass
    computed them (a large dense X: :class:`~penalized.solvers.design.Design` derives
    its column norms from them instead of another pass), else None."""
    colsq = _column_squares(X) if column_squares else None
    if colsq is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(np.sum(colsq))
        if total < np.finfo(np.float64).max / max(X.shape[0], 1):
            return colsq
        colsq = None
    elif _squares_bounded(X):
        return None
    from sklearn.utils import assert_all_finite

    assert_all_finite(X.data if sp.issparse(X) else X, input_name="X",
                      estimator_name=None if estimator is None else type(estimator).__name__)
    check_no_overflow(X)
    return None


def check_no_overflow(X):
    """A ``ValueError`` naming the overflow for an X whose squared entries overflow
    float64 (its Gram matrix and column norms would be infinite: the fit would return
    inf or NaN)."""
    data = X.data if sp.issparse(X) else X
    if data.size:
        n = max(X.shape[0], 1)
        if _squares_bounded(X):
            return
        # the exact test: max and min, two passes without the temporary |X|
        top = max(float(np.max(data)), -float(np.min(data)))
        if top * top * n >= np.finfo(np.float64).max:
            raise ValueError(
                f"X has entries as large as {top:.3g}: their squares summed over the "
                f"{X.shape[0]} samples overflow float64. Rescale X (e.g. StandardScaler).")


def check_target_overflow(y):
    """The same for a numeric target: the squared loss, the variance of y (tol's scale)
    and Poisson's y log y would be infinite or NaN (least squares returned coefficients
    of 1e306 with overflow warnings, LassoCV 'every cross-validation error is NaN',
    HuberRegressor 'epsilon must be finite')."""
    y = np.asarray(y)
    if y.size and np.issubdtype(y.dtype, np.number):
        top = float(np.max(np.abs(y)))
        if top * top * max(y.shape[0], 1) >= np.finfo(np.float64).max:
            raise ValueError(
                f"y has entries as large as {top:.3g}: their squares summed over the "
                f"{y.shape[0]} samples overflow float64. Rescale y (the coefficients "
                f"scale with it).")


def check_sample_weight(sample_weight, n_samples):
    """Validate ``sample_weight``; returns None (unweighted) or a float64 array."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, str):
        raise InvalidParameterError(f"'sample_weight' must be numeric, got {sample_weight!r}.")
    sw = _as_float_vector(sample_weight, "sample_weight", n_samples)
    if not np.all(np.isfinite(sw)):
        raise InvalidParameterError("'sample_weight' must be finite (no NaN or inf).")
    if np.any(sw < 0):
        raise InvalidParameterError("'sample_weight' must be non-negative.")
    if not np.any(sw > 0):
        raise InvalidParameterError(
            "'sample_weight' must not be all zero: at least one weight must be positive."
        )
    with np.errstate(over="ignore"):
        total = float(np.sum(sw))
    if not np.isfinite(total) or total * max(n_samples, 1) >= np.finfo(np.float64).max:
        raise ValueError(
            f"sample_weight has entries as large as {float(np.max(sw)):.3g}: weighted sums "
            f"over the {n_samples} samples overflow float64. Rescale the weights.")
    return sw.copy()


def num_rows(X):
    """The number of rows of an X not validated yet (array, sparse matrix, DataFrame or
    nested list), to check per-row arguments given with it; None when X has no rows
    (its validation then gives the error)."""
    shape = getattr(X, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) > 0 else None
    try:
        return len(X)
    except TypeError:
        return None


def _is_missing(label):
    if label is None:
        return True
    try:
        return bool(label != label)  # NaN
    except TypeError:  # pandas.NA: its comparisons are NA, whose truth is undefined
        return True
    except ValueError:  # an array is no label: scikit-learn's checks refuse it
        return False


def check_labels(y):
    """Refuse by name the class labels that scikit-learn's checks fail on while sorting
    or scanning them: missing labels (None, NaN, ``pandas.NA``) and labels mixing strings
    with numbers (scikit-learn raises ``TypeError: '<' not supported between instances of
    'int' and 'str'`` or ``boolean value of NA is ambiguous``). Run on the raw ``y``,
    before scikit-learn's validation; anything else is left to it."""
    if y is None or sp.issparse(y):
        return
    try:
        y = np.asarray(y)
    except (TypeError, ValueError):  # ragged: scikit-learn's checks name it
        return
    if y.dtype.kind != "O" or y.ndim == 0:
        return
    flat = y.ravel()
    missing = [i for i, v in enumerate(flat) if _is_missing(v)]
    if missing:
        raise ValueError(f"Input y contains missing class labels ({flat[missing[0]]!r} at "
                         f"index {missing[0]}, {len(missing)} in all): remove or impute "
                         "them.")
    text = [isinstance(v, (str, bytes)) for v in flat]
    if any(text) and not all(text):
        s, o = flat[text.index(True)], flat[text.index(False)]
        raise TypeError(f"The class labels in y mix strings and other types (e.g. {s!r} of "
                        f"type {type(s).__name__} and {o!r} of type {type(o).__name__}): "
                        "use labels of one type.")


def encode_labels(y, name, liblinear=False):
    """The classes of a validated label vector ``y`` and its codes ``0..K-1`` (scikit-learn's
    ``LabelEncoder``), refusing a single class and, for ``solver="liblinear"``, more than
    two, with scikit-learn's messages (``name`` is the estimator's). Returns
    ``(codes, classes)``."""
    classes = _integral_classes(y)
    if classes is not None:
        # numeric labels with integral values (the common case): what scikit-learn's
        # checks accept as binary or multiclass, encoded as its LabelEncoder does (its
        # checks cost 0.5 ms a fit, a tenth of a small L1-logistic fit)
        classes, codes = classes
    else:
        from sklearn.preprocessing import LabelEncoder
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        enc = LabelEncoder()
        codes = enc.fit_transform(y)
        classes = enc.classes_
    K = classes.size
    if K < 2:
        raise ValueError(
            f"{name} needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes[0]!r}.")
    if liblinear and K > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme.")
    return codes, classes


def _integral_classes(y):
    """``(classes, codes)`` of a 1-D numeric ndarray of labels whose values are all
    integers (bool, int, or float with integral values, as scikit-learn's
    ``type_of_target`` tests them: ``y == y.astype(int)``); None for anything else (left
    to scikit-learn's checks and their messages)."""
    if not (isinstance(y, np.ndarray) and y.ndim == 1 and y.size
            and y.dtype.kind in "biuf"):
        return None
    classes, codes = np.unique(y, return_inverse=True)
    if y.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            if not np.all(classes == classes.astype(int)):
                return None
    return classes, codes.reshape(-1)
