"""Engine ``coupled_newton``: prox-Newton for losses whose terms couple samples (Cox).

The Hessian of such a loss in the linear predictor is not diagonal (Cox: a diagonal
minus one rank-one term per event time), so a reweighted least-squares model (glmnet's
diagonal approximation) gives a slowly converging Newton method. Here each step takes the
exact Hessian on a working set (the support, the unpenalized features and the largest KKT
violations) in the datafit's diagonal-minus-low-rank form ``X' diag(h) X - M' diag(om) M``
(``datafit.hessian_lowrank``), solves the penalized quadratic model by coordinate descent
at O(n + T) per coordinate (:mod:`penalized.solvers.kernels.lowrank`; the k x k Hessian is
never formed), and backtracks (Armijo) on the true objective. Steps converge
quadratically near the optimum. A working set wider than ``_MAX_BLOCK`` features (whose
dense columns would not fit comfortably) uses the diagonal model instead, solved by the
weighted least-squares engines of ``prox_newton``.

The datafit gives, bound to the rows and weights (``datafit.bind(y, s)``): the loss, the
gradient and Hessian diagonal per sample, ``hessian_lowrank(y, eta, Xc)`` and the
conjugate (bound) of ``conjugate_at``. On dense float64 X with every feature penalized
the same steps run in one numba call (:mod:`penalized.solvers.kernels.cox`; a working set
wider than ``_MAX_BLOCK`` comes back to this loop). Certificate:
:func:`penalized.solvers.certificate.glm_gap`, the duality gap with the dual point
``c grad``; the loss has no intercept (shift-invariant), so the design is used uncentered
and the intercept is 0.
"""

import numpy as np

from .certificate import glm_gap
from .design import Design
from .line_search import Along, backtrack, below_rounding, design_eps
from .prox_newton import _rmatvec, _weighted_ls, inner_tol
from .result import CRITERION_NAMES, SolveResult, warn_not_converged

__all__ = ["coupled_solve"]

_EPS = np.finfo(float).eps
_MAX_BLOCK = 5000  # widest working set stepped with the exact Hessian (dense columns)
# inner CD stops at this fraction of the outer KKT violation (0.01 ran 11 epochs over the
# 3 steps of a 2000 x 100 fit, 0.1 runs 8 and reaches the same optimum to 5e-9 of the gain
# over the null model; 500 x 1000: 47 -> 22 epochs)
_KKT_FRAC = 0.1
_WS_EXTRA = 50  # violations added to the support at least, each step
_UNREPRESENTABLE = (
    "The offset spreads the linear predictor over more than float64's range of exp "
    "(a spread above about 700 within a stratum): the Cox partial likelihood at the "
    "offset alone is not representable. Center or rescale the offset.")


def coupled_solve(design, y, loss, pen, *, offset=None, tol=1e-4, max_iter=1000,
                  coef_init=None, intercept_init=None, verbose=0, warn=True, max_steps=None):
    """Minimize ``L(X w + offset) / S + penalty(w)`` for a coupled loss ``L``;
    ``max_iter`` caps the CD epochs of all the steps' models, ``max_steps`` (when given)
    the prox-Newton steps."""
    del intercept_init  # no intercept
    if design.center:
        design = Design(design.X, design.s if design.weighted else None, False)
    y = np.asarray(y, dtype=np.float64)
    s, S = design.s, design.S
    offset = np.zeros(design.n) if offset is None else np.asarray(offset, dtype=np.float64)
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    unpen = pen.unpenalized
    epochs = 0
    steps = 0
    converged = False
    history = []
    tol_gap = None
    if _kernel_ok(design, unpen, verbose):
        # the same steps in one numba call (the risk-set order and the saturated loss
        # too); a step it does not take comes back here
        from .kernels.cox import cox_newton

        eta = np.empty(design.n)
        status, epochs, steps, gap, primal, tol_gap = cox_newton(
            design.X, np.ascontiguousarray(y), s, loss.ties_code, offset, w, pen.kernel,
            float(tol), max_iter, 2**62 if max_steps is None else max_steps, _MAX_BLOCK,
            _KKT_FRAC, _WS_EXTRA, eta)
        if status == 3:
            raise ValueError(_UNREPRESENTABLE)
        history.append((epochs, gap))
        if status < 2:
            if status == 1 and warn:
                _warn(loss, gap, tol_gap, tol, max_iter, max_steps, steps, epochs)
            return SolveResult(coef=w, intercept=0.0, dual_gap=float(gap), tol_gap=tol_gap,
                               n_iter=max(epochs, 1), converged=status == 0,
                               primal=float(primal), history=history,
                               engine="coupled_newton", n_steps=steps,
                               criterion=loss.criterion, eta=eta)
    loss = loss.bind(y, s)
    eta = design.predictor(w, 0.0, offset) if np.any(w) else offset
    if tol_gap is None:
        # the null model's excess loss (at eta = offset: the first certificate reuses its
        # sums)
        null = offset if eta is offset else offset.copy()
        with np.errstate(over="ignore", invalid="ignore"):
            scale = loss.value(y, null, s) - float(s @ loss.saturated(y)) / S
        if not np.isfinite(scale):
            raise ValueError(_UNREPRESENTABLE)
        tol_gap = tol * max(scale, np.finfo(float).tiny)
        if not np.isfinite(loss.value(y, eta, s)):
            # a warm start whose loss is not representable: start from the null model
            w[:] = 0.0
            eta = null
    tight = 1.0
    # the rounding level of the design's products (float32 X: float32 predictors, whose
    # steps cannot be resolved below eps32; at eps64 each model ran its whole budget)
    eps = design_eps(design)
    rmatvec = (lambda u: _rmatvec(design, u))  # noqa: E731
    primal_prev, flat = np.inf, 0  # steps in a row that left the objective unchanged
    while True:
        gap, primal, kkt_u, grad, g = glm_gap(design, y, loss, w, 0.0, eta, pen, unpen,
                                              offset, rmatvec)
        history.append((epochs, gap))
        if verbose:
            print(f"[penalized:{loss.name}] step={steps:4d} epochs={epochs:6d} "
                  f"primal={primal:.12e} gap={gap:.3e} tol={tol_gap:.3e} "
                  f"nnz={np.count_nonzero(w)}")
        wmax = float(np.max(np.abs(w[unpen]), initial=0.0))
        if gap <= tol_gap and kkt_u * (1.0 + wmax) <= tol_gap:
            converged = True
            break
        # float32 X: an objective unchanged to its rounding level for 5 steps in a row
        # means the gap is at the products' rounding noise, more steps cannot lower it
        # (tol=1e-8: each fold of CoxPHCV ran its 100,000 epochs, 30 s)
        flat = flat + 1 if eps > _EPS and primal_prev - primal <= 8 * eps * abs(primal) else 0
        primal_prev = primal
        if epochs >= max_iter or tight < 1e-12 or flat >= 5 or (max_steps is not None
                                                                and steps >= max_steps):
            break
        ws, kkt_max = _working_set(pen, w, grad, unpen)
        kkt_floor = 64 * eps * max(float(np.max(np.abs(grad), initial=0.0)),
                                    float(np.max(pen.a, initial=0.0)))
        budget = min(max(max_iter - epochs, 1), 10_000)
        if ws.size <= _MAX_BLOCK:
            w_new, used = _block_step(design, y, loss, pen, w, grad, eta, ws,
                                      max(_KKT_FRAC * kkt_max * tight, kkt_floor), budget)
        else:
            w_new, used = _diagonal_step(design, y, loss, pen, w, eta, offset, gap, tol_gap,
                                         tight, budget)
        epochs += used
        steps += 1
        d_eta = design.predictor(w_new - w, 0.0, 0.0)
        decrease = float(grad @ (w_new - w)) + pen.value_change(w, w_new)
        if not decrease < 0:
            tight *= 1e-3
            continue
        if below_rounding(decrease, primal, eps):
            t, eta_t = 1.0, eta + d_eta  # a rounding-level step: take it, the gap decides
        else:
            # the accepted eta_t is the object the next certificate evaluates (the
            # datafit's sums are cached for it)
            along = Along(loss, y, s, S, pen, w, w_new - w, eta, d_eta)
            t = backtrack(along, primal, decrease)
            if t is None:
                tight *= 1e-3
                continue
            eta_t = along.eta_t
        w = w + t * (w_new - w)
        eta = eta_t
    if not converged and warn:
        _warn(loss, gap, tol_gap, tol, max_iter, max_steps, steps, epochs)
    return SolveResult(coef=w, intercept=0.0, dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history, engine="coupled_newton", n_steps=steps,
                       criterion=loss.criterion)


def _kernel_ok(design, unpen, verbose):
    """Whether the steps run in one numba call (:mod:`penalized.solvers.kernels.cox`):
    a dense float64 design, every feature penalized, no per-step output."""
    X = design.X
    return (not design.sparse and X.dtype == np.float64 and X.flags.f_contiguous
            and not unpen.size and not verbose and design.p > 0)


def _warn(loss, gap, tol_gap, tol, max_iter, max_steps, steps, epochs):
    if max_steps is not None and steps >= max_steps:
        warn_not_converged(f"Prox-Newton ({loss.name})", gap, tol_gap, tol,
                           "the null model's excess loss", max_iter=max_steps,
                           unit="Newton steps (max_iter)", stacklevel=5,
                           criterion=CRITERION_NAMES[loss.criterion])
    else:
        warn_not_converged(f"Prox-Newton ({loss.name})", gap, tol_gap, tol,
                           "the null model's excess loss", max_iter=max_iter,
                           stalled=epochs < max_iter, stacklevel=5,
                           criterion=CRITERION_NAMES[loss.criterion])


def _working_set(pen, w, grad, unpen):
    """(working set, largest KKT violation): the support, the unpenalized features and
    the largest KKT violations (half the support's size, at least ``_WS_EXTRA``)."""
    score = pen.kkt(w, grad)
    kkt_max = float(np.max(score, initial=0.0))
    score[w != 0] = np.inf
    score[unpen] = np.inf
    cand = np.flatnonzero(score > 0)
    nnz = int(np.count_nonzero(w))
    size = nnz + unpen.size + max(_WS_EXTRA, nnz // 2)
    if cand.size > size:
        cand = np.sort(cand[np.argpartition(score[cand], -size)[-size:]])
    return cand, kkt_max


def _block_step(design, y, loss, pen, w, grad, eta, ws, kkt_tol, budget):
    """The exact prox-Newton step on the features ``ws`` (the others fixed): CD on the
    diagonal-minus-low-rank model (:mod:`penalized.solvers.kernels.lowrank`)."""
    from .kernels.lowrank import lowrank_cd

    Xc = np.asfortranarray(design.columns(ws), dtype=np.float64)
    h, M, om = loss.hessian_lowrank(y, eta, Xc)
    w_ws = np.ascontiguousarray(w[ws])
    used = lowrank_cd(Xc, np.arange(ws.size, dtype=np.int64), np.ascontiguousarray(h),
                      np.ascontiguousarray(M.T), om,
                      np.ascontiguousarray(grad[ws]), w_ws, pen.subset(ws).kernel, design.S,
                      budget, kkt_tol)
    w_new = w.copy()
    w_new[ws] = w_ws
    return w_new, used


def _diagonal_step(design, y, loss, pen, w, eta, offset, gap, tol_gap, tight, budget):
    """The step of the diagonal model (weighted least squares on the working response),
    for working sets too large for a dense Hessian block."""
    s, S = design.s, design.S
    g, h = loss.derivatives(y, eta)
    h = np.maximum(h, loss.hess_floor * max(float(np.max(h)), 1.0))
    z = eta - offset - g / h
    wdesign = design.reweighted(s * h)
    f = S / wdesign.S
    pen_h = pen.scaled(f, f)
    w_new, _, used = _weighted_ls(wdesign, z, pen_h, w,
                                  tight * inner_tol(wdesign, z, gap, f, tol_gap), budget)
    return w_new, used
