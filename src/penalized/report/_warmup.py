"""A tiny problem of the same kind as the user's, to compile the kernels before timing.

penalized's numba kernels are compiled on their first call after an install (then loaded
from numba's cache). ``penalized compare`` reports the fit time of every model, so it first
runs the whole comparison on :func:`warmup_problem`'s output, whose kernels are those of
the real run: the same dtype and memory layout (numba compiles one version per array
type), the same task and number of classes (the datafit), and the same shape regime (rows
per column, which decides between the Gram, coordinate-descent and active-set solvers).
The time this takes is reported apart, as the first-run compilation.
"""

import numpy as np

__all__ = ["warmup_problem"]

#: columns of the warm-up problem at most (a wide problem keeps its rows-per-column ratio)
MAX_COLUMNS = 400


def warmup_problem(X, task, n_classes, cv, seed=0):
    """A small synthetic problem that calls the same kernels as a comparison on ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training design matrix of the real run (its dtype and memory layout are kept).
    task : {"regression", "classification"}
    n_classes : int
        Number of classes (classification; ignored for regression).
    cv : int
        Number of folds: every class gets enough rows for stratified folds.
    seed : int, default=0

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        ``y`` as floats for regression, class indices ``0..n_classes-1`` otherwise. The
        training part has ``max(20, 2 * cv)`` rows per class (regression: one class) and
        ``round(rows * n_features / n_samples)`` columns (at least 2, or 1 when ``X`` has
        one; at most ``n_features`` and ``MAX_COLUMNS``), so that it is tall, square or
        wide as ``X`` is.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.report._warmup import warmup_problem
    >>> X = np.asfortranarray(np.ones((1000, 50)))
    >>> Xw, yw, Xt, yt = warmup_problem(X, "classification", 3, cv=5)
    >>> Xw.shape, Xw.flags.f_contiguous, Xw.flags.c_contiguous, sorted(set(yw.tolist()))
    ((60, 3), True, False, [0, 1, 2])
    >>> warmup_problem(np.ones((50, 1000)), "regression", 0, cv=5)[0].shape
    (20, 400)
    """
    X = np.asarray(X)
    n, p = X.shape
    k = max(int(n_classes), 2) if task == "classification" else 1
    per_class = max(20, 2 * int(cv))
    n_w = per_class * k
    # at least 2 columns (when X has them): a single column is both C and F contiguous,
    # and numba would type it C whatever X's layout
    p_w = int(max(min(2, p), min(p, MAX_COLUMNS, round(n_w * p / max(n, 1)))))
    rng = np.random.default_rng(seed)
    n_test = 2 * k

    def design(rows):
        order = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
        return np.asarray(rng.standard_normal((rows, p_w)), dtype=X.dtype, order=order)

    Xw, Xt = design(n_w), design(n_test)
    if task == "classification":
        yw = np.repeat(np.arange(k), per_class)
        yt = np.repeat(np.arange(k), 2)
        # a weak class signal in the first column: not separable, so the unpenalized
        # logistic fit runs as it would on real data
        Xw[:, 0] += 0.5 * yw
        Xt[:, 0] += 0.5 * yt
        return Xw, yw, Xt, yt
    w = rng.standard_normal(p_w)
    yw = Xw @ w + rng.standard_normal(n_w)
    yt = Xt @ w + rng.standard_normal(n_test)
    return Xw, yw, Xt, yt
