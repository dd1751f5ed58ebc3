"""Prox-Newton (IRLS) for penalized GLMs with a per-sample loss.

Each outer step builds the quadratic model of ``1/S sum_i s_i l_i(eta_i)`` at the current
linear predictor, i.e. a penalized weighted least-squares problem with working response
``z = eta - l'/l''`` and weights ``s * l''``, solves it with the working-set CD solver
(warm-started), and takes the step along the direction it gives with an Armijo line
search on the true objective, so every step decreases it. Before each certificate the
intercept is optimized exactly (1-D safeguarded Newton), which makes the dual point
feasible in the intercept's direction.

Certificate: the duality gap ``P(w, b) - D(u)`` with ``u = c l'(eta)`` (``c`` scales
``u`` into the conjugate's domain, as for the Lasso); the stopping rule is
``gap <= tol * (null loss - saturated loss)``, the loss of the intercept-only model above
the best achievable one (the analogue of the variance of y for least squares).

Which inner solve runs:

* wide designs: an outer working-set loop (the support plus the largest KKT violations,
  at least ``_P0_GLM`` features) around prox-Newton on the working set, whose models are
  solved by weighted residual CD epochs; plain-L1 logistic without intercept on sparse or
  dense float64 X runs those rounds and their steps in one numba call
  (:mod:`penalized.solvers.kernels.logistic`);
* tall designs (``n >= 4 k`` and short rows, see
  :func:`~penalized.solvers.engine.newton_model_engine`): prox-Newton on the
  full problem, each step's model solved on the weighted Gram matrix of a per-step working
  set (CD epochs on a k x k matrix instead of passes over the nonzeros).

Every path stops on the same full-problem certificate.
"""

import numpy as np

from .certificate import glm_gap
from .direct import ridge_direct
from .engine import newton_kernel_ok, newton_model_engine
from .kernels.cd import ANDERSON_K
from .least_squares import solve_least_squares
from .line_search import Along, RoundingSteps, backtrack, below_rounding, design_eps
from .result import CRITERION_NAMES, SolveResult, warn_not_converged

__all__ = ["glm_solve"]

_H_FLOOR = 1e-10
_EPS = np.finfo(float).eps
_WS_MIN = 50  # below this many features, prox-Newton runs on all of them
_MAX_INNER = 2000  # epochs per prox-Newton model; the outer loop decides what follows
# first working set of the outer loop: on wide problems each round costs Python overhead
# more than CD work, so start large (dexter 0.01: 8 rounds at 20, 5 at 100)
_P0_GLM = 100
_P0_STEP = 20  # smallest per-step working set of the Gram-solved Newton steps
# inner stopping: the model's KKT violation below this fraction of the outer one. Epochs on
# the Gram matrix cost little next to building it, so those models are solved tighter:
# more exact Newton steps, fewer of them (a9a 0.01 at tol 1e-3: 36 -> 29 ms, and a point
# 100 times closer to the optimum)
_KKT_RES = 0.3
_KKT_GRAM = 0.01
# Newton steps on tightly solved models in a row that do not bring the gap under 0.9 times
# its smallest value so far: the gap is at its rounding level, the solve stops (a Huber fit
# on float32 X whose scale collapses: the gap stayed at 8e-10 against 4.8e-10 for 7 steps
# of 2000 epochs each, while its objective moved by 1e-6 relative)
_FLAT_STEPS = 6


def linear_predictor(design, w, b, offset):
    """X w + b + offset for the design's raw (uncentered) X."""
    return design.predictor(w, b, offset)


def _rmatvec(design, u):
    """Xc' u (float64), as ``design.rmatvec``."""
    if not design.sparse:
        return design.rmatvec(u)
    from .kernels.sparse import csc_rmatvec

    X = design.X
    return design.rmatvec(u, raw=csc_rmatvec(X.indptr, X.indices, X.data, u))


def inner_tol(wdesign, z, gap, f, tol_gap):
    """Relative tol for the weighted least-squares model so that its gap, in the outer
    objective's units, is a tenth of the current outer gap (but no tighter than needed)."""
    zbar = float(wdesign.s @ z) / wdesign.S if wdesign.center else 0.0
    var = float(wdesign.s @ (z - zbar) ** 2) / wdesign.S
    target = 0.1 * max(gap, 0.1 * tol_gap) * f
    return min(1e-2, target / max(var, 1e-300))


def start_point(design, y, loss, pen, offset, coef_init, intercept_init):
    """The start of a prox-Newton solve: y and the offset as float64 arrays, ``coef_init``
    clipped to the bounds (0 by default) and the intercept (the loss's own start, the
    offset's weighted mean taken out, unless given; 0 without centering)."""
    y = np.asarray(y, dtype=np.float64)
    offset = np.zeros(design.n) if offset is None else np.asarray(offset, dtype=np.float64)
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    b = 0.0
    if design.center:
        b = (float(intercept_init) if intercept_init is not None
             else loss.intercept_start(y, design.s) - float(np.average(offset, weights=design.s)))
    return y, offset, w, b


def glm_solve(design, y, loss, pen, *, offset=None, tol=1e-4, max_iter=1000, coef_init=None,
              intercept_init=None, verbose=0, warn=True, max_steps=None):
    """Minimize ``1/S sum_i s_i l_i(x_i.w + b + offset_i) + penalty(w)`` by prox-Newton.

    With many features, prox-Newton runs on a working set (the support and the features
    that violate their optimality condition most, doubling each time); the certificate
    and the stopping rule are always on the full problem. ``max_iter`` caps the CD epochs
    of all the steps' models, ``max_steps`` (when given) the prox-Newton steps.
    """
    steps = _Steps(max_steps)
    y, offset, w, b = start_point(design, y, loss, pen, offset, coef_init, intercept_init)
    scale = loss.tol_scale(y, design.s, offset, design.center)
    gram = newton_model_engine(design)
    if design.p <= _WS_MIN or gram is not None or pen.smooth:
        # few features, a tall design whose Newton steps run on the Gram matrix of a
        # per-step working set, or a smooth penalty (no L1 part, no bounds: every feature
        # is in the model, and a working set would leave some at an exact, spurious zero):
        # prox-Newton on the full problem
        return _newton(design, y, loss, pen, offset, w, b, scale, tol, max_iter, verbose, warn,
                       gram, steps)
    s = design.s
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    unpen = pen.unpenalized
    epochs = 0
    history = []
    eta = None
    if newton_kernel_ok(design, loss, pen, None, verbose):
        # the rounds below and their steps in one numba call (the Python overhead of a
        # round, about 1 ms on dexter, cost more than its steps); a step it cannot take
        # comes back to this loop, from where it got
        from .kernels.logistic import logistic_l1_ws

        res, epochs, eta = _kernel_result(
            logistic_l1_ws(design.kernel(sqnorms=False), y, offset, w, pen.kernel, tol,
                           tol_gap, scale, max_iter, min(steps.left(), 2**31), _MAX_INNER,
                           ANDERSON_K, _P0_GLM),
            w, b, loss, tol, tol_gap, max_iter, steps, history, warn)
        if res is not None:
            return res
    converged = False
    stalled = 0
    primal_prev = np.inf
    while True:
        if eta is None:
            eta = linear_predictor(design, w, b, offset)
        if design.center:
            d = loss.optimize_intercept(y, eta, s)
            b, eta = b + d, eta + d
        gap, primal, kkt_u, grad, g = glm_gap(design, y, loss, w, b, eta, pen, unpen, offset,
                                              lambda u: _rmatvec(design, u))
        history.append((epochs, gap))
        if verbose:
            print(f"[penalized:{loss.name}] outer epochs={epochs:5d} primal={primal:.10e} "
                  f"gap={gap:.3e} tol={tol_gap:.3e} nnz={np.count_nonzero(w)}")
        crit_u = kkt_u * (1.0 + float(np.max(np.abs(w[unpen])))) if unpen.size else 0.0
        if gap <= tol_gap and crit_u <= tol_gap:
            converged = True
            break
        if epochs >= max_iter or steps.spent():
            break
        # the objective no longer moves beyond rounding error: more rounds cannot help
        if primal_prev - primal <= 8 * design_eps(design) * abs(primal):
            # no progress: the working-set problem was solved too loosely to move, or the
            # objective is flat to rounding: tighten, and stop once tightening is exhausted
            stalled += 1
            if stalled >= 6:
                break
        else:
            stalled = 0
        primal_prev = primal
        score = pen.kkt(w, grad)
        score[w != 0] = np.inf
        score[unpen] = np.inf
        nnz = int(np.count_nonzero(w))
        cand = np.flatnonzero(score > 0)
        size = max(_P0_GLM, 2 * nnz)
        ws = cand[np.argpartition(score[cand], -size)[-size:]] if cand.size > size else cand
        ws = np.sort(ws)
        sub = design.subset(ws)
        pen_ws = pen.subset(ws)
        # each round solves its working set to a tenth of the current gap: wide problems pay
        # more for a round (Python overhead, a full gap) than for a tighter subproblem
        tol_in = min(max(0.1 * gap / max(scale, 1e-300), 0.3 * tol), 0.1) * 0.01**stalled
        # the round starts where this gap was just computed: it is a certificate for the
        # working-set problem too (its dual point is feasible there, and w is 0 off the
        # set), so the round does not compute the same predictor and gap again (for
        # Tweedie a per-sample Newton solve: 2 of 8 conjugates of a fit)
        res = _newton(sub, y, loss, pen_ws, offset, w[ws], b, scale, tol_in,
                      max(max_iter - epochs, 1), 0, False, False, steps,
                      first=(eta, gap, primal, kkt_u, grad[ws], g))
        epochs += res.n_iter
        w[ws] = res.coef
        b = res.intercept
        # the round's predictor is the whole problem's (w is 0 off the working set, which
        # holds the support): no pass over X for it (a tenth of a round on dexter)
        eta = res.eta
    if not converged and warn:
        _warn(loss, max_iter, gap, tol_gap, tol, epochs, steps, crit_u)
    return SolveResult(coef=w, intercept=float(b), dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history, engine="prox_newton", n_steps=steps.n,
                       criterion=loss.criterion, eta=eta)


def _kernel_result(out, w, b, loss, tol, tol_gap, max_iter, steps, history, warn):
    """``(result, epochs, eta)`` of a logistic kernel's run ``out = (status, epochs, steps,
    gap, primal, eta)`` at ``(w, b)``, its steps and certificate counted in ``steps`` and
    ``history``; ``result`` is None when the kernel handed back (status 2)."""
    status, epochs, n_steps, gap, primal, eta = out
    steps.n += n_steps
    history.append((epochs, gap))
    if status == 2:
        return None, epochs, eta
    if status == 1 and warn:
        _warn(loss, max_iter, gap, tol_gap, tol, epochs, steps)
    return (SolveResult(coef=w, intercept=float(b), dual_gap=float(gap), tol_gap=tol_gap,
                        n_iter=max(epochs, 1), converged=status == 0, primal=float(primal),
                        history=history, engine="prox_newton", n_steps=steps.n,
                        criterion=loss.criterion, eta=eta), epochs, eta)


class _Steps:
    """The prox-Newton steps taken, against an optional budget (``max_steps``)."""

    def __init__(self, budget):
        self.budget, self.n = budget, 0

    def spent(self):
        return self.budget is not None and self.n >= self.budget

    def left(self):
        return 2**62 if self.budget is None else max(self.budget - self.n, 0)


def _gram_model(plan, wdesign, z, ws):
    """The prox-Newton model on the features ``ws`` (the others at zero) as
    ``1/2 w'Gw - q'w`` (centered, weighted, 1/V-scaled)."""
    v, V = wdesign.s, wdesign.S
    zc = z - float(v @ z) / V if wdesign.center else z
    if plan == "gram_dense" or wdesign.ill_centered(ws):
        # dense (or sparse columns with large means): center explicitly (no
        # cancellation between X'VX and V mu mu')
        Xc = wdesign.columns(ws)
        vX = Xc * v[:, None]
        G = (Xc.T @ vX) / V
        q = (vX.T @ zc) / V
    else:
        from .kernels.sparse import csc_weighted_gram_ws

        X = wdesign.X
        if not X.has_sorted_indices:  # the kernel walks each column's rows in order
            X = X.sorted_indices()
        G, q = csc_weighted_gram_ws(X.indptr, X.indices, X.data, v, v * zc,
                                    ws.astype(np.int64), wdesign.n)
        G /= V
        q /= V
        if wdesign.center:
            G -= np.outer(wdesign.mu[ws], wdesign.mu[ws])
    if wdesign.center:
        # columns constant up to rounding under centering carry no information
        scale = np.abs(wdesign.mu[ws]) + np.sqrt(np.maximum(np.diag(G), 0.0))
        flat = np.flatnonzero(np.diag(G) <= (64 * np.finfo(wdesign.dtype).eps * scale) ** 2)
        if flat.size:
            G[flat, :] = 0.0
            G[:, flat] = 0.0
    return G, q


def _step_ws(pen, w, grad, unpen):
    """Features of one Gram-solved Newton step: the support, the unpenalized ones and the
    largest optimality violations (twice the support's size, at least ``_P0_STEP``)."""
    score = pen.kkt(w, grad)
    score[w != 0] = np.inf
    score[unpen] = np.inf
    cand = np.flatnonzero(score > 0)
    size = max(_P0_STEP, 2 * int(np.count_nonzero(w)))
    if cand.size > size:
        cand = np.sort(cand[np.argpartition(score[cand], -size)[-size:]])
    return cand


def _weighted_ls(wdesign, z, pen, w, tol, max_iter, kkt_tol=None, gram=None, ws=None,
                 smooth=None):
    """Solve the prox-Newton model: closed form without L1 part or bounds; else CD epochs
    straight on the kernel (on the Gram matrix of the features ``ws``, the others staying
    at zero, when ``gram`` is a Gram plan) until the KKT violation is below ``kkt_tol``
    (when given), or the working-set engine to relative gap ``tol``. ``smooth``: the
    penalty's :attr:`~penalized.penalties.separable.PenaltyArrays.smooth` when the caller
    knows it (a scan of its arrays each step otherwise)."""
    from .kernels.cd import cd_epochs_call, cd_gram

    center = wdesign.center
    zbar = float(wdesign.s @ z) / wdesign.S if center else 0.0
    if pen.smooth if smooth is None else smooth:
        w_new = ridge_direct(wdesign, z - zbar, pen.b)
        if w_new is not None:
            b_new = zbar - float(wdesign.mu @ w_new) if center else 0.0
            return w_new, b_new, 1
    if kkt_tol is None:
        sub = solve_least_squares(wdesign, z, pen, "working_set", tol=tol, max_iter=max_iter,
                                  coef_init=w, warn=False, newton=False)
        return sub.coef, (sub.intercept if center else 0.0), sub.n_iter
    if gram in ("gram_dense", "gram_sparse"):
        ws = np.arange(wdesign.p) if ws is None else ws
        G, q = _gram_model(gram, wdesign, z, ws)
        w_ws = w[ws]
        used = cd_gram(G, q, w_ws, pen.subset(ws).kernel, max_iter, kkt_tol)
        w = w.copy()
        w[ws] = w_ws
        b_new = zbar - float(wdesign.mu @ w) if center else 0.0
        return w, b_new, used
    yc = z - zbar
    w = w.copy()
    r = yc - wdesign.matvec(w)
    used = cd_epochs_call(wdesign.kernel(), yc, w, r, np.arange(wdesign.p, dtype=np.int64),
                     pen.kernel, max_iter, kkt_tol, ANDERSON_K)
    b_new = zbar - float(wdesign.mu @ w) if center else 0.0
    return w, b_new, used


def _warn(loss, max_iter, gap, tol_gap, tol, epochs, steps, crit_u=0.0):
    """Warn with the criterion that failed: the duality gap (the critical-point criterion
    of a non-convex loss), or (that being met) the unpenalized features' optimality
    violation ``crit_u``."""
    criterion = CRITERION_NAMES[loss.criterion]
    if gap <= tol_gap < crit_u:
        gap, criterion = crit_u, "unpenalized features' optimality violation"
    if steps.spent():
        warn_not_converged(f"Prox-Newton ({loss.name})", gap, tol_gap, tol,
                           "the null model's excess loss", max_iter=steps.budget,
                           unit="Newton steps (max_iter)", stacklevel=5,
                           criterion=criterion)
        return
    warn_not_converged(f"Prox-Newton ({loss.name})", gap, tol_gap, tol,
                       "the null model's excess loss", max_iter=max_iter,
                       stalled=epochs < max_iter, stacklevel=5, criterion=criterion)


def _newton(design, y, loss, pen, offset, w, b, scale, tol, max_iter, verbose, warn,
            gram=False, steps=None, first=None):
    """Prox-Newton on all the design's features (see the module docstring); ``gram`` is
    the plan of :func:`~penalized.solvers.engine.newton_model_engine` (computed here when
    False). ``first``: ``(eta, gap, primal, kkt_unpenalized, gradient in w, l'(eta))`` at
    the start, known to the caller (the gap and the unpenalized features' violation may
    be any upper bounds of this problem's at w)."""
    s, S = design.s, design.S
    if first is None:
        eta = linear_predictor(design, w, b, offset)
    else:
        eta, first = first[0], first[1:]
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    unpen = pen.unpenalized
    epochs = 0
    converged = False
    gap = np.inf
    primal = np.inf
    history = []
    tight = 1.0
    best_gap, flat = np.inf, 0  # the smallest gap so far, the steps since it shrank
    bound = loss.hess_bound
    majorize = False  # use the Hessian bound (an MM step that always descends)
    # steps below the objective's rounding level are taken on trust, while they still
    # shrink the gap
    rounding = RoundingSteps()
    # the objective's rounding level is X's: float32 X gives float32 predictors (a step's
    # decrease below eps32 |F| is not measurable there, and its certificate stalls at
    # that level: such steps, taken on trust, ran to max_iter epochs, minutes)
    eps = design_eps(design)
    steps = _Steps(None) if steps is None else steps
    if gram is False:
        gram = newton_model_engine(design)
    # Huber's curvature is piecewise and floored: its models are rough away from the kinks
    # and solving them tightly stalled near the optimum; smooth losses take exact steps
    smooth = loss.smooth
    kkt_frac = _KKT_GRAM if gram is not None and smooth else _KKT_RES
    a_max = float(np.max(pen.a, initial=0.0))
    pen_smooth = pen.smooth  # (the models' penalties are pen scaled by positive factors)
    if newton_kernel_ok(design, loss, pen, gram, verbose):
        # the same steps in one numba call; a step it cannot take comes back to this loop
        from .kernels.logistic import logistic_l1_newton

        w = np.array(w, dtype=np.float64)
        res, epochs, eta = _kernel_result(
            logistic_l1_newton(design.kernel(), y, offset, w, pen.kernel, tol_gap, max_iter,
                               min(steps.left(), 2**31), _MAX_INNER, ANDERSON_K),
            w, b, loss, tol, tol_gap, max_iter, steps, history, warn)
        if res is not None:
            return res
        first = None  # (the kernel moved w)
    while True:
        if first is not None:
            # (kkt_u: the whole problem's, at least the working set's)
            gap, primal, kkt_u, grad, g = first
            first = None
        else:
            if design.center:
                d = loss.optimize_intercept(y, eta, s)
                b += d
                eta = eta + d
            gap, primal, kkt_u, grad, g = glm_gap(design, y, loss, w, b, eta, pen, unpen,
                                                  offset, lambda u: _rmatvec(design, u))
        history.append((epochs, gap))
        if verbose:
            print(f"[penalized:{loss.name}] epochs={epochs:5d} primal={primal:.10e} "
                  f"gap={gap:.3e} tol={tol_gap:.3e} nnz={np.count_nonzero(w)}")
        crit_u = kkt_u * (1.0 + float(np.max(np.abs(w[unpen])))) if unpen.size else 0.0
        if gap <= tol_gap and crit_u <= tol_gap:
            converged = True
            break
        if epochs >= max_iter or steps.spent():
            break
        if gap < 0.9 * best_gap:
            best_gap, flat = gap, 0
        elif tight < 1 and not majorize:
            # Newton steps on accurately solved models that no longer shrink the gap: it
            # is at its rounding level (float32 X: the gradient's products carry eps32)
            flat += 1
            if flat >= _FLAT_STEPS:
                break
        steps.n += 1
        # quadratic model -> weighted least squares on the working response (g = l'(eta))
        if majorize:
            h = np.full(design.n, float(bound))
        else:
            h = loss.hess(y, eta)
            floor = loss.hess_floor
            h = np.maximum(h, floor * max(float(np.max(h)), 1.0))
        z = eta - offset - g / h
        wdesign = design.reweighted(s * h)
        f = S / wdesign.S
        pen_h = pen.scaled(f, f)
        kkt_max = float(np.max(pen.kkt(w, grad), initial=0.0))
        # below the rounding level of the gradient the kernel could never stop
        kkt_floor = 64 * _EPS * max(float(np.max(np.abs(grad), initial=0.0)), a_max)
        w_new, b_new, used = _weighted_ls(wdesign, z, pen_h, w,
                                          tight * inner_tol(wdesign, z, gap, f, tol_gap),
                                          min(max(max_iter - epochs, 1), _MAX_INNER),
                                          # fast path: CD epochs straight on the kernel;
                                          # the certified solver once steps get hard
                                          kkt_tol=None if majorize or tight < 1 else
                                          max(kkt_frac * kkt_max, kkt_floor) * f, gram=gram,
                                          ws=None if gram is None else
                                          _step_ws(pen, w, grad, unpen), smooth=pen_smooth)
        epochs += used
        # the step in eta from the coefficients' changes (a difference of two predictors
        # would carry their rounding, which swamps the decrease of a step near the optimum)
        d_eta = linear_predictor(design, w_new - w, b_new - b, 0.0)
        # Armijo backtracking along the prox-Newton direction
        decrease = float(s @ (g * d_eta)) / S + pen.value_change(w, w_new)
        if below_rounding(-abs(decrease), primal, eps):
            # the step's change of the objective is below its rounding level (its sign is
            # noise): the gap at the point it reaches decides (a shrinking gap is the only
            # measure of progress left), else the model is solved more accurately
            if np.any(w_new != w) or b_new != b:
                eta_c, b_c = eta + d_eta, b_new
                if design.center:
                    d = loss.optimize_intercept(y, eta_c, s)
                    b_c, eta_c = b_c + d, eta_c + d
                at_new = glm_gap(design, y, loss, w_new, b_c, eta_c, pen, unpen, offset,
                                 lambda u: _rmatvec(design, u))
                if rounding.take(gap, at_new[0]):
                    # (the next round starts from this certificate)
                    w, eta, b, first = w_new, eta_c, b_c, at_new
                    continue
            tight *= 1e-3
            if tight < 1e-9:
                break
            continue
        if not decrease < 0:
            # the model's solution did not move: solve it more accurately
            tight *= 1e-3
            if tight < 1e-9:
                break
            continue
        f0 = primal  # the objective at (w, eta), from the gap above
        t = backtrack(Along(loss, y, s, S, pen, w, w_new - w, eta, d_eta), f0, decrease,
                      majorize)
        if t is not None and below_rounding(t * decrease, f0, eps):
            # a step so short that its decrease is below the rounding level moves
            # nothing: taken, it was retaken for max_iter steps with the same gap (a
            # nearly separable L1-logistic fold at C=1e4: t = 1e-9 a step, gap 3.3e-10
            # against a target of 6.9e-11 for 100 steps); the model is poor here
            t = None
        if t is None:
            # the quadratic model is poor here (e.g. Huber residuals at the kinks):
            # continue with majorization steps when the loss has a Hessian bound
            if bound is not None and not majorize:
                majorize = True
                continue
            tight *= 1e-3
            if tight < 1e-9:
                break
            continue
        w_t, eta_t = w + t * (w_new - w), eta + t * d_eta
        w, eta = w_t, eta_t
        b = b + t * (b_new - b)
    if not converged and warn:
        _warn(loss, max_iter, gap, tol_gap, tol, epochs, steps, crit_u)
    return SolveResult(coef=w, intercept=float(b), dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history, engine="prox_newton", n_steps=steps.n,
                       criterion=loss.criterion, eta=eta)
