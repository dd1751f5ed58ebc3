"""Grouped multinomial regression: one group per feature across the K classes.

Penalty (glmnet's ``type.multinomial = "grouped"``)::

    sum_j a_j ||W_j||_2 + b_j / 2 ||W_j||_2^2      (W_j = row j of the p x K matrix W)

Solved by accelerated proximal gradient (FISTA) with a monotone restart: the step is
1 / L with L = 1/2 * lambda_max(Xc' diag(s) Xc / S) (the softmax Hessian is bounded by
I / 2), the prox is row-wise block soft-thresholding. Certificate: the duality gap with
the dual point ``c (softmax(eta) - Y)``, where ``c`` brings every row of
``V = -Xc' diag(s) G / S`` inside its group's dual-norm ball ``||V_j|| <= a_j`` (for rows
without an L2 part); the intercepts are optimized exactly before each certificate.
"""

import numpy as np

from .certificate import group_penalty, grouped_gap
from .multinomial import predictor
from .prox_newton import linear_predictor
from .result import SolveResult, warn_not_converged

__all__ = ["grouped_multinomial_solve"]

_CHECK_EVERY = 10


def _lipschitz(design, n_iter=100):
    """1/2 * largest eigenvalue of A' diag(s) A / S, A = [X 1] (or X), by power iteration."""
    rng = np.random.default_rng(0)
    v = rng.standard_normal(design.p)
    v0 = 1.0 if design.center else 0.0
    nrm = np.sqrt(v @ v + v0 * v0)
    v, v0 = v / nrm, v0 / nrm
    lam = 0.0
    for _ in range(n_iter):
        u = linear_predictor(design, v, v0, 0.0)
        su = design.s * u / design.S
        v = np.asarray(design.rmatvec_raw(su), dtype=np.float64)
        v0 = float(su.sum()) if design.center else 0.0
        lam_new = float(np.sqrt(v @ v + v0 * v0))
        if lam_new == 0.0:
            break
        v, v0 = v / lam_new, v0 / lam_new
        done = abs(lam_new - lam) <= 1e-4 * lam_new
        lam = lam_new
        if done:
            break
    return 0.5 * 1.02 * max(lam, 1e-12)


def _group_prox(Z, a, b, step):
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(norms > 0, np.maximum(1.0 - step * a[:, None] / norms, 0.0), 0.0)
    return Z * shrink / (1.0 + step * b[:, None])


def grouped_multinomial_solve(design, Y, loss, pen, *, tol=1e-4, max_iter=1000,
                              coef_init=None, intercept_init=None, verbose=0, warn=True,
                              max_steps=None):
    """Minimize the multinomial loss plus the grouped elastic-net penalty (see module)."""
    if pen.bounded:
        raise ValueError("Bounds on the coefficients are not supported with grouped=True.")
    a, b = pen.a, pen.b
    s, S, p, K = design.s, design.S, design.p, Y.shape[1]
    W = np.zeros((p, K)) if coef_init is None else np.array(coef_init, dtype=np.float64)
    c0 = np.zeros(K)
    if design.center:
        c0 = (np.array(intercept_init, dtype=np.float64) if intercept_init is not None
              else loss.intercept_start(Y, s))
    scale = loss.tol_scale(Y, s, 0.0, design.center)
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    L = _lipschitz(design)
    step = 1.0 / L
    bias = c0
    Z, zb = W.copy(), bias.copy()
    t = 1.0
    f_prev = np.inf
    gap = primal = np.inf
    history = []
    converged = stalled = False
    it = 0
    while True:
        if it % _CHECK_EVERY == 0 or it >= max_iter:
            eta = predictor(design, W, bias)
            if design.center:
                d = loss.optimize_intercept(Y, eta, s)
                bias, eta, zb = bias + d, eta + d, zb + d
            gap, primal, kkt_free = grouped_gap(design, Y, loss, W, bias, eta, a, b)
            history.append((it, gap))
            if verbose:
                print(f"[penalized:grouped] iter={it:5d} primal={primal:.10e} gap={gap:.3e} "
                      f"tol={tol_gap:.3e} groups={int(np.any(W != 0, axis=1).sum())}")
            if gap <= tol_gap and kkt_free <= tol_gap:
                converged = True
                break
            if it >= max_iter:
                break
            f_prev = primal  # the momentum is kept (the intercepts shifted alike)
        eta = predictor(design, Z, zb)
        G = loss.grad(Y, eta)
        grad = np.column_stack([design.rmatvec(s * G[:, k]) for k in range(K)]) / S
        W_new = _group_prox(Z - step * grad, a, b, step)
        b_new = zb - step * (s @ G) / S if design.center else zb
        f_new = loss.value(Y, predictor(design, W_new, b_new), s) + group_penalty(W_new, a, b)
        if f_new > f_prev:  # monotone restart
            if t == 1.0 and not stalled:
                # a plain step from the current point does not decrease the objective:
                # its decrease is below the rounding of the objective and every later
                # step would repeat it: certify the current point and stop
                stalled, max_iter = True, it
                continue
            Z, zb, t = W.copy(), bias.copy(), 1.0
            it += 1
            continue
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        Z = W_new + ((t - 1.0) / t_new) * (W_new - W)
        zb = b_new + ((t - 1.0) / t_new) * (b_new - bias)
        W, bias, t, f_prev = W_new, b_new, t_new, f_new
        it += 1
    if not converged and warn:
        warn_not_converged("FISTA (grouped multinomial)", gap, tol_gap, tol,
                           "the null model's loss", max_iter=max_iter, unit="iterations",
                           stalled=stalled, stacklevel=4)
    return SolveResult(coef=W, intercept=bias - bias.mean(), dual_gap=float(gap),
                       tol_gap=tol_gap, n_iter=max(it, 1), converged=converged,
                       primal=float(primal), history=history, engine="grouped_multinomial",
                       n_steps=max(it, 1))
