"""Warm-started prox-Newton paths of the logistic loss with an elastic-net penalty, in one
numba call (cached on disk).

A cross-validated L1-logistic regression fits a hundred alphas on each of several folds,
most of them in a few Newton steps on a few dozen features: Python bookkeeping per step
(the gap, the working set, the weighted model, the line search) cost more than the
arithmetic. ``logistic_path`` runs the whole path of
:func:`penalized.solvers.prox_newton.glm_solve` fits here, for the objective

    1/S sum_i s_i l(y_i, x_i.w + b + o_i) + alpha sum_j (a_j |w_j| + b_j / 2 w_j^2),
    lo_j <= w_j <= up_j,   l(y, e) = log(1 + exp(e)) - y e,  y in [0, 1]

(``a_j, b_j`` the path's unit weights, every feature penalized), on a dense F-ordered or
a CSC design, with or without intercept. Per alpha, glmnet's scheme with the engine's
certificate:

1. the duality gap at the previous alpha's solution (its gradient is known: no pass over
   X). When it is at most ``tol_gap`` (unless the gap is at the rounding level or no
   feature could move), the fit still moves: a path that kept the last solution wherever
   it was certified moved in stairs, and its CV curve was off by up to the tolerance there
   (madelon at tol 1e-2: 65 of 100 alphas kept, curve error 5.5e-3). The fit stored is
   the path's linear extrapolation ``w + rho (w - w_prev)`` (below) when it lowers the
   objective: the dual point that certified w certifies it (its gap with that point is
   lower by as much), its predictor is ``eta + rho (eta - eta_prev)`` (O(n), no pass over
   X), and the path goes on from w, whose gradient is known. Otherwise (no last move, or
   no decrease), one step of 3 all the same, then 4. Madelon at tol 1e-2: curve error
   5.6e-4 with the extrapolation against 6.9e-5 with a step at every such alpha (and
   5.5e-3 keeping w), at 0.82-0.90x the time; a simulated 500 x 5000 at tol 1e-3: 6.8e-4
   against 1.6e-4, at 0.67x;
2. the working set: the support and the sequential strong rule's features
   (``|grad_j| > (2 alpha_k - alpha_{k-1}) a_j``, which hold every KKT violation);
3. prox-Newton on the working set: the weighted least-squares model with the intercept
   profiled out exactly (the columns centered with the Newton weights), CD epochs
   (:func:`~penalized.solvers.kernels.cd.cd_epochs`) to a fraction of the working set's
   KKT violation, the Armijo line search on the true objective (the model's whole step
   first, its loss pass kept as the next one), until the working set's own gap is half
   the target; with half the features or more in the working set, one step and then
   step 4. The first step of an alpha runs one epoch, from the path's linear
   extrapolation ``w + rho (w - w_prev)`` of the support in log(alpha) (no sign change;
   its residual from the predictors' difference, X read only where the move is not
   linear), ``w_prev`` the solution before the path's last move (an alpha whose fit
   took no step does not count: a simulated 500 x 5000 fold at tol 1e-4 took 1202
   epochs with the last alpha's start instead, 889 with this). The model's residual and
   its step in eta come from ``g / h`` and the epochs' residual (``eta_new = z - r``):
   no pass over X;
4. the intercept optimized exactly (1-D Newton) when its slack could count, the full
   gradient and the full gap (the gap of :func:`~penalized.solvers.certificate.glm_gap`,
   the intercept's slack included); the KKT violations outside the working set join it
   and step 3 runs again, until the gap certifies the fit. A fit is certified at eta
   computed afresh from w when its ``tol_gap`` is below ``_DRIFT_TOL`` (or after
   ``_DRIFT_STEPS`` steps): the steps' updates of eta drift by rounding error only.

The per-sample and per-column pieces (predictor, loss pass, gradients, gaps) are in
:mod:`penalized.solvers.kernels.logistic_terms`.

A fit that the kernel cannot finish (a line search that fails after the model was
tightened, or no progress in the objective: rounding level) is handed back: the call
returns its index, and the caller finishes that alpha with the Python engine, which has
the rounding-level safeguards, then calls again from the next one.
"""

import numpy as np

from ..._jit import njit
from ...datafits.logistic import _loss_t
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import KernelPenalty, kkt1d, value1d
from ..design import KernelDesign
from .cd import cd_epochs, col_axpy
from .logistic_terms import (
    H_FLOOR,
    logit_centered_intercept,
    logit_full_gap,
    logit_full_grad,
    logit_intercept_shift,
    logit_loss_pass,
    logit_predictor,
    logit_ws_gap,
    logit_ws_grad,
)
from .working_set import set_alpha

__all__ = ["logistic_path"]

# CD epochs of a model stop at sqrt(target / gap) of the working set's KKT violation,
# within [_KKT_LO, _KKT_HI]: tighter far from the target, looser near it
_KKT_LO = 0.1
_KKT_HI = 0.5
_WS_FRAC = 0.5  # the working set's gap target, as a fraction of tol_gap
_MAX_TIGHTEN = 3  # models re-solved 1000 times tighter before a fit is handed back
_MAX_STALL = 4  # rounds without a measurable decrease before a fit is handed back
# eta moves by the model's fitted values (no pass over X); each step adds rounding error of
# about 1e-15 to 1e-14 to it (measured on leukemia, madelon and a simulated 500 x 5000: at
# most 1e-13 after a whole path), which moves the gap by about as much. A fit is certified at
# eta afresh (a pass over its support, and the gradient again) when its tol_gap is below
# _DRIFT_TOL, or after _DRIFT_STEPS steps since eta was last computed afresh
_DRIFT_TOL = 1e-9
# the epochs of each alpha's first step: the extrapolated start is often close enough that
# one epoch and the full certificate settle the fit (madelon tol 1e-5: 906 -> 738 epochs)
_FIRST_EPOCHS = 1
# the intercept's slack |b_c gsum| / S below this fraction of tol_gap: no 1-D Newton on it
_SLACK_FRAC = 0.01
_DRIFT_STEPS = 64
_RHO_MAX = 4.0  # the largest extrapolation factor (alphas since the last move)


@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def _extrapolated1d(wj, w_oldj, rho, lo, up):
    """A nonzero coordinate on the path's linear extrapolation ``w + rho (w - w_old)``:
    0 where it would cross zero, clipped to its bounds."""
    c = wj + rho * (wj - w_oldj)
    if c * wj <= 0.0:
        c = 0.0
    return min(max(c, lo), up)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _weighted_model(D, ws, v, V, mu_v, L_v):
    """Per working-set column, in one pass, the weighted mean ``mu_v`` (0 without
    centering) and curvature ``L_v = sum_i v_i (x_ij - mu_v_j)^2 / V`` under the Newton
    weights v. The sums are taken about the design's mean ``mu_j`` (the column's mean
    under the sample weights): no cancellation for columns with a large mean."""
    for jj in range(ws.shape[0]):
        j = ws[jj]
        c = D.mu[j] if D.center else 0.0
        m = 0.0
        q = 0.0
        if D.sparse:
            # stored entries, then the implicit zeros (x = 0, i.e. -c about the mean)
            vs = 0.0
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                vi = v[D.indices[ii]]
                x = D.data[ii] - c
                m += vi * x
                q += vi * x * x
                vs += vi
            m -= (V - vs) * c
            q += (V - vs) * c * c
        else:
            X = D.X
            for i in range(D.n):
                x = X[i, j] - c
                m += v[i] * x
                q += v[i] * x * x
        m /= V
        if D.center:
            L_v[j] = max(q / V - m * m, 0.0)
            mu_v[j] = c + m
        else:
            L_v[j] = q / V
            mu_v[j] = 0.0


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _model_step(D, y, offset, ws, w, b, eta, pr, g, sg, Vws, pen, primal, tighten, bufs,
                max_epochs, K, w_old, eta_old, b_old, rho, trial):
    """One prox-Newton step on the working set ``ws`` from (w, b, eta): the weighted
    least-squares model (the intercept profiled out), CD epochs on it to ``tighten``
    times ``_KKT_FRAC`` of the working set's KKT violation, the Armijo line search on the
    true objective (``primal`` at the current point). Moves w, b, eta on success.

    Returns (status, epochs, b, loss, gsum): status 0 a step taken, 1 the model did not
    give a descent direction or the line search failed, 2 a step below the objective's
    rounding level (taken), 3 the model's whole step taken with the loss terms (pr, g,
    sg; the loss and ``sum s g`` returned) already at the new point."""
    v, zc, r, d_eta, mu_v, L_v, af, bf, w_new = bufs
    n = D.n
    s, S = D.s, D.S
    eps = np.finfo(np.float64).eps
    Vt = 0.0
    zbar = 0.0
    for t in range(n):
        h = max(pr[t] * (1.0 - pr[t]), H_FLOOR)
        v[t] = s[t] * h
        Vt += v[t]
        q = g[t] / h
        d_eta[t] = q  # (g / h, kept for the step below)
        zc[t] = eta[t] - offset[t] - q
        zbar += v[t] * zc[t]
    zbar = zbar / Vt if D.center else 0.0
    f = S / Vt
    _weighted_model(D, ws, v, Vt, mu_v, L_v)
    kkt_max = 0.0
    gmax = 0.0
    amax = 0.0
    const = b - zbar  # the model's residual at w: -g/h + b - zbar + mu_v'w
    for jj in range(ws.shape[0]):
        j = ws[jj]
        af[j] = pen.a[j] * f
        bf[j] = pen.b[j] * f
        gj = -Vws[jj] + pen.b[j] * w[j]
        gmax = max(gmax, abs(gj))
        amax = max(amax, pen.a[j])
        kkt_max = max(kkt_max, kkt1d(w[j], gj, pen.a[j], pen.lo[j], pen.up[j]))
        w_new[j] = w[j]
        const += mu_v[j] * w[j]
    for t in range(n):
        zc[t] -= zbar
        r[t] = const - d_eta[t]
    if rho > 0.0:
        # the epochs start from the path's linear extrapolation of the support,
        # w + rho (w - w_old) without sign changes, zeros kept. The model's residual moves
        # by -Xc_v (w_c - w): X (w - w_old) is the predictors' difference (eta - b) -
        # (eta_old - b_old), so only the coordinates whose change is not rho (w - w_old)
        # (clipped, or zero now) are read from X
        mdot = 0.0
        for jj in range(ws.shape[0]):
            j = ws[jj]
            wj = w[j]
            if wj == 0.0:
                continue
            c = _extrapolated1d(wj, w_old[j], rho, pen.lo[j], pen.up[j])
            w_new[j] = c
            mdot += mu_v[j] * (c - wj)
        for t in range(n):
            r[t] -= rho * ((eta[t] - b) - (eta_old[t] - b_old)) - mdot
        for j in range(D.p):
            wj = w[j]
            lin = rho * (wj - w_old[j])
            if lin == 0.0:
                continue
            e = lin - ((w_new[j] - wj) if wj != 0.0 else 0.0)
            if e == 0.0:
                continue
            col_axpy(D, j, -e, r)  # (X e_j was taken off twice over: add it back)
    Dw = KernelDesign(D.X, D.data, D.indices, D.indptr, n, D.p, D.sparse, mu_v, v, True,
                      D.center, Vt, L_v)
    kkt_tol = max(tighten * kkt_max, 64.0 * eps * max(gmax, amax)) * f
    epochs = cd_epochs(Dw, zc, w_new, r, ws, KernelPenalty(af, bf, pen.lo, pen.up),
                       max_epochs, kkt_tol, K)
    b_new = b
    if D.center:
        b_new = zbar
        for jj in range(ws.shape[0]):
            b_new -= mu_v[ws[jj]] * w_new[ws[jj]]
    # the step in eta: the model's fitted values minus the current ones, -g/h - r
    for t in range(n):
        d_eta[t] = -d_eta[t] - r[t]
    pen_change = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        if w_new[j] != w[j]:
            pen_change += (pen.a[j] * (abs(w_new[j]) - abs(w[j]))
                           + 0.5 * pen.b[j] * (w_new[j] - w[j]) * (w_new[j] + w[j]))
    decrease = 0.0
    for t in range(n):
        decrease += sg[t] * d_eta[t]
    decrease = decrease / S + pen_change
    if -decrease < 1e-8 * abs(primal):
        # a short step: its eta from the coefficients' changes (the difference above
        # carries the rounding of g/h and r, which would swamp its decrease)
        db = b_new - b
        for t in range(n):
            d_eta[t] = db
        for jj in range(ws.shape[0]):
            j = ws[jj]
            dj = w_new[j] - w[j]
            if dj != 0.0:
                col_axpy(D, j, -dj, d_eta)
        decrease = 0.0
        for t in range(n):
            decrease += sg[t] * d_eta[t]
        decrease = decrease / S + pen_change
    if not decrease < 0.0:
        return 1, epochs, b, 0.0, 0.0
    below = -decrease <= 8.0 * eps * abs(primal)
    step = 1.0
    ok = below
    if not below:
        # the model's step first: the loss pass at its point, whose per-sample terms are
        # the next ones when the step is taken (one exp pass saved a step)
        eta_t, pr_t, g_t, sg_t = trial
        for t in range(n):
            eta_t[t] = eta[t] + d_eta[t]
        loss_t, gsum_t = logit_loss_pass(y, s, eta_t, pr_t, g_t, sg_t)
        pen_t = 0.0
        for jj in range(ws.shape[0]):
            j = ws[jj]
            pen_t += pen.a[j] * abs(w_new[j]) + 0.5 * pen.b[j] * w_new[j] * w_new[j]
        if loss_t / S + pen_t <= primal + 1e-4 * decrease:
            for jj in range(ws.shape[0]):
                j = ws[jj]
                w[j] = w_new[j]
            for t in range(n):
                eta[t] = eta_t[t]
                pr[t] = pr_t[t]
                g[t] = g_t[t]
                sg[t] = sg_t[t]
            return 3, epochs, b_new, loss_t, gsum_t
        step = 0.5
        # Armijo backtracking on the true objective
        for _ in range(40):
            f_t = 0.0
            for t in range(n):
                e = eta[t] + step * d_eta[t]
                f_t += s[t] * _loss_t(y[t], e, np.exp(-abs(e)))
            pen_t = 0.0
            for jj in range(ws.shape[0]):
                j = ws[jj]
                wt = w[j] + step * (w_new[j] - w[j])
                pen_t += pen.a[j] * abs(wt) + 0.5 * pen.b[j] * wt * wt
            if f_t / S + pen_t <= primal + 1e-4 * step * decrease:
                ok = True
                break
            step *= 0.5
    if not ok:
        return 1, epochs, b, 0.0, 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        w[j] = w[j] + step * (w_new[j] - w[j])
    for t in range(n):
        eta[t] += step * d_eta[t]
    return 2 if below else 0, epochs, b + step * (b_new - b), 0.0, 0.0


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _extrapolated_fit(D, y, w, b, eta, w_old, eta_old, b_old, rho, pen, w2, trial):
    """The path's linear extrapolation ``(w2, b2) = (w, b) + rho ((w, b) - (w_old, b_old))``
    of a fit certified at its start point ``(w, b)``: the support's signs kept (a
    coordinate that would cross zero, or is zero in w, is 0), clipped to the bounds. Its
    predictor is ``eta + rho (eta - eta_old)``, X read only for the coordinates whose
    change is not ``rho (w_j - w_old_j)``. Returns ``(b2, primal2, bc2)``: its intercept,
    objective and intercept of the centered design."""
    eta2, pr2, g2, sg2 = trial
    for t in range(D.n):
        eta2[t] = eta[t] + rho * (eta[t] - eta_old[t])
    val = 0.0
    bc2 = b2 = b + rho * (b - b_old)
    for j in range(D.p):
        wj = w[j]
        lin = rho * (wj - w_old[j])
        c = _extrapolated1d(wj, w_old[j], rho, pen.lo[j], pen.up[j]) if wj != 0.0 else 0.0
        w2[j] = c
        e = lin - (c - wj)
        if e != 0.0:
            col_axpy(D, j, e, eta2)  # (eta2 took rho (w_j - w_old_j) x_j, not c - w_j)
        if c != 0.0:
            val += value1d(c, pen.a[j], pen.b[j], pen.lo[j], pen.up[j])
            if D.center:
                bc2 += D.mu[j] * c
    loss2, _ = logit_loss_pass(y, D.s, eta2, pr2, g2, sg2)
    return b2, loss2 / D.S + val, bc2


@njit(cache=True, nogil=True, fastmath=_FM)
def logistic_path(D, y, offset, pen_unit, pen, alphas, w, bias, tol_gap, max_epochs,
                  max_steps, K, start, W, B, stats):
    """The path of fits from ``alphas[start]`` (see the module docstring), warm-started
    from ``w`` and ``bias[0]`` (the intercept; kept at 0 without centering), both
    updated in place. ``pen``'s arrays receive ``alpha * pen_unit``. Column i of ``W``,
    ``B[i]`` and row i of ``stats`` (gap, primal, converged, epochs, Newton steps) get
    the fit at ``alphas[i]``; ``max_epochs`` and ``max_steps`` are per fit.

    Returns the number of alphas when every fit ran here, else the index of the fit
    handed back (``w`` and ``bias`` hold its current point, its row of ``stats`` the
    epochs and steps spent).
    """
    n, p = D.n, D.p
    s = D.s
    m = alphas.shape[0]
    eps = np.finfo(np.float64).eps
    eta = np.empty(n)
    pr = np.empty(n)
    g = np.empty(n)
    sg = np.empty(n)
    V = np.empty(p)
    Vws = np.empty(p)
    in_ws = np.zeros(p, dtype=np.bool_)
    ws_buf = np.empty(p, dtype=np.int64)
    w_old = np.zeros(p)  # the previous alpha's solution
    w_start = np.zeros(p)
    eta_old = np.zeros(n)  # and its predictor and intercept
    w2 = np.empty(p)  # an extrapolated fit
    eta_start = np.zeros(n)
    b_old = b_start = 0.0
    trial = (np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    S = D.S
    bufs = (np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.zeros(p), np.zeros(p),
            np.zeros(p), np.zeros(p), np.empty(p))
    b = bias[0]
    # the state at the start point: predictor, intercept, loss terms, full gradient
    logit_predictor(D, w, b, offset, eta)
    if D.center:
        b += logit_intercept_shift(y, s, eta)
    loss, gsum = logit_loss_pass(y, s, eta, pr, g, sg)
    logit_full_grad(D, g, V)
    prev = alphas[start - 1] if start > 0 else alphas[start]
    # the alphas at which w and w_old were computed (0: unknown, no extrapolation)
    a_cur = prev if start > 0 else 0.0
    a_prev = 0.0
    gap = primal = 0.0
    moved = 0  # steps since eta was last computed afresh
    for i in range(start, m):
        alpha = alphas[i]
        set_alpha(pen_unit, pen, alpha, 1.0, 1.0)
        epochs = int(stats[i, 3])
        steps = int(stats[i, 4])
        # the sequential strong rule's threshold, relative to a_j
        ratio = 2.0 - prev / alpha
        prev = alpha
        if ratio < 0.5:
            ratio = 1.0  # a coarse grid: the KKT violations only (not every feature)
        # the working set: the support and the strong rule's features
        k = 0
        for j in range(p):
            in_ws[j] = False
            if w[j] != 0.0 or abs(V[j]) > ratio * pen.a[j]:
                in_ws[j] = True
                ws_buf[k] = j
                k += 1
        ws = ws_buf[:k]
        target = _WS_FRAC * tol_gap
        tighten = 1.0
        stall = 0
        primal_prev = np.inf
        handed = False
        fresh = True  # eta computed afresh from w (not moved by steps since)
        rounds = 0
        steps_here = 0
        # the path's extrapolation factor: log(alpha / a_cur) over the last move's
        rho = 0.0
        if a_prev > 0.0:
            rho = np.log(alpha / a_cur) / np.log(a_cur / a_prev)
            if not (0.0 < rho <= _RHO_MAX):
                rho = 0.0
        for j in range(p):
            w_start[j] = w[j]
        for t in range(n):
            eta_start[t] = eta[t]
        b_start = b
        last_rounding = np.inf  # the gap at the last step below rounding
        trying = False  # the step of an alpha certified at its start point
        stored = False  # its fit the extrapolation (w2, b2), not the path's point
        b2 = primal2 = gap2 = 0.0
        while True:
            # the full certificate (V, loss, gsum, g are current at (w, b, eta))
            gap, primal, dual, c_dual = logit_full_gap(D, y, offset, w, b, g, loss, gsum, V,
                                                       pen)
            floor = 16.0 * eps * max(abs(primal), abs(dual))
            certified = gap <= tol_gap or gap <= floor
            if trying:
                trying = False
                rounds = 0  # (that step's round does not tighten the next target)
            if certified and (fresh or (tol_gap >= _DRIFT_TOL and moved <= _DRIFT_STEPS)):
                if (steps_here > 0 or gap <= floor or k == 0 or epochs >= max_epochs
                        or steps >= max_steps):
                    stats[i, 2] = 1.0
                    break
                if rho > 0.0 and tol_gap >= _DRIFT_TOL:
                    # certified at its start point (the last alpha's solution): the path's
                    # extrapolation is the fit stored when it lowers the objective; the dual
                    # point that certified w then certifies it (its gap drops by as much),
                    # and the path goes on from w, whose gradient is known
                    b2, primal2, bc2 = _extrapolated_fit(D, y, w, b, eta, w_old, eta_old,
                                                         b_old, rho, pen, w2, trial)
                    if primal2 < primal:
                        slack = 0.0
                        if D.center:
                            slack = abs(bc2 * c_dual * gsum / S)
                        gap2 = max(primal2 - dual + slack, 0.0)
                        if gap2 <= tol_gap:
                            stored = True
                            stats[i, 2] = 1.0
                            break
                # else one Newton step all the same, then the certificate as for any step
                trying = True
                certified = False
            if certified:
                # certify at eta afresh (no drift of the steps' updates)
                moved = 0
                logit_predictor(D, w, b, offset, eta)
                if D.center:
                    b += logit_intercept_shift(y, s, eta)
                loss, gsum = logit_loss_pass(y, s, eta, pr, g, sg)
                logit_full_grad(D, g, V)
                fresh = True
                continue
            if epochs >= max_epochs or steps >= max_steps:
                break
            if primal_prev - primal <= 8.0 * eps * abs(primal):
                stall += 1
                if stall >= _MAX_STALL:
                    handed = True
                    break
            else:
                stall = 0
            primal_prev = primal
            # the KKT violations outside the working set join it
            added = 0
            for j in range(p):
                if not in_ws[j] and w[j] == 0.0:
                    if kkt1d(0.0, -V[j], pen.a[j], pen.lo[j], pen.up[j]) > 0.0:
                        in_ws[j] = True
                        added += 1
            if added:
                k = 0
                for j in range(p):
                    if in_ws[j]:
                        ws_buf[k] = j
                        k += 1
                ws = ws_buf[:k]
            elif rounds > 0:
                target *= 0.1  # the working set's gap was not small enough
            rounds += 1
            for jj in range(k):
                Vws[jj] = V[ws[jj]]
            # prox-Newton on the working set: one step when it holds half the features
            # or more (the full certificate then costs about what its own would), else
            # steps to its own gap target
            local = 2 * k < p
            while True:
                if trying and steps_here > 0:
                    break  # (a forced step whose model gave no descent: the start stays)
                gap_ws, primal_ws = logit_ws_gap(D, y, offset, w, b, g, loss, gsum, Vws, ws, pen)
                if ((gap_ws <= target and not trying) or epochs >= max_epochs
                        or steps >= max_steps):
                    break
                steps += 1
                frac = tighten * min(_KKT_HI, max(_KKT_LO, np.sqrt(target / gap_ws)))
                status, used, b, loss_t, gsum_t = _model_step(
                    D, y, offset, ws, w, b, eta, pr, g, sg, Vws,
                                              pen, primal_ws, frac, bufs,
                                              max(min(max_epochs - epochs,
                                                      _FIRST_EPOCHS if steps_here == 0
                                                      else max_epochs), 1), K, w_old,
                                              eta_old, b_old,
                                              rho if steps_here == 0 else 0.0, trial)
                steps_here += 1
                epochs += used
                if status == 1:
                    # no descent from the model: solve it more accurately
                    tighten *= 1e-3
                    if tighten < 10.0 ** (-3 * _MAX_TIGHTEN):
                        handed = True
                        break
                    continue
                fresh = False
                moved += 1
                if status == 2:
                    # taken on trust (below rounding) while such steps shrink the gap
                    if not gap_ws < last_rounding:
                        handed = True
                        break
                    last_rounding = gap_ws
                if status == 3:
                    loss, gsum = loss_t, gsum_t
                    # the intercept is the model's: re-optimized only when its residual
                    # sum could weigh in the gap (the slack |b_c gsum| / S)
                    if D.center and abs(logit_centered_intercept(D, w, b) * gsum) > \
                            _SLACK_FRAC * tol_gap * S:
                        b += logit_intercept_shift(y, s, eta)
                        loss, gsum = logit_loss_pass(y, s, eta, pr, g, sg)
                else:
                    if D.center:
                        b += logit_intercept_shift(y, s, eta)
                    loss, gsum = logit_loss_pass(y, s, eta, pr, g, sg)
                if not local or trying:
                    break  # (a forced step: the full certificate next, no own gradient)
                logit_ws_grad(D, ws, sg, gsum, Vws)
            if handed:
                break
            logit_full_grad(D, g, V)
        stats[i, 3] = epochs
        stats[i, 4] = steps
        bias[0] = b
        if steps_here > 0:
            # (w_old, a_prev) -> (w, a_cur): the last move of the path; an alpha
            # certified at its start point leaves both (the next one extrapolates over
            # the alphas since)
            for j in range(p):
                w_old[j] = w_start[j]
            for t in range(n):
                eta_old[t] = eta_start[t]
            b_old = b_start
            a_prev = a_cur
            a_cur = alpha
        if handed:
            return i
        if stored:
            stats[i, 0] = gap2
            stats[i, 1] = primal2
            for j in range(p):
                W[j, i] = w2[j]
            B[i] = b2
            continue
        stats[i, 0] = gap
        stats[i, 1] = primal
        for j in range(p):
            W[j, i] = w[j]
        B[i] = b
    return m
