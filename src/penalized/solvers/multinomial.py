"""Penalized multinomial regression by class-wise prox-Newton (glmnet's partial Newton).

Each sweep visits the K classes; for class k it builds the quadratic model of the loss in
that class's coefficients (weights ``s p_k (1 - p_k)``), solves the penalized weighted
least-squares problem with the working-set CD solver and line-searches the true objective
along the resulting direction. Intercepts are optimized jointly (K-dim Newton) before each
certificate. The penalty applies to every coefficient separately (glmnet's
``type.multinomial = "ungrouped"``); see :mod:`penalized.solvers.group` for the grouped form.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..penalties.elastic_net import PenaltyArrays
from ._design import Design
from .cd import SolveResult
from .prox_newton import _ARMIJO, _H_FLOOR, _weighted_ls, inner_tol, intercept_slack

__all__ = ["multinomial_solve", "predictor", "optimize_intercepts"]


def predictor(design, W, b):
    """X W + b (n x K) for the raw X."""
    X = design.X
    out = np.asarray(X @ W.astype(design.dtype, copy=False), dtype=np.float64)
    return out + b


def optimize_intercepts(loss, Y, eta, s, max_iter=50):
    """Return the K-vector d minimizing sum_i s_i l_i(eta_i + d) (Newton, sum(d) = 0)."""
    K = Y.shape[1]
    d = np.zeros(K)
    S = s.sum()

    def grad(dd):
        return s @ (loss.proba(eta + dd) - Y) / S

    g = grad(d)
    g_max = float(np.max(np.abs(g)))
    stalls = 0
    for _ in range(max_iter):
        if g_max <= 1e-15 or stalls >= 2:
            break  # converged, or the gradient is at its rounding level
        P = loss.proba(eta + d)
        H = (P * s[:, None]).T @ P
        H = (np.diag(s @ P) - H) / S
        step = np.linalg.lstsq(H + np.full((K, K), 1.0 / K), g, rcond=None)[0]
        step -= step.mean()
        # near the optimum a Newton step lowers the loss by ~g^2 / H, below its rounding
        # level: accept a step that shrinks the gradient, else backtrack on the loss
        f0 = float(s @ loss.loss(Y, eta + d))
        t = 1.0
        while t > 1e-10:
            g_t = grad(d - t * step)
            g_t_max = float(np.max(np.abs(g_t)))
            if g_t_max < g_max or float(s @ loss.loss(Y, eta + d - t * step)) < f0:
                break
            t *= 0.5
        if t <= 1e-10:
            break  # no step lowers the loss or the gradient: optimal to rounding
        stalls = 0 if g_t_max < g_max else stalls + 1
        d = d - t * step
        g, g_max = g_t, g_t_max
    return d - d.mean()


def center_classes(W, pen):
    """Shift each feature's K coefficients by the constant minimizing the penalty.

    The softmax is invariant to adding the same ``c_j x_ij`` to every class, so this lowers
    the objective for free (glmnet centers multinomial coefficients the same way: median
    for the lasso, mean for ridge). Skipped with bounds, which a shift could violate.
    """
    if pen.bounded or W.shape[1] < 2:
        return W
    a, b = pen.a[:, None], pen.b[:, None]
    lo, hi = W.min(axis=1, keepdims=True), W.max(axis=1, keepdims=True)
    for _ in range(60):  # bisection on the subgradient, all features at once
        c = 0.5 * (lo + hi)
        d = np.sum(-a * np.sign(W - c) - b * (W - c), axis=1, keepdims=True)
        hi = np.where(d > 0, c, hi)
        lo = np.where(d > 0, lo, c)
    c = 0.5 * (lo + hi)
    active = ((pen.a > 0) | (pen.b > 0))[:, None]
    return W - np.where(active, c, 0.0)


def _penalty_value(pen, W):
    return sum(pen.value(W[:, k]) for k in range(W.shape[1]))


def multinomial_gap(design, Y, loss, W, b, eta, pen, unpen):
    s, S = design.s, design.S
    primal = float(s @ loss.loss(Y, eta)) / S + _penalty_value(pen, W)
    G = loss.proba(eta) - Y
    V = -np.column_stack([design.rmatvec(s * G[:, k]) for k in range(Y.shape[1])]) / S
    kkt_u = float(np.max(np.abs(V[unpen]))) if unpen.size else 0.0
    V[unpen] = 0.0
    c = min(pen.dual_scaling(V[:, k]) for k in range(V.shape[1]))
    conj = sum(pen.conjugate(pen.clamp_dual(c * V[:, k])) for k in range(V.shape[1]))
    dual = -float(s @ loss.conjugate(Y, c * G)) / S - conj
    gap = primal - dual + intercept_slack(design, c * G, W, b)
    return max(gap, 0.0), primal, kkt_u


def multinomial_solve(design, Y, loss, pen, *, tol=1e-4, max_iter=1000, coef_init=None,
                      intercept_init=None, verbose=0, warn=True):
    """Minimize ``1/S sum_i s_i l_i(x_i W + b) + sum_k penalty(W[:, k])``; W is p x K."""
    s, S, p = design.s, design.S, design.p
    K = Y.shape[1]
    W = np.zeros((p, K)) if coef_init is None else np.array(coef_init, dtype=np.float64)
    b = np.zeros(K)
    if design.center:
        b = (np.array(intercept_init, dtype=np.float64) if intercept_init is not None
             else loss.intercept_only(Y, s))
    eta = predictor(design, W, b)
    scale = float(s @ (loss.loss(Y, np.tile(loss.intercept_only(Y, s), (len(s), 1)))
                       if design.center else loss.loss(Y, np.zeros_like(eta)))) / S
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    unpen = pen.unpenalized
    epochs = 0
    converged = False
    gap = primal = np.inf
    history = []
    stalled = 0
    tight = 1.0
    primals = []
    while True:
        if design.center:
            d = optimize_intercepts(loss, Y, eta, s)
            b, eta = b + d, eta + d
        gap, primal, kkt_u = multinomial_gap(design, Y, loss, W, b, eta, pen, unpen)
        history.append((epochs, gap))
        primals.append(primal)
        if verbose:
            print(f"[penalized:multinomial] epochs={epochs:5d} primal={primal:.10e} "
                  f"gap={gap:.3e} tol={tol_gap:.3e} nnz={np.count_nonzero(W)}")
        wmax = float(np.max(np.abs(W[unpen]), initial=0.0))
        if gap <= tol_gap and kkt_u * (1.0 + wmax) <= tol_gap:
            converged = True
            break
        if epochs >= max_iter:
            break
        # stop when sweeps no longer lower the objective beyond rounding error
        if len(primals) > 1 and primals[-2] - primal <= 8 * np.finfo(float).eps * abs(primal):
            stalled += 1
            if stalled >= 3:
                break
        else:
            stalled = 0
        progress = False
        for k in range(K):
            P = loss.proba(eta)
            g = P[:, k] - Y[:, k]
            h = np.maximum(P[:, k] * (1.0 - P[:, k]), _H_FLOOR)
            z = eta[:, k] - g / h
            wdesign = Design(design.X, s * h, design.center)
            f = S / wdesign.S
            pen_h = PenaltyArrays(pen.a * f, pen.b * f, pen.lo, pen.up)
            wk_new, bk_new, used = _weighted_ls(
                wdesign, z, pen_h, W[:, k], tight * inner_tol(wdesign, z, gap / K, f, tol_gap / K),
                max(max_iter - epochs, 1))
            epochs += used
            d_eta = (predictor(design, (wk_new - W[:, k])[:, None], np.zeros(1))[:, 0]
                     + (bk_new - b[k]))
            pen_k = pen.value(W[:, k])
            decrease = float(s @ (g * d_eta)) / S + pen.value(wk_new) - pen_k
            if np.array_equal(wk_new, W[:, k]) or not decrease < 0:
                continue  # coefficients unchanged (the intercepts have their own step)
            f0 = float(s @ loss.loss(Y, eta)) / S + pen_k
            t = 1.0
            for _ in range(40):
                eta_t = eta.copy()
                eta_t[:, k] += t * d_eta
                wk_t = W[:, k] + t * (wk_new - W[:, k])
                if float(s @ loss.loss(Y, eta_t)) / S + pen.value(wk_t) <= \
                        f0 + _ARMIJO * t * decrease:
                    break
                t *= 0.5
            else:
                continue
            W[:, k] = wk_t
            b[k] += t * (bk_new - b[k])
            eta = eta_t
            progress = True
        if not progress:
            tight *= 1e-3  # no class moved: solve the models more accurately
            if tight < 1e-9:
                break
            continue
        W_c = center_classes(W, pen)
        if _penalty_value(pen, W_c) < _penalty_value(pen, W):
            eta = eta + predictor(design, W_c - W, np.zeros(K))
            W = W_c
    if not converged and warn:
        why = (f"did not converge in max_iter={max_iter} epochs" if epochs >= max_iter else
               f"stopped after {epochs} epochs: no further decrease of the objective is "
               "measurable in floating point")
        warnings.warn(
            f"Prox-Newton (multinomial) {why}: duality gap {gap:.3e} > tol {tol_gap:.3e}. "
            "Loosen tol, increase max_iter, or increase alpha.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return SolveResult(coef=W, intercept=b - b.mean(), dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history)
