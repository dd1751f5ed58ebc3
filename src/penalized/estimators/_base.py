"""Pieces shared by every estimator: parameter checks, data validation, the penalty."""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_bool, check_finite_sparse, check_int, check_scalar
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..solvers.api import solve_design
from ..solvers.design import Design

PARAMS_PENALTY = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``. Dense and sparse X are centered
        implicitly (X is never copied or densified for this).
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
                offset=None):
    """Solve the estimator's problem on validated data (X from :func:`validate_fit_data`,
    weights checked): the datafit's target check, the design, the penalty arrays
    (standardized when asked), then the engine chosen for them."""
    y = datafit.check_target(y)
    design = Design(X, sample_weight, prm.fit_intercept)
    pen = penalty.arrays(X.shape[1])
    if prm.standardize:
        pen = pen.standardized(design.sqnorms())
    return solve_design(design, y, datafit, pen, tol=prm.tol, max_iter=prm.max_iter,
                        coef_init=coef_init, offset=offset, verbose=prm.verbose)


def validate_fit_data(est, X, y, *, y_numeric=True):
    """X as F-ordered float64/float32 or CSC (never densified), y 1-D."""
    X, y = validate_data(est, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                         order="F", y_numeric=y_numeric, multi_output=False)
    check_finite_sparse(X)
    return X, y


def check_offset(offset, n, exposure=None):
    """The offset of a fit or a prediction as float64 of shape (n,), plus
    ``log(exposure)`` when an exposure is given; None when neither is. Errors name the
    argument: wrong length, NaN/inf, non-positive exposure."""
    off = None
    if offset is not None:
        off = check_array(offset, ensure_2d=False, dtype=np.float64, input_name="offset")
        if off.shape != (n,):
            raise ValueError(f"offset must have shape ({n},) (one value per sample), got "
                             f"shape {off.shape}.")
    if exposure is not None:
        ex = check_array(exposure, ensure_2d=False, dtype=np.float64, input_name="exposure")
        if ex.shape != (n,):
            raise ValueError(f"exposure must have shape ({n},) (one value per sample), got "
                             f"shape {ex.shape}.")
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
