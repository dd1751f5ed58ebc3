"""The duality gap of penalized weighted least squares (numba; shared by every engine).

For residuals ``r = yc - Xc w`` (centered problem, weights s, ``S = sum(s)``) the primal
is ``P(w) = 1/(2 S) sum_i s_i r_i^2 + g(w)`` for a separable penalty g, and the Fenchel
dual over residual-space points theta is::

    D(theta) = 1/S sum_i s_i (yc_i theta_i - theta_i^2 / 2) - sum_j g_j^*(v_j),
    v = Xc' diag(s) theta / S.

The dual point is the residual made feasible: projected onto the orthogonal complement
(in the s-weighted inner product) of the unpenalized columns whose dual constraint is an
equality, then scaled by the largest ``c <= 1`` that puts ``c v`` in the domain of ``g*``.
Everything is computed from ``v = Xc' s r / S``, ``rr = r' s r / S`` and
``ycr = yc' s r / S`` plus the Gram columns of the unpenalized features (a
:data:`Projection`), so the residual engines and the Gram engine share this one function.
The gap ``P(w) - D(c theta)`` is >= 0 and bounds ``P(w) - P*``.
"""

from collections import namedtuple

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import penalty_gap_terms

__all__ = ["Projection", "project_unpenalized", "quad_gap"]

# Unpenalized features (a = b = 0): their indices ``cols`` (int64, k of them), their Gram
# rows ``GU[t] = Xc[:, cols[t]]' diag(s) Xc / S`` (C-ordered, at least 2 x 2: a C-ordered
# array types alike whatever its shape) and ``qU = Xc[:, cols]' diag(s) yc / S``.
Projection = namedtuple("Projection", "cols GU qU")


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _psd_solve(M, rhs):
    """Solve ``M c = rhs`` for a PSD ``M`` (Cholesky with a relative 1e-12 ridge, so
    that a singular M, e.g. collinear unpenalized columns, still gives a solution)."""
    k = M.shape[0]
    top = 0.0
    for i in range(k):
        top = max(top, M[i, i])
    C = np.zeros((k, k))
    for j in range(k):
        acc = M[j, j] + 1e-12 * top + 1e-300
        for t in range(j):
            acc -= C[j, t] * C[j, t]
        C[j, j] = np.sqrt(max(acc, 1e-300))
        for i in range(j + 1, k):
            acc = M[i, j]
            for t in range(j):
                acc -= C[i, t] * C[j, t]
            C[i, j] = acc / C[j, j]
    z = np.empty(k)
    for i in range(k):
        acc = rhs[i]
        for t in range(i):
            acc -= C[i, t] * z[t]
        z[i] = acc / C[i, i]
    out = np.empty(k)
    for i in range(k - 1, -1, -1):
        acc = z[i]
        for t in range(i + 1, k):
            acc -= C[t, i] * out[t]
        out[i] = acc / C[i, i]
    return out


@njit(cache=True, fastmath=_FM)
def project_unpenalized(w, v, rr, ycr, pen, proj):
    """The dual point's pieces ``(v, rr, ycr)`` after the projection of the residual onto
    the orthogonal complement of the unpenalized columns whose dual constraint is an
    equality: those strictly inside their bounds, or at a bound while the gradient pushes
    towards an infinite side (those resting on a finite bound keep their one-sided
    constraint); their ``v_j`` become 0."""
    p = w.shape[0]
    ku = proj.cols.shape[0]
    sel = np.empty(ku, dtype=np.int64)
    kc = 0
    for t in range(ku):
        j = proj.cols[t]
        at_bound = w[j] == pen.lo[j] or w[j] == pen.up[j]
        pushes = (np.isinf(pen.up[j]) and v[j] > 0.0) or (np.isinf(pen.lo[j]) and v[j] < 0.0)
        if not at_bound or pushes:
            sel[kc] = t
            kc += 1
    vt = v.copy()
    # a constant column (zero Gram row: see penalized.solvers.certificate.projection) is
    # the zero column its coefficient sees: its v_j is rounding noise
    kl = 0
    for a in range(kc):
        j = proj.cols[sel[a]]
        if proj.GU[sel[a], j] == 0.0:
            vt[j] = 0.0
        else:
            sel[kl] = sel[a]
            kl += 1
    kc = kl
    if kc == 0:
        return vt, rr, ycr
    M = np.empty((kc, kc))
    rhs = np.empty(kc)
    for a in range(kc):
        rhs[a] = v[proj.cols[sel[a]]]
        for b in range(kc):
            M[a, b] = proj.GU[sel[a], proj.cols[sel[b]]]
    c = _psd_solve(M, rhs)
    for a in range(kc):
        ca = c[a]
        for j in range(p):
            vt[j] -= proj.GU[sel[a], j] * ca
        rr -= ca * rhs[a]
        ycr -= ca * proj.qU[sel[a]]
    for a in range(kc):
        vt[proj.cols[sel[a]]] = 0.0
    return vt, max(rr, 0.0), ycr


@njit(cache=True, fastmath=_FM)
def quad_gap(w, v, rr, rr_dual, ycr, pen):
    """``(gap, primal, dual)`` at ``w`` (see the module docstring) for the dual point
    ``c theta``: ``rr = r' s r / S`` for the residual ``r`` of ``w`` (the primal),
    ``v = Xc' s theta / S``, ``rr_dual = theta' s theta / S`` and ``ycr = yc' s theta / S``
    (``theta = r``, or its projection by :func:`project_unpenalized`)."""
    penalty, cs, conj = penalty_gap_terms(w, v, pen)
    primal = 0.5 * rr + penalty
    dual = cs * ycr - 0.5 * cs * cs * rr_dual - conj
    return primal - dual, primal, dual
