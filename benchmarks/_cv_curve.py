"""CV curves and their error against the exact curve (pure NumPy; used by ``bench_cv.py``).

The protocol (BENCHMARKS.md, "Update: what the CV comparison must be"):

* a library's CV curve is the mean test error over the folds at every alpha of the grid, the
  folds weighted by their size, as glmnet does (:func:`weighted_curve`); from out-of-fold
  predictions it is the plain mean over all samples (:func:`curve_from_predictions`);
* the exact curve is the same on the same folds and grid, every fit at tol 1e-11;
* the error of a curve is its largest relative deviation ``|m - m*| / m*`` from the exact
  curve ``m*`` over the grid points from ``alpha_max`` down to half the exact ``alpha_min``
  (the alpha of least exact CV error) (:func:`curve_error`); a curve is accurate when that is at
  most 1e-3.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "REL_TARGET",
    "WINDOW",
    "alpha_grid",
    "curve_error",
    "curve_from_predictions",
    "first_reaching",
    "fold_labels",
    "per_sample_error",
    "weighted_curve",
    "window_mask",
]

REL_TARGET = 1e-3  # a curve is accurate when its error is at most this
WINDOW = 0.5  # the error is taken over alphas >= WINDOW * exact alpha_min


def alpha_grid(X, y: np.ndarray, n_alphas: int, eps: float) -> np.ndarray:
    """``geomspace(alpha_max, eps alpha_max, n_alphas)`` with an intercept fitted.

    ``alpha_max = ||X'(y - mean(y))||_inf / n`` is the smallest alpha whose Lasso (and
    L1-logistic, y in {0, 1}) solution with an intercept has all coefficients zero. Centering
    ``y`` is enough (``sum(y - mean(y)) = 0``), so ``X`` may be sparse and uncentered.
    """
    y = np.asarray(y, dtype=np.float64)
    g = np.asarray(X.T @ (y - y.mean())).ravel()
    alpha_max = float(np.max(np.abs(g))) / X.shape[0]
    return np.geomspace(alpha_max, eps * alpha_max, n_alphas)


def fold_labels(folds, n: int) -> np.ndarray:
    """``foldid`` (1..K, int32) of a list of (train, test) index pairs that partition ``n``."""
    foldid = np.zeros(n, dtype=np.int32)
    for k, (_, test) in enumerate(folds, start=1):
        if np.any(foldid[test]):
            raise ValueError("the test folds overlap")
        foldid[test] = k
    if not np.all(foldid):
        raise ValueError("the test folds do not cover every sample")
    return foldid


def weighted_curve(fold_scores: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Mean over folds of ``fold_scores`` (n_alphas, n_folds), folds weighted by ``sizes``.

    With per-fold mean errors this is the mean error over all the samples (glmnet's ``cvm``).
    """
    fold_scores = np.asarray(fold_scores, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    if fold_scores.ndim != 2 or fold_scores.shape[1] != sizes.size:
        raise ValueError(
            f"fold_scores must be (n_alphas, {sizes.size}), got {fold_scores.shape}"
        )
    return fold_scores @ sizes / sizes.sum()


def per_sample_error(y: np.ndarray, pred: np.ndarray, kind: str) -> np.ndarray:
    """Test error of every sample at every alpha; ``pred`` (n, n_alphas).

    ``kind="mse"``: ``(y - pred)^2``. ``kind="deviance"`` (binomial, y in {0, 1}, ``pred`` the
    linear predictor): ``-2 log p(y)`` = ``2 (log(1 + exp(eta)) - y eta)``, computed without
    overflow and without glmnet's clipping of probabilities to [1e-5, 1 - 1e-5].
    """
    y = np.asarray(y, dtype=np.float64)[:, None]
    pred = np.asarray(pred, dtype=np.float64)
    if kind == "mse":
        return (y - pred) ** 2
    if kind == "deviance":
        return 2.0 * (np.logaddexp(0.0, pred) - y * pred)
    raise ValueError(f"unknown kind {kind!r}")


def curve_from_predictions(y: np.ndarray, pred: np.ndarray, kind: str) -> np.ndarray:
    """CV curve from out-of-fold predictions (n, n_alphas): the mean error over all samples.

    Equal to :func:`weighted_curve` of the per-fold mean errors.
    """
    return per_sample_error(y, pred, kind).mean(axis=0)


def window_mask(alphas: np.ndarray, exact: np.ndarray, factor: float = WINDOW) -> np.ndarray:
    """Grid points with ``alpha >= factor * alpha_min``, alpha_min the exact curve's minimizer.

    Ties of the minimum go to the largest alpha (the "min" rule of penalized and glmnet).
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    exact = np.asarray(exact, dtype=np.float64)
    if alphas.shape != exact.shape:
        raise ValueError("alphas and exact must have the same shape")
    m = np.where(np.isfinite(exact), exact, np.inf)
    best = m.min()
    alpha_min = alphas[m == best].max()
    return alphas >= factor * alpha_min


def curve_error(curve, exact, alphas, factor: float = WINDOW) -> dict:
    """Error of ``curve`` against ``exact`` on the same grid ``alphas``.

    Returns ``{"window": max |m - m*| / |m*| over the window (see :func:`window_mask`),
    "full": the same over the whole grid, "argmin_shift": the curve's argmin minus the exact
    one, in grid steps}``. A point missing from ``curve`` (NaN or inf, e.g. a path that ended
    early) counts as an infinite error.
    """
    curve = np.asarray(curve, dtype=np.float64)
    exact = np.asarray(exact, dtype=np.float64)
    if curve.shape != exact.shape:
        raise ValueError(f"curve has shape {curve.shape}, the exact curve {exact.shape}")
    rel = np.abs(curve - exact) / np.abs(exact)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    win = window_mask(alphas, exact, factor)
    own = np.where(np.isfinite(curve), curve, np.inf)
    return {
        "window": float(rel[win].max()),
        "full": float(rel.max()),
        "argmin_shift": int(np.argmin(own) - np.argmin(np.where(np.isfinite(exact), exact,
                                                                 np.inf))),
    }


def first_reaching(errors: dict[float, float], target: float = REL_TARGET) -> float | None:
    """Loosest tol (the first in decreasing order) whose error is at most ``target``."""
    for tol in sorted(errors, reverse=True):
        if errors[tol] <= target:
            return tol
    return None
