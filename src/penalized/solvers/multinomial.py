"""Penalized multinomial regression by class-wise prox-Newton (glmnet's partial Newton).

Each sweep visits the K classes; for class k it builds the quadratic model of the loss in
that class's coefficients (weights ``s p_k (1 - p_k)``), solves the penalized weighted
least-squares problem with the working-set CD solver and line-searches the true objective
along the resulting direction. Intercepts are optimized jointly (K-dim Newton) before each
certificate. The penalty applies to every coefficient separately (glmnet's
``type.multinomial = "ungrouped"``); see :mod:`penalized.solvers.group` for the grouped form.
"""

import numpy as np

from .certificate import multinomial_gap
from .line_search import Along, backtrack, below_rounding
from .prox_newton import _H_FLOOR, _weighted_ls
from .result import SolveResult, warn_not_converged

__all__ = ["multinomial_solve", "predictor"]


def predictor(design, W, b):
    """X W + b (n x K) for the raw X."""
    return design.predictor(W, b)


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


def multinomial_solve(design, Y, loss, pen, *, tol=1e-4, max_iter=1000, coef_init=None,
                      intercept_init=None, verbose=0, warn=True, max_steps=None):
    """Minimize ``1/S sum_i s_i l_i(x_i W + b) + sum_k penalty(W[:, k])``; W is p x K."""
    s, S, p = design.s, design.S, design.p
    K = Y.shape[1]
    W = np.zeros((p, K)) if coef_init is None else np.array(coef_init, dtype=np.float64)
    b = np.zeros(K)
    if design.center:
        b = (np.array(intercept_init, dtype=np.float64) if intercept_init is not None
             else loss.intercept_start(Y, s))
    eta = predictor(design, W, b)
    scale = loss.tol_scale(Y, s, 0.0, design.center)
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    unpen = pen.unpenalized
    epochs = 0
    converged = False
    gap = primal = np.inf
    history = []
    tight = 1.0
    primals = []
    sweeps = 0
    while True:
        if design.center:
            d = loss.optimize_intercept(Y, eta, s)
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
        if epochs >= max_iter or (max_steps is not None and sweeps >= max_steps):
            break
        sweeps += 1
        # a sweep that no longer lowers the objective beyond rounding error: solve the
        # class models more accurately, and stop once that is exhausted
        if len(primals) > 1 and primals[-2] - primal <= 8 * np.finfo(float).eps * abs(primal):
            tight *= 1e-3
            if tight < 1e-9:
                break
        progress = False
        for k in range(K):
            P = loss.inverse_link(eta)
            g = P[:, k] - Y[:, k]
            h = np.maximum(P[:, k] * (1.0 - P[:, k]), _H_FLOOR)
            z = eta[:, k] - g / h
            wdesign = design.reweighted(s * h)
            f = S / wdesign.S
            pen_h = pen.scaled(f, f)
            # the class's model solved to a fraction of its KKT violation (a target
            # relative to the working response's spread would be swamped by the samples of
            # tiny curvature, whose working responses are huge)
            grad = design.rmatvec(s * g) / S
            kkt = float(np.max(pen.kkt(W[:, k], grad), initial=0.0))
            floor = 64 * np.finfo(float).eps * max(float(np.max(np.abs(grad), initial=0.0)),
                                                   float(np.max(pen.a, initial=0.0)))
            wk_new, bk_new, used = _weighted_ls(
                wdesign, z, pen_h, W[:, k], 0.0, min(max(max_iter - epochs, 1), 2000),
                kkt_tol=max(0.3 * tight * kkt, floor) * f)
            epochs += used
            d_eta = (predictor(design, (wk_new - W[:, k])[:, None], np.zeros(1))[:, 0]
                     + (bk_new - b[k]))
            pen_k = pen.value(W[:, k])
            decrease = float(s @ (g * d_eta)) / S + pen.value_change(W[:, k], wk_new)
            if np.array_equal(wk_new, W[:, k]) or not decrease < 0:
                continue  # coefficients unchanged (the intercepts have their own step)
            f0 = float(s @ loss.loss(Y, eta)) / S + pen_k
            d_eta_k = np.zeros_like(eta)  # the step moves class k's predictor only
            d_eta_k[:, k] = d_eta
            dwk = wk_new - W[:, k]
            if below_rounding(decrease, f0):
                t = 1.0  # a change below the objective's rounding level: take the step
            else:
                t = backtrack(Along(loss, Y, s, S, pen, W[:, k], dwk, eta, d_eta_k), f0,
                              decrease)
                if t is None:
                    continue
            eta_t = eta + t * d_eta_k
            wk_t = W[:, k] + t * dwk
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
        if max_steps is not None and sweeps >= max_steps:
            warn_not_converged("Prox-Newton (multinomial)", gap, tol_gap, tol,
                               "the null model's loss", max_iter=max_steps,
                               unit="class sweeps (max_iter)", stacklevel=4)
        else:
            warn_not_converged("Prox-Newton (multinomial)", gap, tol_gap, tol,
                               "the null model's loss", max_iter=max_iter,
                               stalled=epochs < max_iter, stacklevel=4)
    return SolveResult(coef=W, intercept=b - b.mean(), dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history, engine="multinomial", n_steps=sweeps)

