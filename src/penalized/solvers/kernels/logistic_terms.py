"""The per-sample and per-column pieces of the logistic path kernel
(:mod:`penalized.solvers.kernels.logistic_path`), numba, cached on disk: the predictor
afresh, the loss pass (loss, ``l'``, the Newton weights' inputs), the intercept's 1-D
Newton, the gradients over all features or a working set, and the duality gaps of
:func:`~penalized.solvers.certificate.glm_gap` over all features or restricted to a
working set. The loss formulas are the datafit's (:mod:`penalized.datafits.logistic`),
the penalty's those of :mod:`penalized.penalties.separable`.
"""

import numpy as np

from ..._jit import njit
from ...datafits._intercept import intercept_step
from ...datafits.logistic import _expit_t, _loss_t, expit, logistic_conjugate1
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import (
    clamped_conjugate1d,
    domain_ratio1d,
    penalty_gap_terms,
    value1d,
)
from .cd import col_axpy, gradient

__all__ = ["logit_centered_intercept", "logit_full_gap", "logit_full_grad",
           "logit_intercept_shift", "logit_loss_pass", "logit_predictor", "logit_ws_gap",
           "logit_ws_grad"]

H_FLOOR = 1e-10  # floor of the Newton weights p (1 - p)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_predictor(D, w, b, offset, eta):
    """``eta = X w + b + offset`` afresh (raw X), from the nonzeros of w."""
    n = D.n
    for i in range(n):
        eta[i] = offset[i] + b
    for j in range(D.p):
        if w[j] != 0.0:
            col_axpy(D, j, -w[j], eta)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_loss_pass(y, s, eta, pr, g, sg):
    """Per sample ``pr = expit(eta)``, ``g = l'(eta)``, ``sg = s g``; returns
    (``sum_i s_i l_i``, ``sum_i s_i g_i``), one exp per sample."""
    loss = 0.0
    gsum = 0.0
    for i in range(eta.shape[0]):
        e = eta[i]
        t = np.exp(-abs(e))
        loss += s[i] * _loss_t(y[i], e, t)
        p = _expit_t(e, t)
        pr[i] = p
        gi = p - y[i]
        g[i] = gi
        sg[i] = s[i] * gi
        gsum += sg[i]
    return loss, gsum


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_intercept_shift(y, s, eta):
    """The shift ``d`` with ``sum_i s_i l'(eta_i + d) = 0`` to the rounding level of that
    sum (safeguarded Newton, as ``Datafit.optimize_intercept``), added to eta."""
    lo, hi = -np.inf, np.inf
    d = 0.0
    n = eta.shape[0]
    for _ in range(200):
        f = 0.0
        fp = 0.0
        scale = 0.0
        for i in range(n):
            p = expit(eta[i] + d)
            gi = p - y[i]
            f += s[i] * gi
            scale += s[i] * abs(gi)
            fp += s[i] * p * (1.0 - p)
        if abs(f) <= 1e-13 * (scale + 1e-300):
            break
        step, lo, hi = intercept_step(d, f, fp, lo, hi)
        if step == d:
            break
        d = step
    if d != 0.0:
        for i in range(n):
            eta[i] += d
    return d


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_ws_grad(D, ws, sg, gsum, Vws):
    """``Vws[jj] = -xc_j' (s g) / S`` for the features ``j = ws[jj]`` (the design's
    centering), the products written out (a call per column passes the design by
    value)."""
    S = D.S
    if D.sparse:
        data, indices, indptr = D.data, D.indices, D.indptr
        for jj in range(ws.shape[0]):
            j = ws[jj]
            acc = 0.0
            for ii in range(indptr[j], indptr[j + 1]):
                acc += data[ii] * sg[indices[ii]]
            Vws[jj] = acc
    else:
        X = D.X
        for jj in range(ws.shape[0]):
            j = ws[jj]
            acc = 0.0
            for i in range(D.n):
                acc += X[i, j] * sg[i]
            Vws[jj] = acc
    for jj in range(ws.shape[0]):
        acc = Vws[jj]
        if D.center:
            acc -= D.mu[ws[jj]] * gsum
        Vws[jj] = -acc / S


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_full_grad(D, g, V):
    """``V = -Xc' diag(s) g / S`` over all features."""
    gradient(D, g, V)
    for j in range(V.shape[0]):
        V[j] = -V[j]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_loss_conjugate(y, s, g, offset, c):
    """``sum_i s_i (l*(y_i, c g_i) - c g_i o_i)`` (the offset shifts the conjugate)."""
    out = 0.0
    for i in range(y.shape[0]):
        u = c * g[i]
        out += s[i] * (logistic_conjugate1(y[i], u) - u * offset[i])
    return out


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_centered_intercept(D, w, b):
    """``b + mu'w``: the intercept of the centered design."""
    bc = b
    for j in range(D.p):
        if w[j] != 0.0:
            bc += D.mu[j] * w[j]
    return bc


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_full_gap(D, y, offset, w, b, g, loss, gsum, V, pen):
    """(gap, primal, dual, c) over all features: :func:`glm_gap`'s formula for ``V`` the
    negative gradient (``gap_from_sums`` with the intercept's slack), ``c`` the dual
    point's scaling of ``g``."""
    S = D.S
    val, c, conj = penalty_gap_terms(w, V, pen)
    primal = loss / S + val
    dual = -logit_loss_conjugate(y, D.s, g, offset, c) / S - conj
    slack = abs(logit_centered_intercept(D, w, b) * c * gsum / S) if D.center else 0.0
    return max(primal - dual + slack, 0.0), primal, dual, c


@njit(cache=True, fastmath=_FM, **INTERNAL)
def logit_ws_gap(D, y, offset, w, b, g, loss, gsum, Vws, ws, pen):
    """(gap, primal) of the problem restricted to the working set ``ws`` (every nonzero
    of w is in it; ``Vws[jj]`` is the negative gradient of feature ``ws[jj]``): the
    penalty's terms of ``penalty_gap_terms`` over the working set only."""
    S = D.S
    val = 0.0
    worst = 1.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        a, bj, lo, up = pen.a[j], pen.b[j], pen.lo[j], pen.up[j]
        if w[j] != 0.0:
            val += value1d(w[j], a, bj, lo, up)
        worst = max(worst, domain_ratio1d(Vws[jj], a, bj, lo, up))
    c = 1.0 / worst
    conj = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        conj += clamped_conjugate1d(c * Vws[jj], pen.a[j], pen.b[j], pen.lo[j], pen.up[j])
    primal = loss / S + val
    dual = -logit_loss_conjugate(y, D.s, g, offset, c) / S - conj
    slack = 0.0
    if D.center:
        bc = b
        for jj in range(ws.shape[0]):
            j = ws[jj]
            bc += D.mu[j] * w[j]
        slack = abs(bc * c * gsum / S)
    return max(primal - dual + slack, 0.0), primal
