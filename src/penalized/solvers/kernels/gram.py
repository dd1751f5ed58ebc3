"""The Gram engine's kernels: CD on the full p x p Gram matrix (numba, cached on disk).

When n_samples is large against n_features, the centered, weighted Gram matrix
``G = Xc' diag(s) Xc / S`` and ``q = Xc' diag(s) yc / S`` hold everything the least-squares
problem needs: the gradient is ``q - G w``, the squared residual norm is
``yy - q'w - w'(q - G w)``, and so the duality gap needs no pass over X.
"""

import numpy as np
from numba import njit

from ...penalties.separable import FASTMATH as _FM
from .cd import cd_gram
from .certificate import quad_gap
from .newton import gram_support_newton
from .working_set import certify, kkt_scores

_NEWTON_EVERY = 10  # CD epochs between two support Newton steps
_NEWTON_MAX = 500  # largest support solved by a Newton step
_SINGULAR_MAX = 200

__all__ = ["gram_fit", "gram_path"]


@njit(cache=True, fastmath=_FM)
def _symv(G, w, out):
    """out = G w for a C-ordered G (rows contiguous)."""
    for i in range(G.shape[0]):
        acc = 0.0
        for j in range(G.shape[1]):
            acc += G[i, j] * w[j]
        out[i] = acc


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_fit(G, q, yy, w, pen, proj, tol_gap, max_epochs, K, eps, out):
    """Whole solve on the full Gram matrix ``G`` (p x p, C order), ``q = Xc' s yc / S``,
    ``yy = yc' s yc / S``: CD (``cd_gram``) until the duality gap is at most ``tol_gap``.
    ``out`` gets (gap, primal, converged); returns the epochs run."""
    p = w.shape[0]
    v = np.empty(p)
    L = np.empty(p)
    for j in range(p):
        L[j] = G[j, j]
    score = np.empty(p)
    epochs = 0
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
        gap, primal, dual = quad_gap(w, v, rr, yy - qw, pen, proj)
        kkt, scale, _, _, bad = kkt_scores(w, v, pen, L, score)
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
        budget = min(max_epochs - epochs, _NEWTON_EVERY)
        used = cd_gram(G, q, w, pen, budget, tol_in, K)
        epochs += used
        if used == _NEWTON_EVERY:
            # CD is slow (an ill-conditioned support): one exact step on the support and
            # signs, O(k^3) with no pass over X, cut at the first sign change
            supp_size = 0
            for j in range(p):
                if w[j] != 0.0:
                    supp_size += 1
            if 0 < supp_size <= _NEWTON_MAX:
                for _ in range(4):
                    if gram_support_newton(G, q, w, pen, _SINGULAR_MAX) != 2:
                        break


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_path(G, q, yy, w, pen_unit, pen, proj, alphas, ca, cb, tol_gap, max_epochs, K, eps,
              W, stats):
    """A whole warm-started path of :func:`gram_fit` solves in one call (penalty
    ``alpha * (ca a_unit |w| + cb b_unit w^2 / 2)``, written into ``pen``'s arrays):
    column i of ``W`` gets the solution at ``alphas[i]``, row i of ``stats`` (gap, primal,
    converged, epochs)."""
    p = w.shape[0]
    out = np.zeros(3)
    for i in range(alphas.shape[0]):
        for j in range(p):
            pen.a[j] = alphas[i] * ca * pen_unit.a[j]
            pen.b[j] = alphas[i] * cb * pen_unit.b[j]
        epochs = gram_fit(G, q, yy, w, pen, proj, tol_gap, max_epochs, K, eps, out)
        W[:, i] = w
        stats[i, 0] = out[0]
        stats[i, 1] = out[1]
        stats[i, 2] = out[2]
        stats[i, 3] = max(epochs, 1)
