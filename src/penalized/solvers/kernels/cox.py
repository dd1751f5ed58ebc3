"""Prox-Newton for the penalized Cox model on a dense float64 design, in one call (numba,
cached on disk; compiled only by Cox fits).

The steps of the engine ``coupled_newton`` (:mod:`penalized.solvers.coupled_newton`),
with no Python between them: the duality gap, the working set (the support and the
largest KKT violations), the exact Hessian on it in its diagonal-minus-low-rank form, CD
on that model (:func:`~penalized.solvers.kernels.lowrank.lowrank_cd`), and the Armijo line
search on the true objective. On a 2000 x 100 problem a step's kernels cost about
0.4 ms, and the Python between them cost as much again.

The sums run on the samples sorted as the risk sets want them (by stratum, then by
decreasing time; :mod:`penalized.datafits._cox_sums`): the predictor is kept in that
order, and the low-rank terms read X's rows in it, for all the working set's columns at
once (no copy of the block). CD on the model reads X's columns in place.

A step the kernel does not take (a working set wider than ``max_block``) returns to the
Python loop, which takes it with the diagonal model and goes on from there.
"""

import numpy as np

from ..._jit import njit
from ...datafits._cox_sums import (
    FASTMATH,
    _n_terms,
    cox_conjugate_bound,
    cox_derivatives,
    cox_groups,
    cox_saturated,
    cox_terms_into,
    decreasing_key,
    radix_order,
)
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import KernelPenalty, kkt1d, penalty_gap_terms, value1d
from .lowrank import lowrank_cd

__all__ = ["cox_newton"]

_ARMIJO = 1e-4
_HALVINGS = 40
_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def _gradient(X, order, s, g, S, u, grad):
    """``grad = X' (s g) / S`` for ``s g`` in the sums' order (scattered back to the rows
    of X in ``u``, so that each column is read contiguously)."""
    n, p = X.shape
    for i in range(n):
        u[order[i]] = s[i] * g[i]
    for j in range(p):
        acc = 0.0
        for i in range(n):
            acc += X[i, j] * u[i]
        grad[j] = acc / S


@njit(cache=True, **INTERNAL)
def _unsort(es, order, eta):
    for i in range(es.shape[0]):
        eta[order[i]] = es[i]


@njit(cache=True, **INTERNAL)
def _step_working_set(w, grad, pen, extra, score):
    """(working set, largest KKT violation): the support and the largest KKT violations
    (half the support's size, at least ``extra``), as the engine's ``_working_set``."""
    p = w.shape[0]
    kkt_max = 0.0
    nnz = 0
    n_cand = 0
    for j in range(p):
        sc = kkt1d(w[j], grad[j] + pen.b[j] * w[j], pen.a[j], pen.lo[j], pen.up[j])
        kkt_max = max(kkt_max, sc)
        if w[j] != 0.0:
            nnz += 1
            sc = np.inf
        score[j] = sc
        if sc > 0.0:
            n_cand += 1
    cand = np.empty(n_cand, dtype=np.int64)
    c = 0
    for j in range(p):
        if score[j] > 0.0:
            cand[c] = j
            c += 1
    size = nnz + max(extra, nnz // 2)
    if n_cand <= size:
        return cand, kkt_max
    # the `size` largest scores (ties: the first features), then in feature order
    keys = np.empty(n_cand, dtype=np.uint64)
    for c in range(n_cand):
        keys[c] = decreasing_key(score[cand[c]])
    by_score = radix_order(keys)
    keep = np.zeros(p, dtype=np.bool_)
    for c in range(size):
        keep[cand[by_score[c]]] = True
    ws = np.empty(size, dtype=np.int64)
    c = 0
    for j in range(p):
        if keep[j]:
            ws[c] = j
            c += 1
    return ws, kkt_max


@njit(cache=True)
def cox_newton(X, y, s_full, ties, offset, w, pen, tol, max_epochs, max_steps, max_block,
               kkt_frac, extra, eta_out):
    """Prox-Newton for ``L(X w + offset) / S + penalty(w)``, ``L`` the Cox loss of the
    rows ``y`` ([time, event, stratum], as ``survival_target`` gives them) with weights
    ``s_full`` and the tie rule ``ties`` (the code of ``_cox_sums``); updates ``w`` in
    place and writes the final linear predictor (offset included) into ``eta_out``.

    The stopping rule is the engine's: ``gap <= tol * (null loss - saturated loss)``,
    the null model at ``eta = offset``. Returns (status, epochs, steps, gap, primal,
    tol_gap): status 0 converged, 1 out of epochs or steps (or the models could not be
    solved tightly enough to descend), 2 a working set wider than ``max_block`` (the
    caller takes that step), 3 the loss at the offset alone is not finite (the offset
    spans more than float64's range of exp). A warm start ``w`` whose loss is not finite
    is replaced by zeros.
    """
    n, p = X.shape
    order, s, d, gptr, sptr = cox_groups(y[:, 0].copy(), y[:, 1].copy(), y[:, 2].copy(),
                                         s_full)
    S = 0.0
    for i in range(n):
        S += s[i]
    saturated = cox_saturated(s, d, gptr, ties) / S
    eps = _EPS
    off = np.empty(n)
    for i in range(n):
        off[i] = offset[order[i]]
    es = off.copy()
    g = np.empty(n)
    hd = np.empty(n)
    h1 = np.empty(n)
    null = cox_derivatives(es, s, d, gptr, sptr, ties, g, hd, h1)
    if not null < np.inf:
        # the offset alone spreads eta beyond float64's range of exp: no loss to minimize
        _unsort(es, order, eta_out)
        return 3, 0, 0, np.inf, np.inf, np.inf
    tol_gap = tol * max(null / S - saturated, _TINY)
    nonzero = False
    for j in range(p):
        if w[j] != 0.0:
            nonzero = True
            for i in range(n):
                es[i] += w[j] * X[order[i], j]
    total = null
    if nonzero:
        total = cox_derivatives(es, s, d, gptr, sptr, ties, g, hd, h1)
        if not total < np.inf:
            # a warm start whose loss is not representable: start from the null model
            w[:] = 0.0
            es[:] = off
            total = cox_derivatives(es, s, d, gptr, sptr, ties, g, hd, h1)
    T = _n_terms(s, d, gptr, ties)
    om = np.zeros(T)
    u = np.empty(n)
    grad = np.empty(p)
    score = np.empty(p)
    g_t = np.empty(n)
    hd_t = np.empty(n)
    h1_t = np.empty(n)
    es_t = np.empty(n)
    hx = np.empty(n)
    d_eta = np.empty(n)
    d_es = np.empty(n)
    amax = 0.0
    for j in range(p):
        amax = max(amax, pen.a[j])
    epochs = 0
    steps = 0
    tight = 1.0
    gap = np.inf
    primal = np.inf
    fresh = True
    while True:
        if fresh:
            _gradient(X, order, s, g, S, u, grad)
            val, c, conj_pen = penalty_gap_terms(w, -grad, pen)
            primal = total / S + val
            conj = cox_conjugate_bound(es, s, d, gptr, sptr, ties, c)
            o_term = 0.0
            for i in range(n):
                o_term += s[i] * g[i] * off[i]
            dual = -(conj - c * o_term) / S - conj_pen
            gap = max(primal - dual, 0.0)
            if not gap == gap:  # (NaN: no certificate)
                gap = np.inf
        fresh = True
        if gap <= tol_gap:
            _unsort(es, order, eta_out)
            return 0, epochs, steps, gap, primal, tol_gap
        if epochs >= max_epochs or tight < 1e-12 or steps >= max_steps:
            _unsort(es, order, eta_out)
            return 1, epochs, steps, gap, primal, tol_gap
        ws, kkt_max = _step_working_set(w, grad, pen, extra, score)
        k = ws.shape[0]
        if k > max_block:
            _unsort(es, order, eta_out)
            return 2, epochs, steps, gap, primal, tol_gap
        gmax = 0.0
        for j in range(p):
            gmax = max(gmax, abs(grad[j]))
        kkt_tol = max(kkt_frac * kkt_max * tight, 64 * eps * max(gmax, amax))
        budget = min(max(max_epochs - epochs, 1), 10_000)
        MT = np.empty((k, T))
        cox_terms_into(X, order, ws, es, s, d, gptr, sptr, ties, MT, om)
        for i in range(n):
            hx[order[i]] = s[i] * h1[i]
        g0 = np.empty(k)
        w_ws = np.empty(k)
        pa = np.empty(k)
        pb = np.empty(k)
        plo = np.empty(k)
        pup = np.empty(k)
        for jj in range(k):
            col = ws[jj]
            g0[jj] = grad[col]
            w_ws[jj] = w[col]
            pa[jj] = pen.a[col]
            pb[jj] = pen.b[col]
            plo[jj] = pen.lo[col]
            pup[jj] = pen.up[col]
        epochs += lowrank_cd(X, ws, hx, MT, om, g0, w_ws, KernelPenalty(pa, pb, plo, pup), S,
                             budget, kkt_tol)
        steps += 1
        # the predicted decrease and the step in eta (from the coefficients' changes)
        decrease = 0.0
        d_eta[:] = 0.0
        for jj in range(k):
            col = ws[jj]
            dj = w_ws[jj] - w[col]
            if dj != 0.0:
                decrease += grad[col] * dj + (
                    value1d(w_ws[jj], pa[jj], pb[jj], plo[jj], pup[jj])
                    - value1d(w[col], pa[jj], pb[jj], plo[jj], pup[jj]))
                for i in range(n):
                    d_eta[i] += dj * X[i, col]
        if not decrease < 0.0:
            tight *= 1e-3
            fresh = False
            continue
        for i in range(n):
            d_es[i] = d_eta[order[i]]
        t = 1.0
        ok = False
        pen_ws = 0.0
        for jj in range(k):
            pen_ws += value1d(w[ws[jj]], pa[jj], pb[jj], plo[jj], pup[jj])
        trust = -decrease <= 16 * eps * abs(primal)  # below the objective's rounding
        for _ in range(_HALVINGS):
            for i in range(n):
                es_t[i] = es[i] + t * d_es[i]
            total_t = cox_derivatives(es_t, s, d, gptr, sptr, ties, g_t, hd_t, h1_t)
            if trust:
                ok = True
                break
            pen_t = val - pen_ws
            for jj in range(k):
                col = ws[jj]
                pen_t += value1d(w[col] + t * (w_ws[jj] - w[col]), pa[jj], pb[jj], plo[jj],
                                 pup[jj])
            if total_t / S + pen_t <= primal + _ARMIJO * t * decrease:
                ok = True
                break
            t *= 0.5
        if not ok:
            tight *= 1e-3
            fresh = False
            continue
        for jj in range(k):
            col = ws[jj]
            w[col] = w[col] + t * (w_ws[jj] - w[col])
        es, es_t = es_t, es
        g, g_t = g_t, g
        hd, hd_t = hd_t, hd
        h1, h1_t = h1_t, h1
        total = total_t
