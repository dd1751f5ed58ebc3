"""Engines ``"multitask_bcd"`` and ``"multitask_gram"``: the multi-task squared loss with
the L2,1 row penalty.

Minimizes ``1/(2S) sum_i s_i ||y_i - ybar - W' xc_i||^2 + sum_j (a_j ||W_j|| + b_j/2
||W_j||^2)`` (scikit-learn's ``MultiTaskElasticNet`` objective; glmnet's "mgaussian") by
row-wise block coordinate descent on working sets, on the residual
(:mod:`penalized.solvers.kernels.multitask`) or, for tall designs, on the Gram matrix
(:mod:`penalized.solvers.kernels.multitask_gram`), certified by the duality gap with
scikit-learn's scale of ``tol`` (``sum_i s_i ||y_i - ybar||^2 / S``). Paths run in one
kernel call (:func:`multitask_path`). ``seed >= 0`` visits each working set's rows in a
random order (scikit-learn's ``selection="random"``), drawn from that seed.
"""

import numpy as np

from ..datafits.multitask import MultiTaskQuadratic
from .least_squares import warn_cd
from .result import SolveResult

__all__ = ["multitask_gram_path", "multitask_gram_solve", "multitask_path", "multitask_solve"]

_P0 = 10


class _Problem:
    """The centered targets (task by task), the scale of ``tol`` and, for the Gram engine,
    ``G = Xc' s Xc / S``, ``Q = Xc' s Yc / S`` and ``yy``."""

    def __init__(self, design, Y, gram):
        s, S = design.s, design.S
        Y = np.asarray(Y, dtype=np.float64)
        self.T = Y.shape[1]
        self.ybar = (s @ Y) / S if design.center else np.zeros(self.T)
        Yc = Y - self.ybar
        self.scale = MultiTaskQuadratic().tol_scale(Y, s, 0.0, design.center)
        self.dead = design.sqnorms() == 0
        if gram:
            cols = np.arange(design.p)
            G = design.cross(cols, cols)
            G[self.dead, :] = 0.0
            G[:, self.dead] = 0.0
            self.G = np.ascontiguousarray(G)
            Q = np.column_stack([design.rmatvec(s * Yc[:, t]) for t in range(self.T)]) / S
            Q[self.dead] = 0.0
            self.Q = np.ascontiguousarray(Q.T)  # task by task (T x p)
            self.yy = float(np.sum(s[:, None] * Yc * Yc)) / S
        else:
            self.Yc = np.ascontiguousarray(Yc.T)  # task by task (T x n)

    def start(self, design, coef_init):
        W = (np.zeros((design.p, self.T)) if coef_init is None
             else np.array(coef_init, dtype=np.float64, order="C"))
        if W.shape != (design.p, self.T):
            raise ValueError(f"coef_init must have shape {(design.p, self.T)}, got {W.shape}.")
        W[self.dead] = 0.0
        return W

    def intercepts(self, design, W):
        return self.ybar - design.mu @ W if design.center else np.zeros(self.T)


def _config(design, tol_gap, max_iter, verbose, seed):
    from .kernels.cd import ANDERSON_K
    from .kernels.multitask import MTConfig

    return MTConfig(float(tol_gap), int(max_iter), ANDERSON_K, float(np.finfo(design.dtype).eps),
                    _P0, int(verbose), int(seed))


def multitask_solve(design, Y, pen, *, tol, max_iter, coef_init=None, verbose=0, warn=True,
                    gram=False, seed=-1):
    """Multi-task least squares plus the L2,1 penalty (:class:`~penalized.penalties.l21.
    RowArrays`); ``Y`` of shape (n, T). Returns a :class:`SolveResult` with ``coef`` of
    shape (p, T) and ``intercept`` of shape (T,)."""
    prob = _Problem(design, Y, gram)
    tol_gap = tol * prob.scale
    W = prob.start(design, coef_init)
    out = np.zeros(4)
    cfg = _config(design, tol_gap, max_iter, verbose, seed)
    if gram:
        from .kernels.multitask_gram import mt_gram_fit

        epochs = mt_gram_fit(prob.G, prob.Q, prob.yy, W, pen.kernel, cfg, out)
    else:
        from .kernels.multitask import mt_fit

        R = np.empty((prob.T, design.n))
        epochs = mt_fit(design.kernel(), prob.Yc, W, R, pen.kernel, cfg, out)
    gap, primal, converged = max(float(out[0]), 0.0), float(out[1]), bool(out[2])
    if not converged and warn:
        warn_cd(max_iter, gap, tol_gap, tol, stacklevel=5)
    return SolveResult(coef=W, intercept=prob.intercepts(design, W), dual_gap=gap,
                       tol_gap=tol_gap, n_iter=max(int(epochs), 1), converged=converged,
                       primal=primal, history=[(int(epochs), gap)],
                       engine="multitask_gram" if gram else "multitask_bcd")


def multitask_gram_solve(design, Y, pen, **kw):
    """:func:`multitask_solve` on the Gram matrix (engine ``"multitask_gram"``)."""
    return multitask_solve(design, Y, pen, gram=True, **kw)


def multitask_path(design, Y, pen_unit, alphas, *, tol, max_iter, gram=False, seed=-1,
                   coef_init=None):
    """The warm-started path over the decreasing ``alphas`` (penalty ``alpha * pen_unit``)
    in one kernel call, from ``coef_init`` (zeros when None): ``(coefs (list of p x T),
    intercepts (m x T), gaps, epochs, converged)``; warns once per fit that stops
    short."""
    prob = _Problem(design, Y, gram)
    tol_gap = tol * prob.scale
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    m = alphas.size
    W = prob.start(design, coef_init)
    Wpath = np.empty((m, design.p, prob.T))
    stats = np.zeros((m, 4))
    buf = pen_unit.scaled(1.0).kernel  # the kernel writes each alpha's weights here
    cfg = _config(design, tol_gap, max_iter, 0, seed)
    if gram:
        from .kernels.multitask_gram import mt_gram_path

        mt_gram_path(prob.G, prob.Q, prob.yy, W, pen_unit.kernel, buf, alphas, cfg, Wpath, stats)
    else:
        from .kernels.multitask import mt_path

        R = np.empty((prob.T, design.n))
        mt_path(design.kernel(), prob.Yc, W, R, pen_unit.kernel, buf, alphas, cfg, Wpath, stats)
    converged = stats[:, 2] == 1.0
    for i in np.flatnonzero(~converged):
        warn_cd(max_iter, stats[i, 0], tol_gap, tol, stacklevel=4)
    coefs = list(Wpath)
    intercepts = np.array([prob.intercepts(design, w) for w in coefs])
    return (coefs, intercepts, np.maximum(stats[:, 0], 0.0), stats[:, 3].astype(np.int64),
            converged)


def multitask_gram_path(design, Y, pen_unit, alphas, **kw):
    """:func:`multitask_path` on the Gram matrix."""
    return multitask_path(design, Y, pen_unit, alphas, gram=True, **kw)
