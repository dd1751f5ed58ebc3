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

__all__ = ["curvatures", "gap_from_sums", "glm_gap", "grouped_gap", "intercept_slack",
           "kkt_criterion", "multinomial_gap",
           "projection", "quadratic_gap"]

_NONE = np.empty(0, dtype=np.int64)


def _empty(p):
    return Projection(_NONE, np.zeros((2, max(p, 2))), np.zeros(0))


def projection(design, yc, pen):
    """The :data:`Projection` of the unpenalized features of a residual design: their
    indices, Gram rows ``Xc_U' diag(s) Xc / S`` (C-ordered, k x p) and
    ``Xc_U' diag(s) yc / S``. A constant column (``design.sqnorms()`` 0: its centered
    entries are rounding noise) gets a zero row, and the projection treats it as the
    zero column it is."""
    cols = pen.unpenalized.astype(np.int64)
    if cols.size == 0:
        return _empty(design.p)
    A = design.columns(cols) * design.s[:, None]
    GU = np.zeros((max(cols.size, 2), max(design.p, 2)))
    live = design.sqnorms()[cols] > 0
    for t in range(cols.size):
        if live[t]:  # a constant column (zero up to rounding) keeps a zero row
            GU[t, :design.p] = design.rmatvec(A[:, t]) / design.S
    return Projection(cols, GU, np.where(live, A.T @ yc, 0.0) / design.S)


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


def _unpenalized_kkt(pen, unpen, Wm, Vm):
    """The unpenalized features' optimality violation, and their dual entries made
    feasible in place.

    An unpenalized feature's conjugate is ``sup_{lo <= w <= up} v w``: finite (``v up``
    or ``v lo``) where ``v`` points to a finite bound, which keeps its entry; elsewhere
    its entry is zeroed and its ``|v|`` is the violation, except where the coefficient
    is at the bound that ``v`` points to (optimal: ``v`` is in the bound's normal
    cone). Without the bounds (group, row and multinomial-grouped penalties have none)
    every entry is zeroed and the violation is ``max |v|``.
    """
    if not unpen.size:
        return 0.0
    V, W = Vm[unpen], Wm[unpen]
    lo, up = getattr(pen, "lo", None), getattr(pen, "up", None)
    if lo is None or up is None:
        Vm[unpen] = 0.0
        return float(np.max(np.abs(V)))
    lo, up = np.asarray(lo)[unpen][:, None], np.asarray(up)[unpen][:, None]
    finite = ((V > 0) & np.isfinite(up)) | ((V < 0) & np.isfinite(lo))
    at_bound = ((V > 0) & (W >= up)) | ((V < 0) & (W <= lo))
    Vm[unpen] = np.where(finite, V, 0.0)
    return float(np.max(np.where(at_bound, 0.0, np.abs(V))))


def gap_from_sums(pen, unpen, W, loss_mean, V, conjugate, g_mean=None, b_c=None):
    """The GLM duality gap from sums over the samples (what :func:`glm_gap` and
    :func:`multinomial_gap` compute from per-sample arrays, and what
    :mod:`penalized.dask` reduces over chunks).

    ``W`` is (p,) or (p, K); ``loss_mean = 1/S sum_i s_i l_i``; ``V = -Xc' diag(s) G / S``
    (G the per-sample ``l'(eta)``, shape of W); ``conjugate(c)`` returns
    ``1/S sum_i s_i (l*(y_i, c G_i) - c G_i . offset_i)`` for the dual point ``c G``;
    with an intercept, ``g_mean = sum_i s_i G_i / S`` and ``b_c = b + mu'W`` (the
    intercept of the centered design) give :func:`intercept_slack`. Returns
    ``(gap, primal, kkt_unpenalized, gradient in W)``.
    """
    if np.ndim(V) == 1 and not unpen.size:
        # one coefficient vector, every feature penalized (the common case): no copies of
        # V and no loops over columns (on dexter's 20,000 features the general route cost
        # 40 us more a gap, a tenth of a CV fit)
        V = np.asarray(V, dtype=np.float64)
        value, c, conj = pen.gap_terms(W, V)
        primal = loss_mean + value
        dual = -conjugate(c) - conj
        slack = (0.0 if g_mean is None else
                 float(np.sum(np.abs(np.asarray(b_c) * c * np.asarray(g_mean)))))
        return max(primal - dual + slack, 0.0), primal, 0.0, -V
    V = np.array(V, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    grad = -V.copy()
    Vm, Wm = (V, W) if V.ndim == 2 else (V[:, None], W[:, None])
    primal = loss_mean + sum(pen.value(Wm[:, k]) for k in range(Wm.shape[1]))
    kkt_u = _unpenalized_kkt(pen, unpen, Wm, Vm)
    c = min(pen.dual_scaling(Vm[:, k]) for k in range(Vm.shape[1]))
    conj = sum(pen.conjugate(Vm[:, k], c) for k in range(Vm.shape[1]))
    dual = -conjugate(c) - conj
    slack = 0.0 if g_mean is None else float(np.sum(np.abs(np.asarray(b_c) * c * g_mean)))
    gap = primal - dual + slack
    return max(gap, 0.0), primal, kkt_u, grad


def glm_gap(design, y, loss, w, b, eta, pen, unpen, offset, rmatvec):
    """(gap, primal, kkt_unpenalized, gradient in w, l'(eta)) at (w, b, eta) for the GLM
    objective ``1/S sum_i s_i l(y_i, eta_i) + penalty(w)``.

    ``eta`` includes the offset o; the conjugate of ``t -> l(t + o)`` is ``l*(u) - u o``,
    hence the offset term in the dual. ``rmatvec(u)`` is ``Xc' u``. The formula is
    :func:`gap_from_sums`.
    """
    s, S = design.s, design.S
    if not loss.convex:
        with np.errstate(over="ignore", invalid="ignore"):
            loss_mean = float(s @ loss.loss(y, eta)) / S
        return kkt_criterion(design, y, loss, w, eta, pen, unpen, rmatvec,
                             loss_mean + pen.value(w))
    with np.errstate(over="ignore", invalid="ignore"):
        per_sample, g = loss.loss_grad(y, eta)
        loss_mean = float(s @ per_sample) / S
    v = rmatvec(s * g)  # a new array: scaled in place
    v *= -1.0 / S

    def conjugate(c):
        # conjugate_at: a closed form in c g, solved from eta (Tweedie) or an upper bound
        # (Cox); any upper bound keeps the gap a certificate
        return float(s @ (loss.conjugate_at(y, eta, g, c) - c * g * offset)) / S

    center = design.center
    gap, primal, kkt_u, grad = gap_from_sums(
        pen, unpen, w, loss_mean, v, conjugate, float(s @ g) / S if center else None,
        b + design.mu @ w if center else None)
    return gap, primal, kkt_u, grad, g


def curvatures(design, h):
    """``L_j``: the curvature of the loss along each feature for the per-sample second
    derivatives ``h`` (negative ones count as 0), ``sum_i s_i h_i xc_ij^2 / S``."""
    sh = design.s * np.maximum(np.asarray(h, dtype=np.float64), 0.0)
    Sh = float(sh.sum())
    if not Sh > 0:
        return np.zeros(design.p)
    return design.reweighted(sh).sqnorms() * (Sh / design.S)


def kkt_criterion(design, y, loss, w, eta, pen, unpen, rmatvec, primal):
    """The critical-point criterion of a non-convex loss, in place of :func:`glm_gap` (same
    return values, the criterion first).

    ``sum_j kkt_j^2 / (2 L_j)`` (``pen.criterion``): with ``kkt_j`` the distance of
    ``-grad_j`` to the penalty's subdifferential and ``L_j`` the curvature of coordinate
    j in the loss's Newton model (:func:`curvatures` of the datafit's positive curvature,
    the Fisher information), each term is the decrease of the objective that an exact
    coordinate step on that model would still make: it is in the objective's units, 0
    exactly at a stationary point, and compared to the same ``tol * tol_scale`` as a gap.
    """
    s, S = design.s, design.S
    g, h = loss.derivatives(y, eta)
    grad = rmatvec(s * g) / S
    kkt_u = float(np.max(pen.kkt(w, grad)[unpen])) if unpen.size else 0.0
    crit = pen.criterion(w, grad, curvatures(design, h))
    return crit, primal, kkt_u, grad, g


def _class_gradients(design, G):
    s, S = design.s, design.S
    return -np.column_stack([design.rmatvec(s * G[:, k]) for k in range(G.shape[1])]) / S


def multinomial_gap(design, Y, loss, W, b, eta, pen, unpen):
    """(gap, primal, kkt_unpenalized) of the multinomial objective with every coefficient
    penalized on its own (``sum_k penalty(W[:, k])``); the formula is
    :func:`gap_from_sums`."""
    s, S = design.s, design.S
    loss_mean = float(s @ loss.loss(Y, eta)) / S
    G = loss.grad(Y, eta)
    V = _class_gradients(design, G)
    center = design.center
    gap, primal, kkt_u, _ = gap_from_sums(
        pen, unpen, W, loss_mean, V, lambda c: float(s @ loss.conjugate(Y, c * G)) / S,
        s @ G / S if center else None, b + design.mu @ W if center else None)
    return gap, primal, kkt_u


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
