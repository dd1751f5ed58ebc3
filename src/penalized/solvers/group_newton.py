"""Engine ``"group_newton"``: GLMs with a group or sparse-group lasso, by prox-Newton.

Each step builds the quadratic model of ``1/S sum_i s_i l(y_i, eta_i)`` at the current
linear predictor (working response ``z = eta - l'/l''``, weights ``s l''``), solves that
weighted group-lasso least-squares problem with the ``group_bcd`` engine
(:mod:`penalized.solvers.group`, warm-started) and takes the step along its direction
with an Armijo line search on the true objective (grpreg and skglm's GroupProxNewton do
the same). Before each certificate the intercept is optimized exactly.

Certificate: the duality gap with the dual point ``u = c l'(eta)``, ``c`` the largest
scaling that puts every group's ``-c Xc_g' s l'(eta) / S`` in its dual ball; the stopping
rule is ``gap <= tol * (null loss - saturated loss)``, as for the other GLM engines.
"""

import numpy as np

from .certificate import intercept_slack
from .group import group_solve
from .line_search import Along, RoundingSteps, backtrack, below_rounding
from .prox_newton import _rmatvec, inner_tol, start_point
from .result import SolveResult, warn_not_converged

__all__ = ["group_glm_gap", "group_newton_solve"]

_MAX_INNER = 2000  # epochs per Newton model


def group_glm_gap(design, y, loss, w, b, eta, pen, offset):
    """``(gap, primal, kkt_unpenalized, l'(eta))`` of ``1/S sum_i s_i l(y_i, eta_i) +
    penalty(w)`` at ``(w, b)`` (``eta`` includes the offset)."""
    s, S = design.s, design.S
    with np.errstate(over="ignore", invalid="ignore"):
        primal = float(s @ loss.loss(y, eta)) / S + pen.value(w)
    g = loss.grad(y, eta)
    v = -_rmatvec(design, s * g) / S
    unpen = pen.unpenalized
    vu = v[unpen]
    if pen.positive:
        # an unpenalized coefficient at its bound 0, pushed below it, is optimal (its
        # conjugate sup_{w >= 0} v w is 0 there: zeroing its entry is exact)
        vu = np.where((vu < 0) & (w[unpen] <= 0), 0.0, vu)
    kkt_u = float(np.max(np.abs(vu))) if unpen.size else 0.0
    v[unpen] = 0.0
    c = min(1.0, float(np.min(pen.dual_scales(v), initial=np.inf)))
    u = c * g
    dual = -float(s @ (loss.conjugate(y, u) - u * offset)) / S
    gap = primal - dual + intercept_slack(design, u, w, b)
    return max(gap, 0.0), primal, kkt_u, g


def group_newton_solve(design, y, loss, pen, *, tol, max_iter, coef_init=None,
                       intercept_init=None, offset=None, verbose=0, warn=True, max_steps=None):
    """Minimize ``1/S sum_i s_i l(y_i, x_i.w + b + offset_i) + penalty(w)`` for a group
    penalty (:class:`~penalized.penalties.group.GroupArrays`); see the module docstring.
    ``max_iter`` caps the block-CD epochs of all the models, ``max_steps`` (when given)
    the prox-Newton steps."""
    s, S = design.s, design.S
    y, off, w, b = start_point(design, y, loss, pen, offset, coef_init, intercept_init)
    scale = loss.tol_scale(y, s, off, design.center)
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    unpen = pen.unpenalized
    eta = design.predictor(w, b, off)
    epochs = steps = 0
    history = []
    converged = False
    tight = 1.0
    gap = primal = np.inf
    rounding = RoundingSteps()  # steps below the objective's rounding level
    at_new = None  # the certificate at the point a trusted step reached
    while True:
        if at_new is not None:
            (gap, primal, kkt_u, g), at_new = at_new, None
        else:
            if design.center:
                d = loss.optimize_intercept(y, eta, s)
                b, eta = b + d, eta + d
            gap, primal, kkt_u, g = group_glm_gap(design, y, loss, w, b, eta, pen, off)
        history.append((epochs, gap))
        if verbose:
            print(f"[penalized:group_newton] epochs={epochs:5d} primal={primal:.10e} "
                  f"gap={gap:.3e} tol={tol_gap:.3e}")
        wmax = float(np.max(np.abs(w[unpen]), initial=0.0))
        if gap <= tol_gap and kkt_u * (1.0 + wmax) <= tol_gap:
            converged = True
            break
        if epochs >= max_iter or tight < 1e-9 or (max_steps is not None
                                                  and steps >= max_steps):
            break
        h = loss.hess(y, eta)
        h = np.maximum(h, loss.hess_floor * max(float(np.max(h)), 1.0))
        z = eta - off - g / h
        wdesign = design.reweighted(s * h)
        f = S / wdesign.S
        res = group_solve(wdesign, z, pen.scaled(f), coef_init=w, warn=False,
                          tol=tight * inner_tol(wdesign, z, gap, f, tol_gap),
                          max_iter=min(max(max_iter - epochs, 1), _MAX_INNER))
        epochs += res.n_iter
        steps += 1
        w_new = res.coef
        b_new = res.intercept if design.center else 0.0
        d_eta = design.predictor(w_new - w, b_new - b, 0.0)
        # the penalty's change summed group by group: a step near the optimum changes it
        # far below the rounding level of its value
        decrease = float(s @ (g * d_eta)) / S + pen.value_change(w, w_new)
        if below_rounding(-abs(decrease), primal):
            # below the objective's rounding level (its sign is noise): the gap at the
            # point the step reaches decides, else the model is solved more accurately
            if np.any(w_new != w) or b_new != b:
                eta_c, b_c = eta + d_eta, b_new
                if design.center:
                    d = loss.optimize_intercept(y, eta_c, s)
                    b_c, eta_c = b_c + d, eta_c + d
                cert = group_glm_gap(design, y, loss, w_new, b_c, eta_c, pen, off)
                if rounding.take(gap, cert[0]):
                    w, eta, b, at_new = w_new, eta_c, b_c, cert
                    continue
            tight *= 1e-3
            continue
        if not decrease < 0:
            tight *= 1e-3  # the model did not move: solve it more accurately
            continue
        t = backtrack(Along(loss, y, s, S, pen, w, w_new - w, eta, d_eta), primal, decrease)
        if t is None:
            tight *= 1e-3
            continue
        w_t, eta_t = w + t * (w_new - w), eta + t * d_eta
        w, eta, b = w_t, eta_t, b + t * (b_new - b)
    if not converged and warn:
        what = f"Prox-Newton ({loss.name}, {pen.name})"
        if max_steps is not None and steps >= max_steps:
            warn_not_converged(what, gap, tol_gap, tol, "the null model's excess loss",
                               max_iter=max_steps, unit="Newton steps (max_iter)",
                               stacklevel=5)
        else:
            warn_not_converged(what, gap, tol_gap, tol, "the null model's excess loss",
                               max_iter=max_iter, stalled=epochs < max_iter, stacklevel=5)
    return SolveResult(coef=w, intercept=float(b), dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history, engine="group_newton", n_steps=steps)
