"""Parameter checks with error messages that name the offending parameter."""

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "InvalidParameterError",
    "check_bool",
    "check_bounds",
    "check_finite_sparse",
    "check_int",
    "check_penalty_factor",
    "check_sample_weight",
    "check_scalar",
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
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
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


def check_no_overflow(X):
    """A ``ValueError`` naming the overflow for an X whose squared entries overflow
    float64 (its Gram matrix and column norms would be infinite: the fit would return
    inf or NaN)."""
    data = X.data if sp.issparse(X) else X
    if data.size:
        top = float(np.max(np.abs(data)))
        if top * top * max(X.shape[0], 1) >= np.finfo(np.float64).max:
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
