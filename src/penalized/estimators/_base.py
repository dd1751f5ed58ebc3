"""Pieces shared by every estimator: parameter checks, data validation, the penalty."""

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import (  # noqa: F401 (check_no_overflow: estimators import it here)
    InvalidParameterError,
    check_bool,
    check_finite_no_overflow,
    check_finite_sparse,
    check_int,
    check_no_overflow,
    check_scalar,
    check_target_overflow,
)
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..solvers.api import solve_design
from ..solvers.design import Design

PARAMS_FIT_INTERCEPT = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``. Dense and sparse X are centered
        implicitly (X is never copied or densified for this)."""

PARAMS_OPTIONS = """
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of ``alpha`` per feature; 0 leaves a feature
        unpenalized. None means all ones.
    lower_bounds : float or array-like of shape (n_features,), default=None
        Lower bounds on the coefficients (<= 0). None means -inf.
    upper_bounds : float or array-like of shape (n_features,), default=None
        Upper bounds on the coefficients (>= 0). None means +inf.
    positive : bool, default=False
        Force the coefficients to be non-negative (``lower_bounds=0``).
    standardize : bool, default=False
        glmnet's ``standardize``: penalize the coefficients of the standardized features
        (weighted sd 1) and report them on the original scale; done by rescaling the
        penalty per feature, X is not copied. Default False as in scikit-learn (glmnet's
        default is True).
"""

PARAMS_PENALTY = PARAMS_FIT_INTERCEPT + PARAMS_OPTIONS

PARAMS_SOLVER = """
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the scale given in Notes.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over all inner solves).
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the gap after each outer iteration when > 0.
"""


@dataclass
class FitParams:
    alpha: float
    fit_intercept: bool
    standardize: bool
    tol: float
    max_iter: int
    warm_start: bool
    verbose: int


def check_fit_params(est):
    """Validate the parameters every estimator has; errors name the parameter."""
    return FitParams(
        alpha=check_scalar(est.alpha, "alpha", low=0.0),
        # estimators without the parameter (CoxPH) center X: glmnet's standardization
        fit_intercept=check_bool(getattr(est, "fit_intercept", True), "fit_intercept"),
        standardize=check_bool(est.standardize, "standardize"),
        tol=check_scalar(est.tol, "tol", low=0.0),
        max_iter=check_int(est.max_iter, "max_iter"),
        warm_start=check_bool(est.warm_start, "warm_start"),
        verbose=check_int(est.verbose, "verbose", low=0),
    )


def build_penalty(est, alpha, l1_ratio):
    return ElasticNetPenalty(alpha, l1_ratio, est.penalty_factor, est.lower_bounds,
                             est.upper_bounds, est.positive)


def fit_problem(X, y, datafit, penalty, prm, *, sample_weight=None, coef_init=None,
                offset=None, design=None, **engine):
    """Solve the estimator's problem on validated data (X from :func:`validate_fit_data`,
    weights checked): the datafit's target check, the design, the penalty arrays
    (standardized when asked), then the engine chosen for them (``engine``: keywords of
    :func:`~penalized.solvers.api.solve_design`, e.g. ``precompute``, ``seed``, ``gram``)."""
    y = datafit.check_target(y)
    if design is None:
        design = Design(X, sample_weight, prm.fit_intercept)
    pen = penalty.arrays(X.shape[1])
    if prm.standardize:
        pen = pen.standardized(design.sqnorms())
    return solve_design(design, y, datafit, pen, tol=prm.tol, max_iter=prm.max_iter,
                        coef_init=coef_init, offset=offset, verbose=prm.verbose, **engine)


def check_choice(value, name, options):
    """``value`` if it is one of ``options`` (strings), else scikit-learn's error."""
    if not isinstance(value, str) or value not in options:
        raise InvalidParameterError(
            f"The '{name}' parameter must be a str among {set(options)}. Got {value!r} "
            "instead.")
    return value


def selection_seed(est):
    """scikit-learn's ``selection`` and ``random_state``: -1 for cyclic coordinates, else a
    seed of the random order (a new one at every fit unless ``random_state`` fixes it)."""
    if check_choice(est.selection, "selection", ("cyclic", "random")) == "cyclic":
        return -1
    return int(check_random_state(est.random_state).randint(0, 2**31 - 1))


def check_precompute(precompute, X):
    """scikit-learn's ``precompute``: "auto", a bool, or a Gram matrix ``X'X`` of shape
    (n_features, n_features), checked on one entry as scikit-learn does."""
    if isinstance(precompute, str):
        return check_choice(precompute, "precompute", ("auto",))
    if isinstance(precompute, (bool, np.bool_)):
        return bool(precompute)
    if precompute is None or isinstance(precompute, numbers.Number):
        raise InvalidParameterError(
            "The 'precompute' parameter must be an instance of 'bool', 'auto' or an "
            f"array-like. Got {precompute!r} instead.")
    G = np.asarray(precompute, dtype=np.float64)
    p = X.shape[1]
    if G.shape != (p, p):
        raise ValueError(f"The precomputed Gram matrix must have shape ({p}, {p}) (X has "
                         f"{p} features), got {G.shape}.")
    f = p // 2
    col = X[:, [f]]
    col = col.toarray().ravel() if sp.issparse(col) else np.asarray(col).ravel()
    expected = float(col @ col)
    if not np.isclose(expected, G[f, f], rtol=1e-4, atol=1e-8 * max(abs(expected), 1.0)):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass validation when "
            f"a single element was checked - please check that it was computed properly. "
            f"For element ({f},{f}) we computed {expected} but the user-supplied value was "
            f"{G[f, f]}.")
    return G


def user_gram(G, design, y):
    """The Gram engine's statistics from a user's ``X'X``: centered algebraically
    (``X'X / S - mu mu'``) with an intercept; recomputed with a warning, as scikit-learn
    does, when sample weights make ``X'X`` the wrong matrix."""
    from ..solvers.least_squares import FullGram

    s, S = design.s, design.S
    ybar = float(s @ y) / S if design.center else 0.0
    if design.weighted:
        warnings.warn("Gram matrix was provided but sample weights change it: recomputing "
                      "the Gram matrix.", UserWarning, stacklevel=4)
        return FullGram(design, y - ybar)
    Gc = G / S
    if design.center:
        Gc = Gc - np.outer(design.mu, design.mu)
    return FullGram(design, y - ybar, Gc)


def check_copy_X(est):
    """scikit-learn's ``copy_X``: X is never modified here, so both values give the same
    fit; the parameter is validated and kept."""
    return check_bool(est.copy_X, "copy_X")


def _plain_X(X):
    """An X scikit-learn's fit validation returns as is: a non-empty 2-D F-ordered
    float64 or float32 ndarray (no subclass, native byte order, no feature names)."""
    return (type(X) is np.ndarray and X.ndim == 2 and X.dtype in (np.float64, np.float32)
            and X.flags.f_contiguous and X.shape[0] >= 1 and X.shape[1] >= 1)


def _plain_y(y, n):
    """A target scikit-learn's ``_check_y`` returns as is and accepts: a contiguous 1-D
    float64, float32, int64 or int32 ndarray of ``n`` finite values."""
    if not (type(y) is np.ndarray and y.ndim == 1 and y.shape[0] == n
            and y.dtype in (np.float64, np.float32, np.int64, np.int32)
            and y.flags.c_contiguous):
        return False
    if y.dtype.kind != "f":
        return True
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.isfinite(np.sum(y)))  # NaN or inf: scikit-learn's message


def _reset_features(est, X):
    """``validate_data(reset=True)``'s effects for an X without feature names."""
    if hasattr(est, "feature_names_in_"):
        delattr(est, "feature_names_in_")
    est.n_features_in_ = X.shape[1]


def validate_fit_X(est, X):
    """scikit-learn's ``validate_data(est, X, accept_sparse="csc", dtype=[float64,
    float32], order="F", ensure_all_finite=False)`` at ``fit`` (``reset=True``), which
    it calls, except for an X that it would return as is: a non-empty 2-D F-ordered
    float64 or float32 ndarray (no feature names, nothing to convert). That X gets the
    same effects directly, ``n_features_in_`` set and ``feature_names_in_`` of an
    earlier fit removed (a tenth of a 2000 x 100 Cox fit, in scikit-learn's checks)."""
    if _plain_X(X):
        _reset_features(est, X)
        return X
    return validate_data(est, X, accept_sparse="csc", dtype=[np.float64, np.float32],
                         order="F", ensure_all_finite=False)


def validate_fit_data(est, X, y, *, y_numeric=True, multi_output=False, column_squares=False):
    """X as F-ordered float64/float32 or CSC (never densified), y 1-D (or 2-D with
    ``multi_output``); X too large for float64 products is refused by name. With
    ``column_squares``, ``(X, y, colsq)``: ``colsq`` X's column sums of squares when the
    finite check computed them (see :func:`check_finite_no_overflow`), else None."""
    # X's finite check and overflow check in one pass (check_finite_no_overflow), not
    # scikit-learn's pass and then ours. Plain arrays that scikit-learn would return as
    # they are get its effects directly: its checks of their types cost about 0.1 ms a
    # fit (dataframe detection), 7% of a 500 x 600 elastic net's
    if _plain_X(X) and _plain_y(y, X.shape[0]):
        _reset_features(est, X)
    else:
        X, y = validate_data(est, X, y, accept_sparse="csc",
                             dtype=[np.float64, np.float32], order="F", y_numeric=y_numeric,
                             multi_output=multi_output, ensure_all_finite=False)
    colsq = check_finite_no_overflow(X, est, column_squares)
    if y_numeric:
        check_target_overflow(y)
    if multi_output and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return (X, y, colsq) if column_squares else (X, y)


def sparse_coef(est):
    """scikit-learn's ``sparse_coef_``: ``coef_`` as a CSR matrix."""
    check_is_fitted(est)
    return sp.csr_matrix(np.atleast_2d(est.coef_))


def _per_row(value, name, n):
    arr = check_array(value, ensure_2d=False, dtype=np.float64, input_name=name)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValueError(f"{name} must have shape ({'n_samples' if n is None else n},) (one "
                         f"value per sample), got shape {arr.shape}.")
    return arr


def check_offset(offset, n, exposure=None):
    """The offset of a fit or a prediction as float64 of shape (n,), plus
    ``log(exposure)`` when an exposure is given; None when neither is (``n`` None: the
    rows are checked later, against the validated X). Errors name the argument: wrong
    length, NaN/inf, non-positive exposure."""
    off = None
    if offset is not None:
        off = _per_row(offset, "offset", n)
        n = off.shape[0]
    if exposure is not None:
        ex = _per_row(exposure, "exposure", n)
        if np.any(ex <= 0):
            raise ValueError("exposure must be positive (its log is the offset).")
        off = np.log(ex) if off is None else off + np.log(ex)
    return off


def decision(est, X, offset=None, exposure=None):
    """X @ coef_.T + intercept_ (+ offset) for fitted linear models (any coef_ layout)."""
    check_is_fitted(est)
    X = validate_data(est, X, accept_sparse=["csr", "csc", "coo"],
                      dtype=[np.float64, np.float32], reset=False)
    check_finite_sparse(X)
    off = check_offset(offset, X.shape[0], exposure)
    coef = est.coef_
    out = np.asarray(safe_sparse_dot(X, coef.T if coef.ndim == 2 else coef)) + est.intercept_
    if off is None:
        return out
    return out + (off[:, None] if out.ndim == 2 else off)


def warm_coef(est, params, shape):
    if params.warm_start and getattr(est, "coef_", None) is not None:
        if est.coef_.shape == shape:
            return est.coef_
    return None


# ----------------------------------------------- penalty objects of the GLM estimators
def is_penalty_object(value):
    """Whether ``value`` is a penalty specification (an object with ``arrays``)."""
    return hasattr(value, "arrays") and not isinstance(value, str)


def configured_penalty(est, alpha):
    """The estimator's ``penalty`` object at ``alpha``, with the estimator's per-feature
    options (penalty_factor, bounds, positive) filled in where the object leaves them
    unset."""
    pen = est.penalty
    if not hasattr(pen, "configure"):
        raise ValueError(f"The 'penalty' parameter must be a string or a penalty of "
                         f"penalized.penalties (MCP, SCAD, LogSum, Lq, GroupLasso, "
                         f"SparseGroupLasso), got {pen!r}.")
    options = {name: getattr(est, name) for name in
               ("penalty_factor", "lower_bounds", "upper_bounds", "positive")
               if hasattr(est, name)}
    return pen.configure(alpha, **options)


def store_certificate(est, res):
    """``dual_gap_`` for a convex fit, ``stop_crit_`` for a nonconvex one (the other
    attribute is removed)."""
    if res.criterion == "kkt":
        est.stop_crit_ = float(res.dual_gap)
        est.__dict__.pop("dual_gap_", None)
    else:
        est.dual_gap_ = float(res.dual_gap)
        est.__dict__.pop("stop_crit_", None)
