"""``score`` of the dask estimators: scikit-learn's scores from one pass of sums.

scikit-learn's ``score`` would compute the predictions and bring them, n_samples long, to
the client. Here one pass reduces, per block, the sums the score is a function of:

* ``r2`` (regressors, scikit-learn's ``r2_score``): the weighted moments of y (exact
  merges, :mod:`penalized.dask._moments`) and the weighted sum of squared residuals;
* ``d2_poisson`` (PoissonRegressor, ``d2_tweedie_score(power=1)``): the weighted sums
  of the unit deviance at the predictions, of ``y log y``, of y and of the weights (the
  null deviance ``2 (sum s y log y - S ybar log ybar)``);
* ``accuracy`` (classifiers, ``accuracy_score``): the weights of the correct
  predictions and of all rows;
* ``neg_log_loss`` (LogisticRegressionCV with that scoring, ``log_loss``): the weighted
  sum of the log of the clipped probability of each row's class, and of the weights.
"""

import numpy as np
from scipy.special import expit, log_softmax, xlogy

from ._data import as_blocks
from ._moments import block_moments, merge
from ._passes import Runner

__all__ = ["dask_score"]


def _score_block(block, i, extra, kind, coef, intercept, classes):
    X, y, s, _, _ = block
    eta = X @ coef + intercept
    w = np.ones(X.shape[0]) if s is None else s
    if kind == "accuracy":
        idx = (eta > 0).astype(int) if eta.ndim == 1 else np.argmax(eta, axis=1)
        return np.array([float(w @ (classes[idx] == y)), float(w.sum())])
    if kind == "neg_log_loss":
        k = np.searchsorted(classes, y)
        if np.any(k >= len(classes)) or np.any(classes[np.minimum(k, len(classes) - 1)] != y):
            raise ValueError(f"y has labels not seen in fit in block {i}; log_loss needs "
                             f"labels among {classes.tolist()}.")
        if eta.ndim == 1:
            p1 = expit(eta)
            P = np.where(k == 1, p1, 1.0 - p1)
        else:
            P = np.exp(log_softmax(eta, axis=1))[np.arange(k.size), k]
        eps = np.finfo(np.float64).eps
        return np.array([float(w @ np.log(np.clip(P, eps, 1 - eps))), float(w.sum())])
    if kind == "r2":
        r = y - eta
        return (block_moments(y[:, None], s), float(w @ (r * r)))
    mu = np.exp(eta)
    dev = 2.0 * (xlogy(y, y) - xlogy(y, mu) - y + mu)
    return np.array([float(w @ dev), float(w @ xlogy(y, y)), float(w @ y), float(w.sum())])


def _merge(a, b):
    if isinstance(a, tuple):
        return (merge(a[0], b[0]), a[1] + b[1])
    return a + b


def dask_score(est, X, y, sample_weight, kind, coef, intercept, classes=None):
    """The score ``kind`` ("r2", "d2_poisson", "accuracy" or "neg_log_loss") of the
    model ``X @ coef + intercept`` (coef (p,) or (p, K)) on dask data: one pass, scalars
    to the client."""
    blocks = as_blocks(X, y, sample_weight, numeric_y=kind not in ("accuracy",
                                                                   "neg_log_loss"))
    spec = getattr(est, "_dask_spec", None)
    if blocks.spec != spec:
        raise ValueError("score needs the data in the layout of the fit: the same feature "
                         "columns (and categories) for a dataframe, an array for an array.")
    if blocks.p != np.shape(coef)[0]:
        raise ValueError(f"X has {blocks.p} features, but the model was fitted with "
                         f"{np.shape(coef)[0]} features.")
    out = Runner(blocks).map_reduce(_score_block, _merge, kind,
                                    np.asarray(coef, dtype=np.float64),
                                    np.asarray(intercept, dtype=np.float64), classes)
    if kind in ("accuracy", "neg_log_loss"):
        return float(out[0] / out[1])
    if kind == "r2":
        mom, sse = out
        sst = float(mom.M[0, 0])
        if sst == 0.0:  # scikit-learn's force_finite
            return 1.0 if sse == 0.0 else 0.0
        return 1.0 - sse / sst
    dev, ylogy, sy, S = out
    ybar = sy / S
    null = 2.0 * (ylogy - sy * np.log(ybar)) if ybar > 0 else 0.0
    if null == 0.0:
        return 1.0 if dev == 0.0 else 0.0
    return float(1.0 - dev / null)
