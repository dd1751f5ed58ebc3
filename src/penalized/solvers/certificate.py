"""Stopping certificates: the duality gap of every engine, in one place.

* Least squares: :func:`quadratic_gap` evaluates the gap of
  :mod:`penalized.solvers.kernels.certificate` (the kernel every least-squares engine
  calls) from a residual; :func:`projection` gives the unpenalized features' Gram rows
  that make its dual point feasible.
* GLMs: :func:`glm_gap`, with the dual point ``u = c l'(eta)`` (the conjugate from the
  datafit's ``conjugate_at``: closed form, solved per sample, or an upper bound for Cox);
  non-convex losses (Tweedie powers outside [1, 2]) get :func:`kkt_criterion` instead.
* Multinomial: :func:`multinomial_gap` (coefficients penalized one by one) and
  :func:`grouped_gap` (one group per feature across the classes).

Every gap adds :func:`intercept_slack` (what an intercept optimized only to rounding
level leaves) and is clamped at 0: below zero is rounding error of ``P - D``.
"""

import numpy as np

from .kernels.certificate import Projection, project_unpenalized, quad_gap

__all__ = ["glm_gap", "grouped_gap", "intercept_slack", "kkt_criterion", "multinomial_gap",
           "projection", "quadratic_gap"]

_NONE = np.empty(0, dtype=np.int64)


def _empty(p):
    return Projection(_NONE, np.zeros((2, max(p, 2))), np.zeros(0))


def projection(design, yc, pen):
    """The :data:`Projection` of the unpenalized features of a residual design: their
    indices, Gram rows ``Xc_U' diag(s) Xc / S`` (C-ordered, k x p) and
    ``Xc_U' diag(s) yc / S``."""
    cols = pen.unpenalized.astype(np.int64)
    if cols.size == 0:
        return _empty(design.p)
    A = design.columns(cols) * design.s[:, None]
    GU = np.zeros((max(cols.size, 2), max(design.p, 2)))
    for t in range(cols.size):
        GU[t, :design.p] = design.rmatvec(A[:, t]) / design.S
    return Projection(cols, GU, (A.T @ yc) / design.S)


def quadratic_gap(design, yc, w, r, pen, proj=None):
    """``(gap, primal, dual)`` of ``1/(2S) ||yc - Xc w||_s^2 + penalty(w)`` at ``w`` with
    residual ``r = yc - Xc w`` (``proj`` from :func:`projection`, computed when None)."""
    s, S = design.s, design.S
    if proj is None:
        proj = projection(design, yc, pen)
    v = design.rmatvec(s * r) / S
    rr = float(s @ (r * r)) / S
    ycr = float(s @ (yc * r)) / S
    w = np.asarray(w, dtype=np.float64)
    vt, rr_t, ycr_t = v, rr, ycr
    if proj.cols.size:
        vt, rr_t, ycr_t = project_unpenalized(w, v, rr, ycr, pen.kernel, proj)
    gap, primal, dual = quad_gap(w, vt, rr, rr_t, ycr_t, pen.kernel)
    return max(float(gap), 0.0), float(primal), float(dual)


def intercept_slack(design, u, w, b):
    """What an intercept optimized only to rounding level adds to the gap.

    The dual point must satisfy ``sum_i s_i u_i = 0`` (the intercept is free); with a
    residual ``delta = sum_i s_i u_i / S`` weak duality gives ``P* >= D(u) + b_c delta``
    (``b_c = b + mu'w``, the intercept of the centered design), so ``|b_c delta|`` is
    added to the gap: it is never certified below what the intercept leaves.
    """
    if not design.center:
        return 0.0
    s = design.s
    delta = (s @ u) / design.S
    b_c = b + design.mu @ w
    return float(np.sum(np.abs(b_c * delta)))


def glm_gap(design, y, loss, w, b, eta, pen, unpen, offset, rmatvec):
    """(gap, primal, kkt_unpenalized, gradient in w, l'(eta)) at (w, b, eta) for the GLM
    objective ``1/S sum_i s_i l(y_i, eta_i) + penalty(w)``.

    ``eta`` includes the offset o; the conjugate of ``t -> l(t + o)`` is ``l*(u) - u o``,
    hence the offset term in the dual. ``rmatvec(u)`` is ``Xc' u``.
    """
    s, S = design.s, design.S
    with np.errstate(over="ignore", invalid="ignore"):
        primal = float(s @ loss.loss(y, eta)) / S + pen.value(w)
    if not loss.convex:
        return kkt_criterion(design, y, loss, w, eta, pen, unpen, rmatvec, primal)
    g = loss.grad(y, eta)
    v = -rmatvec(s * g) / S
    grad = -v.copy()
    kkt_u = float(np.max(np.abs(v[unpen]))) if unpen.size else 0.0
    v[unpen] = 0.0
    c = pen.dual_scaling(v)
    u = c * g
    conj = loss.conjugate_at(y, eta, g, c)
    dual = -float(s @ (conj - u * offset)) / S - pen.conjugate(v, c)
    gap = primal - dual + intercept_slack(design, u, w, b)
    return max(gap, 0.0), primal, kkt_u, grad, g


def kkt_criterion(design, y, loss, w, eta, pen, unpen, rmatvec, primal):
    """The scaled KKT criterion of a non-convex loss, in place of :func:`glm_gap` (same
    return values, the criterion first).

    ``sum_j kkt_j^2 / (2 L_j)``: with ``kkt_j`` the distance of ``-grad_j`` to the
    penalty's subdifferential (:meth:`PenaltyArrays.kkt`) and ``L_j`` the curvature of
    coordinate j in the loss's Newton model (``xc_j' diag(s h) xc_j / S``, h the datafit's
    positive curvature: the Fisher information), each term is the decrease of the
    objective that an exact coordinate step on that model would still make: it is in the
    objective's units, 0 exactly at a stationary point, and compared to the same
    ``tol * tol_scale`` as a gap.
    """
    s, S = design.s, design.S
    g, h = loss.derivatives(y, eta)
    grad = rmatvec(s * g) / S
    kkt = pen.kkt(w, grad)
    kkt_u = float(np.max(kkt[unpen])) if unpen.size else 0.0
    curv = design.reweighted(s * np.maximum(h, 0.0)).sqnorms() * (
        float(s @ np.maximum(h, 0.0)) / S)
    curv = curv + pen.b
    on = curv > 0
    crit = float(np.sum(kkt[on] ** 2 / (2.0 * curv[on])))
    return crit, primal, kkt_u, grad, g


def _class_gradients(design, G):
    s, S = design.s, design.S
    return -np.column_stack([design.rmatvec(s * G[:, k]) for k in range(G.shape[1])]) / S


def multinomial_gap(design, Y, loss, W, b, eta, pen, unpen):
    """(gap, primal, kkt_unpenalized) of the multinomial objective with every coefficient
    penalized on its own (``sum_k penalty(W[:, k])``)."""
    s, S = design.s, design.S
    primal = float(s @ loss.loss(Y, eta)) / S + sum(pen.value(W[:, k])
                                                      for k in range(W.shape[1]))
    G = loss.grad(Y, eta)
    V = _class_gradients(design, G)
    kkt_u = float(np.max(np.abs(V[unpen]))) if unpen.size else 0.0
    V[unpen] = 0.0
    c = min(pen.dual_scaling(V[:, k]) for k in range(V.shape[1]))
    conj = sum(pen.conjugate(V[:, k], c) for k in range(V.shape[1]))
    dual = -float(s @ loss.conjugate(Y, c * G)) / S - conj
    gap = primal - dual + intercept_slack(design, c * G, W, b)
    return max(gap, 0.0), primal, kkt_u


def group_penalty(W, a, b):
    """``sum_j a_j ||W_j||_2 + b_j / 2 ||W_j||_2^2`` over the rows of W."""
    return float(a @ np.linalg.norm(W, axis=1) + 0.5 * b @ np.sum(W * W, axis=1))


def grouped_gap(design, Y, loss, W, bias, eta, a, b):
    """(gap, primal, kkt_free) of the multinomial objective with one group per feature
    (row of W) across the classes: the dual point ``c G`` with ``c`` bringing every row of
    ``V = -Xc' diag(s) G / S`` inside its group's dual-norm ball ``||V_j|| <= a_j`` (rows
    without an L2 part)."""
    s, S = design.s, design.S
    primal = float(s @ loss.loss(Y, eta)) / S + group_penalty(W, a, b)
    G = loss.grad(Y, eta)
    V = _class_gradients(design, G)
    vn = np.linalg.norm(V, axis=1)
    free = (a == 0) & (b == 0)
    vn[free] = 0.0
    pure = (b == 0) & (a > 0)
    ratio = np.max(vn[pure] / a[pure], initial=0.0)
    c = 1.0 / ratio if ratio > 1.0 else 1.0
    vn = c * vn
    q = b > 0
    conj = float(np.sum(np.maximum(vn[q] - a[q], 0.0) ** 2 / (2.0 * b[q])))
    dual = -float(s @ loss.conjugate(Y, c * G)) / S - conj
    gap = primal - dual + intercept_slack(design, c * G, W, bias)
    return max(gap, 0.0), primal, float(np.max(np.linalg.norm(V[free], axis=1), initial=0.0))
