"""Prox-Newton for plain-L1 logistic on a design without intercept (CSC, or dense
float64 F-ordered), in one call (numba, cached on disk).

On wide problems (text, genomics) the Python overhead of a prox-Newton step costs more
than its CD epochs; this kernel runs the steps of the GLM engine
(:mod:`penalized.solvers.prox_newton`) for that case: the gap, the weighted model, CD
epochs to 0.3 of the KKT violation, the Armijo line search (:func:`logistic_l1_newton`),
and on wide designs the working-set rounds around them (:func:`logistic_l1_ws`: a round's
Python overhead, about 1 ms on dexter, was more than its steps). A step it cannot take
goes back to the Python loop. The loss formulas are the datafit's
(:mod:`penalized.datafits.logistic`), the epochs those of every engine.
"""

import numpy as np

from ..._jit import njit
from ...datafits.logistic import expit, logistic_conjugate1, logistic_loss1
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import KernelPenalty, kkt1d
from ..design import KernelDesign
from .cd import cd_epochs, col_axpy
from .working_set import pick_working_set

__all__ = ["logistic_l1_newton", "logistic_l1_ws"]

_STALL_STEPS = 10  # steps without a 1% smaller gap before the caller takes over


@njit(cache=True, **INTERNAL)
def _gap(D, y, offset, eta, w, pen, pr, g, grad):
    """(gap, primal) of plain-L1 logistic at (w, eta) (eta includes the offset); fills
    pr = expit(eta), g = l'(eta) and grad = X' (s g) / S (as the engine's ``glm_gap``)."""
    n = eta.shape[0]
    k = w.shape[0]
    s, S = D.s, D.S
    loss = 0.0
    for i in range(n):
        e = eta[i]
        loss += s[i] * logistic_loss1(y[i], e)
        pr[i] = expit(e)
        g[i] = pr[i] - y[i]
    # the gradient in its own loop, sparse and dense apart: with the penalty's terms in
    # the same loop (through col_dot's branch on the layout) it cost 90 ns a column, 1.8
    # ms on dexter's 20,000 (9 ns so)
    if D.sparse:
        for j in range(k):
            acc = 0.0
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                i = D.indices[ii]
                acc += D.data[ii] * s[i] * g[i]
            grad[j] = acc / S
    else:
        for j in range(k):
            acc = 0.0
            for i in range(n):
                acc += D.X[i, j] * s[i] * g[i]
            grad[j] = acc / S
    penalty = 0.0
    worst = 0.0
    for j in range(k):
        penalty += pen.a[j] * abs(w[j])
        r = abs(grad[j]) / pen.a[j]
        if r > worst:
            worst = r
    c = 1.0 / worst if worst > 1.0 else 1.0
    conj = 0.0
    for i in range(n):
        u = c * g[i]
        # the conjugate of t -> l(t + o) is l*(u) - u o
        conj += s[i] * (logistic_conjugate1(y[i], u) - u * offset[i])
    primal = loss / S + penalty
    return primal + conj / S, primal


@njit(cache=True, **INTERNAL)
def _predictor(D, w, offset):
    """``X w + offset`` (a new array)."""
    eta = offset.copy()
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            col_axpy(D, j, -w[j], eta)
    return eta


@njit(cache=True)
def logistic_l1_newton(D, y, offset, w, pen, tol_gap, max_epochs, max_steps, max_inner, K):
    """Prox-Newton for ``1/S sum_i s_i l(x_i.w + o_i) + sum_j a_j |w_j|`` (logistic, no
    intercept, every a_j > 0) on the design ``D`` (CSC or dense, no centering); updates
    ``w`` in place.

    Returns (status, epochs, steps, gap, primal, eta): status 0 converged (gap <= tol_gap),
    1 out of epochs or steps, 2 a step that the line search could not use, or
    ``_STALL_STEPS`` steps without a 1% smaller gap (the caller takes over); ``eta`` the
    linear predictor ``X w + offset`` at the returned ``w`` (as the steps moved it).
    """
    n = y.shape[0]
    k = w.shape[0]
    s, S = D.s, D.S
    eta = _predictor(D, w, offset)
    pr = np.empty(n)
    g = np.empty(n)
    grad = np.empty(k)
    v = np.empty(n)
    z = np.empty(n)
    r = np.empty(n)
    L = np.empty(k)
    af = np.empty(k)
    zeros_k = np.zeros(k)
    ws = np.arange(k)
    eta_new = np.empty(n)
    eps = np.finfo(np.float64).eps
    amax = 0.0
    for j in range(k):
        amax = max(amax, pen.a[j])
    epochs = 0
    steps = 0
    best = np.inf
    stalled = 0
    while True:
        gap, primal = _gap(D, y, offset, eta, w, pen, pr, g, grad)
        if gap <= tol_gap:
            return 0, epochs, steps, gap, primal, eta
        if epochs >= max_epochs or steps >= max_steps:
            return 1, epochs, steps, gap, primal, eta
        # steps that no longer shrink the gap (accepted by a line search at the objective's
        # rounding level) go back to the caller, whose loop tightens the models: on one
        # CPU a path's fit took 25000 such steps at a gap of 6e-9, 100 times its tol
        if gap < 0.99 * best:
            best = gap
            stalled = 0
        else:
            stalled += 1
            if stalled >= _STALL_STEPS:
                return 2, epochs, steps, gap, primal, eta
        steps += 1
        kkt_max = 0.0
        gmax = 0.0
        for j in range(k):
            gmax = max(gmax, abs(grad[j]))
            kkt_max = max(kkt_max, kkt1d(w[j], grad[j], pen.a[j], pen.lo[j], pen.up[j]))
        V = 0.0
        for i in range(n):
            h = max(pr[i] * (1.0 - pr[i]), 1e-10)
            v[i] = s[i] * h
            V += v[i]
            r[i] = -g[i] / h
            z[i] = eta[i] - offset[i] + r[i]
        f = S / V
        for j in range(k):
            acc = 0.0
            if D.sparse:
                for ii in range(D.indptr[j], D.indptr[j + 1]):
                    acc += v[D.indices[ii]] * D.data[ii] * D.data[ii]
            else:
                for i in range(n):
                    acc += v[i] * D.X[i, j] * D.X[i, j]
            L[j] = acc / V
            af[j] = pen.a[j] * f
        # the weighted least-squares model of this step
        Dw = KernelDesign(D.X, D.data, D.indices, D.indptr, n, k, D.sparse, zeros_k, v, True,
                          False, V, L)
        pen_w = KernelPenalty(af, zeros_k, pen.lo, pen.up)
        kkt_tol = max(0.3 * kkt_max, 64 * eps * max(gmax, amax)) * f
        w_new = w.copy()
        epochs += cd_epochs(Dw, z, w_new, r, ws, pen_w,
                            min(max(max_epochs - epochs, 1), max_inner), kkt_tol, K)
        # the step along the model's solution, Armijo backtracking on the true objective
        eta_new[:] = eta
        decrease = 0.0
        pen_old = 0.0
        pen_new = 0.0
        for j in range(k):
            dj = w_new[j] - w[j]
            pen_old += pen.a[j] * abs(w[j])
            pen_new += pen.a[j] * abs(w_new[j])
            if dj != 0.0:
                col_axpy(D, j, -dj, eta_new)
        for i in range(n):
            decrease += s[i] * g[i] * (eta_new[i] - eta[i])
        decrease = decrease / S + pen_new - pen_old
        if not decrease < 0.0:
            return 2, epochs, steps, gap, primal, eta
        t = 1.0
        ok = False
        for _ in range(40):
            f_t = 0.0
            for i in range(n):
                e = eta[i] + t * (eta_new[i] - eta[i])
                f_t += s[i] * logistic_loss1(y[i], e)
            pen_t = 0.0
            for j in range(k):
                pen_t += pen.a[j] * abs(w[j] + t * (w_new[j] - w[j]))
            if f_t / S + pen_t <= primal + 1e-4 * t * decrease:
                ok = True
                break
            t *= 0.5
        if not ok:
            return 2, epochs, steps, gap, primal, eta
        for j in range(k):
            w[j] = w[j] + t * (w_new[j] - w[j])
        for i in range(n):
            eta[i] = eta[i] + t * (eta_new[i] - eta[i])


@njit(cache=True, **INTERNAL)
def _columns(D, ws):
    """The design of the columns ``ws`` of ``D`` (a copy of their entries: the working set
    of one round), with the same field types as ``D``."""
    n = D.n
    k = ws.shape[0]
    if D.sparse:
        nnz = 0
        for c in range(k):
            nnz += D.indptr[ws[c] + 1] - D.indptr[ws[c]]
        data = np.empty(nnz, dtype=D.data.dtype)
        indices = np.empty(nnz, dtype=D.indices.dtype)
        indptr = np.empty(k + 1, dtype=D.indptr.dtype)
        indptr[0] = 0
        m = 0
        for c in range(k):
            j = ws[c]
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                data[m] = D.data[ii]
                indices[m] = D.indices[ii]
                m += 1
            indptr[c + 1] = m
        X = D.X
    else:
        data, indices, indptr = D.data, D.indices, D.indptr
        X = np.empty((k, n), dtype=D.X.dtype).T  # F-ordered, as D.X
        for c in range(k):
            j = ws[c]
            for i in range(n):
                X[i, c] = D.X[i, j]
    zeros = np.zeros(k)
    return KernelDesign(X, data, indices, indptr, n, k, D.sparse, zeros, D.s, D.weighted,
                        False, D.S, zeros)


@njit(cache=True)
def logistic_l1_ws(D, y, offset, w, pen, tol, tol_gap, scale, max_epochs, max_steps,
                   max_inner, K, p0):
    """The working-set rounds of the GLM engine (``prox_newton.glm_solve``) around
    :func:`logistic_l1_newton`, for the same problem on all of ``D``'s columns: each
    round the support and the largest optimality violations (``p0`` at least, twice the
    support), solved to a tenth of the whole problem's gap; the certificate is always
    the whole problem's (``tol_gap``, ``tol`` times the loss's ``scale``). Updates ``w``
    in place.

    Returns (status, epochs, steps, gap, primal, eta) as :func:`logistic_l1_newton`
    (status 1 also when the objective stopped moving for 6 rounds; 2: a round's step the
    kernel could not take, the caller goes on from ``w``).
    """
    n = y.shape[0]
    p = w.shape[0]
    tiny = np.finfo(np.float64).tiny
    eta = _predictor(D, w, offset)
    pr = np.empty(n)
    g = np.empty(n)
    grad = np.empty(p)
    score = np.empty(p)
    eps = np.finfo(np.float64).eps
    epochs = 0
    steps = 0
    stalled = 0
    primal_prev = np.inf
    while True:
        gap, primal = _gap(D, y, offset, eta, w, pen, pr, g, grad)
        if gap <= tol_gap:
            return 0, epochs, steps, gap, primal, eta
        if epochs >= max_epochs or steps >= max_steps:
            return 1, epochs, steps, gap, primal, eta
        if primal_prev - primal <= 8.0 * eps * abs(primal):
            # the round did not move the objective: tighten, stop once that is exhausted
            stalled += 1
            if stalled >= 6:
                return 1, epochs, steps, gap, primal, eta
        else:
            stalled = 0
        primal_prev = primal
        nnz = 0
        for j in range(p):
            if w[j] != 0.0:
                score[j] = np.inf
                nnz += 1
            else:
                score[j] = kkt1d(0.0, grad[j], pen.a[j], pen.lo[j], pen.up[j])
        ws = pick_working_set(score, max(p0, 2 * nnz))
        k = ws.shape[0]
        sub = _columns(D, ws)
        a = np.empty(k)
        lo = np.empty(k)
        up = np.empty(k)
        w_ws = np.empty(k)
        for c in range(k):
            a[c] = pen.a[ws[c]]
            lo[c] = pen.lo[ws[c]]
            up[c] = pen.up[ws[c]]
            w_ws[c] = w[ws[c]]
        tol_in = min(max(0.1 * gap / max(scale, 1e-300), 0.3 * tol), 0.1) * 0.01**stalled
        status, ep, st, _, _, eta_in = logistic_l1_newton(
            sub, y, offset, w_ws, KernelPenalty(a, np.zeros(k), lo, up),
            tol_in * max(scale, tiny), max(max_epochs - epochs, 1), max_steps - steps,
            max_inner, K)
        epochs += ep
        steps += st
        for c in range(k):
            w[ws[c]] = w_ws[c]
        # w is 0 off the working set (it holds the support): the round's predictor is the
        # whole problem's
        eta = eta_in
        if status == 2:
            gap, primal = _gap(D, y, offset, eta, w, pen, pr, g, grad)
            return 2, epochs, steps, gap, primal, eta
