"""Options of the CV estimators: the folds, the path options shared by every fit of a
run, the alpha rule and parameter checks."""

import numbers
import warnings

import numpy as np
from sklearn.model_selection import check_cv

from .._validation import check_bool, check_int, check_scalar
from ..estimators._base import selection_seed

__all__ = ["alpha_rule", "make_folds", "path_kwargs"]


# ----------------------------------------------------------------------------- folds
def make_folds(cv, X, y, groups=None, foldid=None, classifier=False):
    """List of (train, test) index arrays: from ``foldid`` if given, else from ``cv``."""
    n = X.shape[0]
    if foldid is not None:
        foldid = np.asarray(foldid)
        if foldid.ndim != 1 or foldid.shape[0] != n:
            raise ValueError(f"'foldid' must have shape ({n},) (one fold label per sample), "
                             f"got shape {foldid.shape}.")
        labels = np.unique(foldid)
        if labels.size < 2:
            raise ValueError("'foldid' must contain at least 2 distinct fold labels.")
        return [(np.flatnonzero(foldid != k), np.flatnonzero(foldid == k)) for k in labels]
    if cv is None:
        cv = 5
    if isinstance(cv, (bool, np.bool_)):
        raise ValueError(f"The 'cv' parameter must be an int >= 2, a splitter or an "
                         f"iterable of (train, test) splits, got {cv!r}.")
    if isinstance(cv, numbers.Integral) and cv < 2:
        raise ValueError(f"The 'cv' parameter must be >= 2 folds, got {cv!r}.")
    splitter = check_cv(cv, y, classifier=classifier)
    folds = [(np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp))
             for tr, te in splitter.split(X, y, groups)]
    if len(folds) < 2:
        raise ValueError(f"The 'cv' parameter must give at least 2 folds, got {len(folds)}.")
    if any(tr.size == 0 or te.size == 0 for tr, te in folds):
        raise ValueError("The 'cv' parameter gave a fold with an empty train or test set.")
    return folds


# ------------------------------------------------------------------------------ paths
def path_kwargs(est):
    """Keyword arguments of :func:`penalized.path` shared by every fit of a CV run."""
    return dict(penalty_factor=est.penalty_factor, lower_bounds=est.lower_bounds,
                upper_bounds=est.upper_bounds, positive=check_bool(est.positive, "positive"),
                fit_intercept=check_bool(est.fit_intercept, "fit_intercept"),
                standardize=check_bool(est.standardize, "standardize"),
                tol=check_scalar(est.tol, "tol", low=0.0),
                max_iter=check_int(est.max_iter, "max_iter"),
                verbose=_check_verbose(est.verbose),
                precompute=_cv_precompute(est), seed=_cv_seed(est))


def _check_verbose(value):
    """scikit-learn's ``verbose``: a bool or an int >= 0."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_int(value, "verbose", low=0)


def _cv_precompute(est):
    """scikit-learn's ``precompute`` of the CV estimators: "auto" or a bool (a user Gram
    matrix cannot be split by fold)."""
    value = getattr(est, "precompute", "auto")
    if isinstance(value, str) and value == "auto":
        return "auto"
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if hasattr(value, "shape") or isinstance(value, (list, tuple)):
        raise ValueError("The 'precompute' parameter of a CV estimator cannot be a Gram "
                         "matrix: every training fold has its own X'X. Pass True to have "
                         "penalized compute them (by downdates of one all-rows Gram matrix).")
    raise ValueError("The 'precompute' parameter must be 'auto' or a bool, got "
                     f"{value!r}.")


def _cv_seed(est):
    """scikit-learn's ``selection`` / ``random_state`` (coordinate-descent estimators):
    -1 (cyclic) or the seed of the random coordinate order; the old rule values of
    ``selection`` mean cyclic."""
    if not est._coordinate_order or getattr(est, "selection", None) in _OLD_RULES:
        return -1
    return selection_seed(est)


_OLD_RULES = ("min", "1se")


def alpha_rule(est, stacklevel=5):
    """The rule that picks ``alpha_``: ``alpha_rule`` ("min" or "1se"), or the same
    value given under its old name ``selection`` (FutureWarning: ``selection`` is
    scikit-learn's coordinate order, "cyclic" or "random")."""
    old = getattr(est, "selection", None)
    if isinstance(old, str) and old in _OLD_RULES:
        warnings.warn(
            f"selection={old!r} as the alpha rule is deprecated: use alpha_rule={old!r}. "
            "'selection' is scikit-learn's coordinate order ('cyclic' or 'random').",
            FutureWarning, stacklevel=stacklevel)
        return old
    if old is not None and old != "deprecated" and not est._coordinate_order:
        raise ValueError(f"The 'selection' parameter (deprecated: use 'alpha_rule') must be "
                         f"'min' or '1se', got {old!r}.")
    return _check_choice(est.alpha_rule, "alpha_rule", {"min", "1se"})


# ----------------------------------------------------------------------------- checks
def _check_choice(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"The '{name}' parameter must be one of {sorted(options)}, "
                         f"got {value!r}.")
    return value


def _check_grid(value, name, *, low=0.0, high=None):
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"The '{name}' parameter must be a non-empty 1-D array of finite "
                         f"values, got {value!r}.")
    if np.any(arr < low) or (high is not None and np.any(arr > high)):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"The '{name}' parameter must be {bound}, got {value!r}.")
    return arr


def _check_alphas(value):
    """An explicit alpha grid; a negative entry is named by index and value as
    scikit-learn does."""
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim == 1:
        for i, a in enumerate(arr):
            if a < 0:
                raise ValueError(f"alphas[{i}] == {a}, must be >= 0.0.")
    return _check_grid(arr, "alphas")
