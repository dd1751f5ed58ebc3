"""Working-set coordinate descent for weighted least squares with an elastic-net penalty.

The outer loop (Python) computes the full gradient, the duality gap and a gap-safe
screening test, ranks features by their KKT violation, and hands a working set to a
numba kernel that runs accelerated CD epochs on it (residual updates, or Gram updates
when n_samples is large relative to the working set).
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..datafits.quadratic import DualProjector, duality_gap
from ._design import GramCache
from .gram_cd import FullGram, full_gram_ok, gram_solve

__all__ = ["CDCache", "SolveResult", "cd_solve", "dense_path", "dense_path_ok"]

_ANDERSON_K = 5
_P0 = 10
_NEWTON_EVERY = 10  # CD epochs between two support Newton steps
# a Newton step (n k^2 + k^3 flops) may cost up to this many times the CD epochs since the last
_NEWTON_RATIO = 2.0
_WS_GROW = 1.0  # working set: the support and up to this fraction of it more (violators)
_NEWTON_MAX = 500  # largest support solved directly (one k x k Cholesky per outer round)
_NEWTON_SINGULAR_MAX = 200  # ... or eigendecomposition, when k > n
_ACTIVE_MAX = 1000  # largest support of the active-set solver (dense wide designs)
_ACTIVE_ADD = 1  # violators joining its support per round, at most
_ACTIVE_TOL = 1e-6  # its KKT target, relative to the one CD gets


@dataclass
class SolveResult:
    """What a solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    intercept : float
    dual_gap : float
        Duality gap at ``coef`` (in the units of the objective).
    tol_gap : float
        The absolute gap the solver aimed for (``tol`` times the scale in Notes).
    n_iter : int
        Coordinate-descent epochs run (over working sets).
    converged : bool
    primal : float
        Objective value at ``coef``.
    history : list
        (epochs, gap) after each outer iteration.
    """

    coef: np.ndarray
    intercept: float
    dual_gap: float
    tol_gap: float
    n_iter: int
    converged: bool
    primal: float
    history: list = field(default_factory=list)

    def __post_init__(self):
        # a certificate is never negative: below zero is rounding error of P - D
        self.dual_gap = max(float(self.dual_gap), 0.0)


class CDCache:
    """State reusable across solves on one design and one target (e.g. along a path):
    the dual projector, the Gram matrix of the columns seen so far and ``Xc' s yc / S``."""

    def __init__(self, design, full_gram=False, gram_matrix=None):
        self.projector = DualProjector(design)
        self.gram = None
        self.q = None
        self.key = None
        self.full_gram = full_gram  # allow the full p x p Gram (tall designs, paths)
        self.gram_matrix = gram_matrix  # the full centered Gram / S, when known already
        self.full = None


def _kernels():
    from . import _kernels  # lazy: loading numba costs start-up time

    return _kernels


def cd_solve(design, y, pen, *, tol=1e-4, max_iter=1000, coef_init=None, verbose=0,
             screening=True, gram=None, warn=True, cache=None, newton=True):
    """Minimize ``1/(2S) ||y - Xc w - b||_s^2 + penalty(w)`` by working-set CD.

    ``design`` is a :class:`~penalized.solvers._design.Design`, ``pen`` a
    :class:`~penalized.penalties.PenaltyArrays`. The stopping rule is
    ``gap <= tol * sum_i s_i (y_i - ybar)^2 / S`` (ybar = 0 without intercept).
    """
    k = _kernels()
    p = design.p
    s, S = design.s, design.S
    y = np.asarray(y, dtype=np.float64)
    ybar = float(s @ y) / S if design.center else 0.0
    yc = y - ybar
    tol_gap = tol * float(s @ (yc * yc)) / S
    if cache is None or cache.key is not y:
        cache = CDCache(design) if cache is None else cache
        cache.__init__(design, cache.full_gram, cache.gram_matrix)
        cache.key = y
    if cache.full_gram and full_gram_ok(design, pen):
        if cache.full is None:
            cache.full = FullGram(design, yc, cache.gram_matrix)
        return gram_solve(design, y, pen, cache.full, tol=tol, max_iter=max_iter,
                          coef_init=coef_init, verbose=verbose, warn=warn)
    L = design.sqnorms()
    a, b, lo, up = pen.a, pen.b, pen.lo, pen.up
    w = np.zeros(p) if coef_init is None else np.clip(np.array(coef_init, dtype=np.float64),
                                                     lo, up)
    w[(L == 0) & (b == 0)] = 0.0  # constant columns carry no information
    r = yc - design.matvec(w)
    if (not design.sparse and design.p > design.n and gram is None and not verbose
            and pen.unpenalized.size == 0):
        # wide dense design, every feature penalized: the whole solve in one kernel
        return _dense_fit(design, yc, ybar, w, r, L, pen, tol, tol_gap, max_iter, newton,
                          warn)
    projector = cache.projector
    eps = np.finfo(design.dtype).eps
    alive = np.ones(p, dtype=bool)  # not screened out
    screenable = (a > 0) & (lo < 0) | (a > 0) & (up > 0)
    sqrt2L = np.sqrt(2.0 * L)
    epochs = 0
    converged = False
    history = []
    gap = primal = np.inf
    while True:
        v = design.rmatvec(s * r) / S
        gap, primal, dual, theta, v_theta = duality_gap(design, yc, w, r, v, pen, projector)
        history.append((epochs, gap))
        if verbose:
            print(f"[penalized] epochs={epochs:5d} primal={primal:.10e} gap={gap:.3e} "
                  f"tol={tol_gap:.3e} nnz={np.count_nonzero(w)}")
        if gap <= tol_gap or gap <= 16 * eps * max(abs(primal), abs(dual)):
            converged = True
            break
        if epochs >= max_iter:
            break
        if screening:
            rad = sqrt2L * np.sqrt(max(gap, 0.0))
            up_ok = (up <= 0) | (v_theta + rad < a)
            lo_ok = (lo >= 0) | (rad - v_theta < a)
            dead = screenable & alive & up_ok & lo_ok
            if np.any(dead):
                alive &= ~dead
                nz = np.flatnonzero(dead & (w != 0))
                if nz.size:
                    r += design.matvec(w, nz)
                    w[nz] = 0.0
                    continue  # the gradient changed: recompute it and the gap
        score = pen.kkt(w, -v)
        kkt_max = float(score[alive].max()) if np.any(alive) else 0.0
        # rounding level of the computed gradient: below it KKT holds to machine precision
        kkt_floor = 64 * eps * max(float(np.max(np.abs(v), initial=0.0)),
                                   float(np.max(a, initial=0.0)))
        if kkt_max <= kkt_floor:
            converged = True  # the remaining gap is rounding error
            break
        score[~alive] = -1.0
        support = w != 0
        score[support] = np.inf
        nnz = int(support.sum())
        # candidates: the support and the features violating their optimality condition
        cand = np.flatnonzero(score > 0)
        ws_size = max(_P0, 2 * nnz)
        if cand.size > ws_size:
            ws = cand[np.argpartition(score[cand], -ws_size)[-ws_size:]]
        else:
            ws = cand
        ws = np.sort(ws).astype(np.int64)
        tol_in = max(0.3 * kkt_max, kkt_floor)
        max_epochs = max_iter - epochs
        capped = newton and _newton_ok(design, nnz)
        if capped:
            # hand over to the support Newton step when CD is slow (ill-conditioned
            # supports would otherwise spend every epoch in one call)
            max_epochs = min(max_epochs, _NEWTON_EVERY)
        use_gram = gram if gram is not None else _prefer_gram(design, ws.size)
        if use_gram:
            if cache.gram is None:
                cache.gram = GramCache(design)
                cache.q = design.rmatvec(s * yc) / S
            w_ws = w[ws].copy()
            epochs += k.cd_gram(cache.gram.get(ws), cache.q[ws], w_ws, a[ws], b[ws], lo[ws],
                                up[ws], max_epochs, tol_in, _ANDERSON_K)
            w[ws] = w_ws
            r = yc - design.matvec(w)
        elif design.sparse:
            X = design.X
            off = np.zeros(1)
            epochs += k.cd_sparse(X.data, X.indices, X.indptr, yc, design.mu, s,
                                  design.weighted, design.center, S, w, r, off, ws, L, a,
                                  b, lo, up, max_epochs, tol_in, _ANDERSON_K)
            r += off[0]
        else:
            epochs += k.cd_dense(design.X, yc, design.mu, s, design.weighted, design.center,
                                 S, w, r, ws, L, a, b, lo, up, max_epochs, tol_in,
                                 _ANDERSON_K)
        if capped and _newton_ok(design, int(np.count_nonzero(w))):
            w, r = _support_newton(design, cache, w, r, yc, pen)
    if not converged and warn:
        _warn_cd(max_iter, gap, tol_gap, tol, stacklevel=4)
    intercept = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=intercept, dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history)


def _dense_fit(design, yc, ybar, w, r, L, pen, tol, tol_gap, max_iter, newton, warn):
    from ._active_set import active_set_ok
    from ._fit_kernels import dense_fit

    # the active set adds one violator per solve: right for warm starts and for p >> n
    # (supports near the rank), slower than CD for a cold start with p close to n
    warm = bool(np.any(w != 0))
    active = newton and (warm or design.p >= 2 * design.n) and active_set_ok(pen.lo, pen.up)
    Lf, fidx, fb, fk = _new_factor(_factor_cap(design, pen.b))
    v = np.empty(design.p)
    out = np.zeros(5)  # gap, primal, converged, outer rounds, active set given up
    eps = float(np.finfo(design.dtype).eps)
    epochs = dense_fit(design.X, yc, design.mu, design.s, design.weighted, design.center,
                       design.S, w, r, L, pen.a, pen.b, pen.lo, pen.up, tol_gap, max_iter,
                       _ANDERSON_K, eps, _P0, _NEWTON_EVERY if newton else max_iter + 1,
                       _NEWTON_MAX, _NEWTON_SINGULAR_MAX, _NEWTON_RATIO, _WS_GROW, active, Lf,
                       fidx, fb, fk, _ACTIVE_ADD, _ACTIVE_TOL, v, False, out)
    gap, primal, converged = float(out[0]), float(out[1]), bool(out[2])
    if not converged and warn:
        _warn_cd(max_iter, gap, tol_gap, tol, stacklevel=5)
    intercept = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=intercept, dual_gap=gap, tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=primal,
                       history=[(epochs, gap)])


def _factor_cap(design, b):
    """Rows of the active-set solver's factor: supports up to the rank (n), or any size
    with an L2 term on every feature, at most _ACTIVE_MAX; plus one spare row."""
    return min(design.p if np.min(b) > 0 else design.n, _ACTIVE_MAX) + 1


def _new_factor(cap):
    return (np.zeros((cap, cap)), np.zeros(cap, dtype=np.int64), np.zeros(cap),
            np.zeros(1, dtype=np.int64))


def dense_path_ok(design, pen):
    """Whether a quadratic path (alphas > 0) runs in one kernel call
    (:func:`dense_path`): dense and wide, every feature penalized."""
    return not design.sparse and design.p > design.n and pen.unpenalized.size == 0


def dense_path(design, y, pen_unit, alphas, ca, cb, *, tol, max_iter, newton=True):
    """The path over decreasing ``alphas`` (penalty ``pen_unit`` scaled by
    ``(alpha ca, alpha cb)``) warm-started from 0, one kernel call; see
    :func:`dense_path_ok`. Returns (W (p x m), intercepts, gaps, epochs, converged, rss);
    warns once per fit that stops short, as :func:`cd_solve` does."""
    from ._active_set import active_set_ok
    from ._fit_kernels import dense_path as kernel

    s, S = design.s, design.S
    y = np.asarray(y, dtype=np.float64)
    ybar = float(s @ y) / S if design.center else 0.0
    yc = y - ybar
    tol_gap = tol * float(s @ (yc * yc)) / S
    L = design.sqnorms()
    b_last = pen_unit.b * (alphas[-1] * cb)
    w = np.clip(np.zeros(design.p), pen_unit.lo, pen_unit.up)
    w[(L == 0) & (b_last == 0)] = 0.0
    r = yc - design.matvec(w)
    factor = _new_factor(_factor_cap(design, b_last))
    W = np.empty((design.p, alphas.size))
    stats = np.zeros((alphas.size, 5))
    eps = float(np.finfo(design.dtype).eps)
    active = newton and active_set_ok(pen_unit.lo, pen_unit.up)
    kernel(design.X, yc, design.mu, s, design.weighted, design.center, S, w, r, L,
           pen_unit.a, pen_unit.b, pen_unit.lo, pen_unit.up, np.ascontiguousarray(alphas),
           float(ca), float(cb), tol_gap, max_iter, _ANDERSON_K, eps, _P0,
           _NEWTON_EVERY if newton else max_iter + 1, _NEWTON_MAX, _NEWTON_SINGULAR_MAX,
           _NEWTON_RATIO, _WS_GROW, active, *factor, _ACTIVE_ADD, _ACTIVE_TOL, W, stats)
    converged = stats[:, 2] == 1.0
    for i in np.flatnonzero(~converged):
        _warn_cd(max_iter, stats[i, 0], tol_gap, tol, stacklevel=4)
    intercepts = ybar - design.mu @ W if design.center else np.zeros(alphas.size)
    return W, intercepts, stats[:, 0], stats[:, 3].astype(np.int64), converged, stats[:, 4]


def _warn_cd(max_iter, gap, tol_gap, tol, stacklevel):
    warnings.warn(
        f"Coordinate descent did not converge in max_iter={max_iter} epochs: duality "
        f"gap {gap:.3e} > tol {tol_gap:.3e} (tol={tol} times the weighted variance of y). "
        "Increase max_iter, loosen tol, or standardize the features.",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def _newton_ok(design, k):
    """Support Newton steps: a Cholesky up to min(n, 500) nonzeros, an eigendecomposition
    (singular support Gram) up to 200."""
    return 0 < k <= _NEWTON_MAX and (k <= design.n or k <= _NEWTON_SINGULAR_MAX)


def _support_newton(design, cache, w, r, yc, pen):
    """Exact minimizer on the current support and signs, as far as the signs hold.

    On the orthant of the current signs the objective restricted to the support S is
    the quadratic ``1/2 w'G w - q'w + a'|w| + b/2 w^2``; its minimizer solves
    ``(G_SS + diag b_S) w_S = q_S - a_S sign(w_S)``. The step towards it is cut where a
    penalized coordinate would change sign (it is set to zero there) or leave its
    bounds, so that the objective decreases (the step itself is
    :func:`~penalized.solvers._fit_kernels.newton_step`, shared with the dense kernel).
    Costs one Cholesky of the support's Gram matrix (cached across calls), and is kept
    only if the objective went down.
    """
    s, S = design.s, design.S
    supp = np.flatnonzero(w)
    if design.sparse and design.center and np.any(
            design.mu[supp] ** 2 > 1e4 * design.sqnorms()[supp]):
        return w, r  # X'X / S - mu mu' would cancel (as in _prefer_gram): no reliable Gram
    if cache.gram is None:
        cache.gram = GramCache(design)
        cache.q = design.rmatvec(s * yc) / S
    from ._fit_kernels import newton_step

    wS = w[supp]
    M = cache.gram.get(supp)
    M[np.diag_indices_from(M)] += pen.b[supp]
    rhs = cache.q[supp] - pen.a[supp] * np.sign(wS)
    status, new = newton_step(M, rhs, wS, pen.a[supp], pen.lo[supp], pen.up[supp],
                              _NEWTON_SINGULAR_MAX)
    if status == 0:
        return w, r
    w_new = w.copy()
    w_new[supp] = new
    r_new = yc - design.matvec(w_new, supp)
    f_old = float(s @ (r * r)) / (2 * S) + pen.value(w)
    f_new = float(s @ (r_new * r_new)) / (2 * S) + pen.value(w_new)
    if f_new < f_old - 4 * np.finfo(float).eps * abs(f_old):  # a decrease, not rounding
        return w_new, r_new
    return w, r


def _prefer_gram(design, k):
    """Gram updates cost k^2 per epoch (plus n k^2 once) against ~nnz(X_ws) per epoch."""
    if k > 2000:
        return False
    if design.sparse:
        if design.center and np.any(design.mu**2 > 1e4 * design.sqnorms()):
            # X'X / S - mu mu' would cancel catastrophically for a column whose mean is
            # large against its spread: stay with residual updates (exact centering)
            return False
        nnz = design.X.indptr[-1] / max(design.p, 1) * k
        return k * k < 0.5 * nnz
    return design.n > 10 * k
