"""The fallback for many features: distributed FISTA with restarts, stopped on the gap.

When p is above :func:`~penalized.dask._least_squares.gram_max_features` (default 2048),
no p x p matrix is formed anywhere. Each pass evaluates, at one point, the loss and the
gradient ``Xc' s l'(eta)`` (vectors of length p; a matvec and a transposed one per
block), and keeps ``(y, s, l'(eta))`` on the workers for the certificate, which is the
in-memory duality gap (:func:`penalized.solvers.certificate.gap_from_sums`). An
iteration takes a proximal-gradient step from the extrapolated point (the penalty's
prox is ``penalties.separable.prox1d``, evaluated over all features) with a step found
by backtracking on the sufficient-decrease condition, and restarts the momentum when
the objective goes up (O'Donoghue and Candes). It costs one or two passes: for large p
the passes are the price of never forming the Gram matrix.
"""

import numpy as np

from ..datafits import Quadratic
from ..estimators._base import build_penalty
from ..penalties.separable import PenaltyArrays
from ..solvers.certificate import gap_from_sums
from ..solvers.result import SolveResult, warn_not_converged
from ._glm import GLMProblem, _conj_block, _rows, _sum, free_kkt

__all__ = ["fista_fit", "glm_fista"]


def _diag_block(block, i, extra):
    X, y, s, _, _ = block
    Z = np.column_stack([X, y])
    w = np.ones(Z.shape[0]) if s is None else s
    S = float(w.sum())
    if not S > 0:
        return (0.0, np.zeros(Z.shape[1]), np.zeros(Z.shape[1]))
    m = (w @ Z) / S
    return (S, m, w @ (Z - m) ** 2)


def _diag_merge(a, b):
    if not b[0] > 0:
        return a
    if not a[0] > 0:
        return b
    S = a[0] + b[0]
    d = b[1] - a[1]
    return (S, a[1] + d * (b[0] / S), a[2] + b[2] + d * d * (a[0] * b[0] / S))


def _grad_block(block, i, extra, prob, w, bc):
    X, y, s, off = _rows(prob, block, i)
    eta = (X - prob.mu) @ w + bc
    if off is not None:
        eta = eta + off
    loss = prob.datafit
    with np.errstate(over="ignore", invalid="ignore"):
        lsum = float(s @ loss.loss(y, eta))
    g = loss.grad(y, eta)
    sg = s * g
    stats = dict(loss=lsum, Xg=(X - prob.mu).T @ sg, sg=float(sg.sum()),
                 sgo=0.0 if off is None else float(off @ sg), S=float(s.sum()),
                 sat=float(s @ loss.saturated(y)))
    return stats, (y, s, g)


def _add(x, y):
    return {k: x[k] + y[k] for k in x}


def _prox(z, step, pen):
    """The penalty's prox at ``z`` for the step ``step`` (the in-memory ``prox1d``)."""
    from ..penalties.separable import prox1d

    return np.array([prox1d(z[j] / step, 1.0 / step, pen.a[j], pen.b[j], pen.lo[j], pen.up[j])
                     for j in range(z.size)])


def glm_fista(runner, prob, pen, *, tol, max_iter, b0=0.0, tol_scale=None, L0=1.0,
              w0=None):
    """Minimize ``1/S sum_i s_i l(y_i, x_i w + b + o_i) + penalty(w)`` (centered design,
    intercept ``bc`` of the centered design) by FISTA with backtracking and restarts,
    from ``(w0, b0)`` (zeros and ``b0`` by default)."""
    loss, p = prob.datafit, prob.mu.size
    unpen = pen.unpenalized

    def evaluate(w, bc):
        st, kept = runner.map_reduce_keep(_grad_block, _add, prob, w, bc)
        S = st["S"]

        def conjugate(c):
            F = runner.reduce_kept(_conj_block, _sum, kept, loss, c)
            return (F - c * st["sgo"]) / S

        g_mean = st["sg"] / S if prob.center else None
        gap, primal, kkt_u, _ = gap_from_sums(
            pen, unpen, w, st["loss"] / S, -st["Xg"] / S, conjugate, g_mean,
            bc if prob.center else None)
        return st, gap, primal, free_kkt(kkt_u, w, unpen, g_mean, bc)

    w = np.zeros(p) if w0 is None else np.clip(np.array(w0, dtype=np.float64), pen.lo, pen.up)
    bc = float(b0)
    st, gap, primal, kkt_u = evaluate(w, bc)
    factor = 2.0 if loss.quadratic else 1.0
    scale = factor * (st["loss"] - st["sat"]) / st["S"] if tol_scale is None else tol_scale
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    L, t = float(L0), 1.0
    x_prev, b_prev = w.copy(), bc
    yw, yb, st_y, f_y = w, bc, st, st["loss"] / st["S"]
    it, converged = 0, False
    while True:
        if gap <= tol_gap and kkt_u <= tol_gap:
            converged = True
            break
        if it >= max_iter:
            break
        it += 1
        S = st_y["S"]
        gw, gb = st_y["Xg"] / S, st_y["sg"] / S
        while True:  # backtracking on the smooth part
            w_new = _prox(yw - gw / L, 1.0 / L, pen)
            b_new = yb - gb / L if prob.center else 0.0
            st_n, gap_n, primal_n, kkt_n = evaluate(w_new, b_new)
            f_new = st_n["loss"] / st_n["S"]
            dw, db = w_new - yw, b_new - yb
            model = f_y + gw @ dw + gb * db + 0.5 * L * (dw @ dw + db * db)
            if f_new <= model + 1e-12 * abs(model):
                break
            L *= 2.0
        restart = primal_n > primal
        w, bc, st, gap, primal, kkt_u = w_new, b_new, st_n, gap_n, primal_n, kkt_n
        if restart:
            t = 1.0
            yw, yb, st_y, f_y = w, bc, st, f_new
        else:
            t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_next
            t = t_next
            yw, yb = w + beta * (w - x_prev), bc + beta * (bc - b_prev)
            st_y = evaluate(yw, yb)[0] if beta != 0 else st
            f_y = st_y["loss"] / st_y["S"]
        x_prev, b_prev = w.copy(), bc
        L *= 0.9  # let the step grow back
    if not converged:
        warn_not_converged("Distributed FISTA", gap, tol_gap, tol, "the null model's loss",
                           max_iter=max_iter, stacklevel=4)
    return SolveResult(coef=w, intercept=float(bc - prob.mu @ w), dual_gap=float(gap),
                       tol_gap=tol_gap, n_iter=max(it, 1), converged=converged,
                       primal=float(primal), history=[], engine="fista")


def fista_fit(runner, blocks, prm, l1_ratio, est, alpha_of, coef_init=None,
              intercept_init=None):
    """A least-squares fit with many features (no p x p statistics); ``alpha_of(S)`` is
    the mean-loss alpha for the total weight ``S``; ``coef_init`` and ``intercept_init`` a
    warm start."""
    S, m, Md = runner.map_reduce(_diag_block, _diag_merge)
    p = blocks.p
    center = prm.fit_intercept
    mu = m[:p].copy() if center else np.zeros(p)
    L = Md[:p] / S if center else Md[:p] / S + m[:p] ** 2
    dead = L <= (64 * np.finfo(blocks.dtype).eps * (np.abs(m[:p]) + np.sqrt(L))) ** 2
    pen = build_penalty(est, alpha_of(S), l1_ratio).arrays(p)
    if prm.standardize:
        pen = pen.standardized(np.where(dead, 0.0, L))
    # constant columns stay at 0 (bounds [0, 0])
    pen = PenaltyArrays(pen.a, pen.b, np.where(dead, 0.0, pen.lo), np.where(dead, 0.0, pen.up))
    prob = GLMProblem(Quadratic(), "numeric", None, None, mu, center, S)
    L0 = max(float(np.sum(L[~dead])) / max(int((~dead).sum()), 1), 1e-12)
    b0 = float(m[p]) if center else 0.0
    if coef_init is None:
        return glm_fista(runner, prob, pen, tol=prm.tol, max_iter=prm.max_iter, b0=b0, L0=L0)
    # a warm start: tol stays relative to the null model's loss (twice its mean, as the
    # in-memory tol of the squared loss), not to the loss at the start
    w0 = np.where(dead, 0.0, coef_init)
    scale = Md[p] / S if center else Md[p] / S + m[p] ** 2
    return glm_fista(runner, prob, pen, tol=prm.tol, max_iter=prm.max_iter, L0=L0, w0=w0,
                     tol_scale=scale,
                     b0=float(intercept_init) + float(mu @ w0) if center else 0.0)
