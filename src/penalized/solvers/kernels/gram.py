"""The Gram engine's kernels: CD on the full p x p Gram matrix (numba, cached on disk).

When n_samples is large against n_features, the centered, weighted Gram matrix
``G = Xc' diag(s) Xc / S`` and ``q = Xc' diag(s) yc / S`` hold everything the least-squares
problem needs: the gradient is ``q - G w``, the squared residual norm is
``yy - q'w - w'(q - G w)``, and so the duality gap needs no pass over X.
"""

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from .cd import cd_gram
from .certificate import quad_gap
from .working_set import certify, kkt_scores, set_alpha, store_fit

__all__ = ["NEWTON_EVERY", "NEWTON_MAX", "NEWTON_ROUNDS", "gram_fit", "gram_path"]

NEWTON_EVERY = 10  # CD epochs between two support Newton steps, at least
# ... and at least this many multiply-adds of epochs (p^2 each): a Newton step returns to
# Python (LAPACK on the support), about 0.1 ms, the cost of 2e5 of them. On a 10-feature
# ill-conditioned problem (diabetes) ten epochs cost 1 us, and the paths of the quick
# start's compare asked for 1,300 Newton steps (0.12 s of its 0.2 s of fits)
NEWTON_WORK = 200_000
NEWTON_MAX = 500  # largest support solved by a Newton step
NEWTON_ROUNDS = 50  # Newton steps of one fit, at most


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _symv(G, w, out):
    """out = G w for a C-ordered G (rows contiguous)."""
    for i in range(G.shape[0]):
        acc = 0.0
        for j in range(G.shape[1]):
            acc += G[i, j] * w[j]
        out[i] = acc


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_fit(G, q, yy, w, pen, tol_gap, max_epochs, K, eps, newton_ok, out):
    """Solve on the full Gram matrix ``G`` (p x p, C order), ``q = Xc' s yc / S``,
    ``yy = yc' s yc / S``: CD (``cd_gram``) until the duality gap is at most ``tol_gap``.
    Every feature has a penalty or a finite bound (the caller eliminates the unpenalized,
    unbounded ones: :func:`penalized.solvers.least_squares.gram_path`).

    ``out`` gets (gap, primal, converged, newton request); returns the epochs run. When
    CD is slow (``NEWTON_EVERY`` epochs without meeting their target, more when an epoch
    costs less than ``NEWTON_WORK / NEWTON_EVERY`` multiply-adds) on a support of at
    most ``NEWTON_MAX`` features and ``newton_ok``, it returns early with ``out[3] = 1``:
    the caller takes a support Newton step (:func:`penalized.solvers.newton.gram_newton`)
    and calls again."""
    p = w.shape[0]
    v = np.empty(p)
    L = np.empty(p)
    for j in range(p):
        L[j] = G[j, j]
    score = np.empty(p)
    epochs = 0
    out[3] = 0.0
    while True:
        _symv(G, w, v)
        qw = 0.0
        for j in range(p):
            v[j] = q[j] - v[j]
            qw += q[j] * w[j]
        wv = 0.0
        for j in range(p):
            wv += w[j] * v[j]
        rr = max(yy - qw - wv, 0.0)
        gap, primal, dual = quad_gap(w, v, rr, rr, yy - qw, pen)
        kkt, scale, nnz, _, bad = kkt_scores(w, v, pen, L, score)
        floor = 64.0 * eps * scale
        # never an exact zero without an L1 part that is not the solution (see ws_fit)
        if certify(out, gap, primal, dual, tol_gap, eps) and bad <= floor:
            return epochs
        out[2] = 0.0
        if epochs >= max_epochs:
            return epochs
        if kkt <= floor:
            out[2] = 1.0  # the remaining gap is rounding error
            return epochs
        # the gap is about (KKT violation)^2 / curvature: aim the inner solve at the target
        tol_in = max(kkt * min(0.3, np.sqrt(tol_gap / gap)), floor)
        every = max(NEWTON_EVERY, NEWTON_WORK // max(p * p, 1))
        budget = min(max_epochs - epochs, every)
        used = cd_gram(G, q, w, pen, budget, tol_in)
        epochs += used
        if used == every and newton_ok and 0 < nnz <= NEWTON_MAX:
            out[3] = 1.0  # CD is slow (an ill-conditioned support): a Newton step
            return epochs


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_path(G, q, yy, w, pen_unit, pen, alphas, ca, cb, tol_gap, max_epochs, K, eps,
              start, W, stats):
    """A warm-started path of :func:`gram_fit` solves from ``alphas[start]`` (penalty
    ``alpha * (ca a_unit |w| + cb b_unit w^2 / 2)``, written into ``pen``'s arrays):
    column i of ``W`` gets the solution at ``alphas[i]``, row i of ``stats`` (gap, primal,
    converged, epochs, Newton steps taken). Returns the number of alphas; or the index of
    an alpha whose fit requests a Newton step (``pen`` holds its weights): the caller
    takes it and calls again from there."""
    out = np.zeros(4)
    for i in range(start, alphas.shape[0]):
        set_alpha(pen_unit, pen, alphas[i], ca, cb)
        budget = max(max_epochs - int(stats[i, 3]), 0)
        epochs = gram_fit(G, q, yy, w, pen, tol_gap, budget, K, eps,
                          stats[i, 4] < NEWTON_ROUNDS, out)
        stats[i, 3] += epochs
        if out[3] == 1.0:
            return i
        store_fit(W, stats, i, w, out)
    return alphas.shape[0]
