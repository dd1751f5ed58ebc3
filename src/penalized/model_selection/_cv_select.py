"""Scores of the CV estimators and the rules that pick alpha from them.

Test errors of penalized's glmnet-style measures (lower is better), their means and
standard errors over folds, the minimum and one-standard-error rules, and the
interpolation of a fitted path at any alpha.
"""

import numpy as np
from sklearn.metrics import roc_auc_score

from .._validation import check_scalar

__all__ = ["fold_errors", "interpolate", "select", "summarize"]


def fold_errors(datafit, scoring, y, eta, sw=None):
    """Weighted mean test error per alpha (lower is better); eta (n, m) or (n, m, K).

    ``y`` is the target (0/1 for binomial, one-hot for multinomial); the per-sample
    errors are the datafit's (:meth:`~penalized.datafits.Datafit.test_error`). AUC and
    accuracy are returned as ``1 - value``.
    """
    s = np.ones(eta.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    if s.sum() <= 0:
        raise ValueError("A test fold has zero total sample_weight; its error is undefined.")
    if scoring == "auc":
        if np.unique(y[s > 0]).size < 2:
            raise ValueError("scoring='auc' needs both classes in every test fold.")
        return np.array([1.0 - roc_auc_score(y, eta[:, j], sample_weight=sw)
                         for j in range(eta.shape[1])])
    return s @ datafit.test_error(y, eta, scoring) / s.sum()


def summarize(scores):
    """Mean and standard error over folds (last axis): ``std(ddof=1) / sqrt(n_folds)``."""
    n_folds = scores.shape[-1]
    # in units of the largest score: squared deviations of errors of 1e200 (y of 1e100)
    # overflowed to an infinite standard error
    top = np.max(np.abs(scores), axis=-1, keepdims=True)
    top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
    se = (scores / top).std(axis=-1, ddof=1) * top[..., 0] / np.sqrt(n_folds)
    return scores.mean(axis=-1), se


def select(mean, se, best=None):
    """Indices ((g_min, a_min), (g_1se, a_1se)) on a (n_gammas, n_alphas) grid.

    Minimum: the smallest mean error (ties go to the largest alpha, then the largest
    gamma), or ``best`` when given (a caller with its own tie rule). One standard error:
    the largest alpha whose mean error is at most the minimum plus its standard error
    (glmnet's ``lambda.1se``), with the largest such gamma.
    """
    m = np.where(np.isfinite(mean), mean, np.inf)
    if not np.isfinite(m).any():
        raise ValueError("Every cross-validation error is NaN or infinite.")

    def largest(cand):
        a = int(np.flatnonzero(cand.any(axis=0))[0])
        return int(np.flatnonzero(cand[:, a])[-1]), a

    g0, a0 = largest(m == m.min()) if best is None else best
    thr = m[g0, a0] + (se[g0, a0] if np.isfinite(se[g0, a0]) else 0.0)
    return (g0, a0), largest(m <= thr)


def interpolate(res, alpha):
    """Coefficients and intercept at ``alpha``, linear in log(alpha) between path points.

    Exact at the path's alphas; ``alpha`` beyond the path's ends is clipped to them.
    """
    alpha = check_scalar(alpha, "alpha", low=0.0)
    a = res.alphas
    if alpha >= a[0] or a.size == 1:
        return res.coef_at(0), res.intercepts[0]
    if alpha <= a[-1]:
        return res.coef_at(a.size - 1), res.intercepts[-1]
    j = int(np.searchsorted(-a, -alpha, side="left"))
    if a[j] == alpha:
        return res.coef_at(j), res.intercepts[j]
    i = j - 1
    if a[j] > 0:
        t = (np.log(a[i]) - np.log(alpha)) / (np.log(a[i]) - np.log(a[j]))
    else:
        t = (a[i] - alpha) / (a[i] - a[j])
    return ((1 - t) * res.coef_at(i) + t * res.coef_at(j),
            (1 - t) * res.intercepts[i] + t * res.intercepts[j])
