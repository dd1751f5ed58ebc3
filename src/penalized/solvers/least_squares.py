"""The least-squares engines: penalized weighted least squares on a centered design.

Minimize ``1/(2S) ||yc - Xc w||_s^2 + penalty(w)`` (``yc`` the centered target) by one of

* ``"direct"``: the closed form (no L1 part, no bounds; :mod:`penalized.solvers.direct`),
  along a path from one eigendecomposition;
* ``"gram"``: coordinate descent on the full p x p Gram matrix
  (:mod:`penalized.solvers.kernels.gram`), whose duality gap needs no pass over X;
* ``"working_set"``: the residual working-set solver
  (:mod:`penalized.solvers.kernels.working_set`), dense or sparse.

:func:`penalized.solvers.engine.choose_engine` picks one. All stop when the duality gap
is at most ``tol * sum_i s_i (y_i - ybar)^2 / S`` (scikit-learn's scaling) or at the
rounding level of the objective, and warn when ``max_iter`` epochs end the fit first.
"""

import numpy as np

from ..datafits.quadratic import Quadratic
from .certificate import projection, quadratic_gap
from .direct import ridge_direct, ridge_path
from .newton import SINGULAR_MAX, gram_newton, residual_newton
from .result import SolveResult, warn_not_converged

__all__ = ["FullGram", "gram_path", "gram_solve", "least_squares_path", "solve_least_squares",
           "warn_cd"]

# working-set solver settings
_P0 = 10  # smallest working set
# ... and on tall designs (n >= 2 p), this fraction of the features: there the gradient of an
# outer round (n p) costs p / (2 k) epochs of a working set of k, so small first working sets
# cost more in rounds than they save in epochs (elastic net, l1_ratio 0.5, on sim 10000 x 100
# frac 0.1, at the benchmark's accuracy: 18 -> 9 epochs, 3.6 -> 2.3 ms; sim 20000 x 300:
# 24 -> 16 epochs)
_P0_TALL = 0.25
_WS_GROW = 1.0  # working set: the support and up to this fraction of it more (violators)
_NEWTON_EVERY = 10  # CD epochs between two support Newton steps
# a Newton step (n k^2 + k^3 flops) may cost up to this many times the CD epochs since the last
_NEWTON_RATIO = 2.0
_NEWTON_MAX = 500  # largest support solved directly (one k x k Cholesky per outer round)
_ACTIVE_MAX = 1000  # largest support of the active-set solver (dense wide designs)
# violators joining its support per round, at most (those within half the worst): with 2
# instead of 1, a Lasso CV on sim 500 x 5000 (100 alphas x 5 folds, 568 joins a fold path
# at tol 1e-4) took 0.91x the time, the elastic net on sim 100 x 10000 frac 0.1 0.8x (its
# outer rounds 235 -> 144); the Lasso on it at frac 0.01 1.07x, the other rows the same
_ACTIVE_ADD = 2
_ACTIVE_TOL = 1e-6  # its KKT target, relative to the one CD gets
# cold active-set fits: continuation on the L1 weights (factor per round) once the
# working set holds this fraction of n features (see kernels.working_set.ws_fit)
_CONT = 1.5
_CONT_FROM = 0.5
# cold wide fits with an L2 term: coordinate descent alone when the L2 weights (median of
# b_j / L_j) are at least (_RIDGE_CD / n)^2, see _ridge_cd; paths: at the middle alpha,
# (_RIDGE_CD_PATH / n)^2
_RIDGE_CD = 28.0
_RIDGE_CD_PATH = 2.0
_HISTORY = 256  # outer rounds recorded in SolveResult.history
_EPS64 = float(np.finfo(np.float64).eps)


def _kernels():
    from .kernels import cd, gram, working_set  # lazy: loading numba costs start-up time

    return cd, gram, working_set


def centered_target(design, y):
    """(ybar, yc, the absolute scale of ``tol``) of a least-squares problem."""
    s, S = design.s, design.S
    y = np.asarray(y, dtype=np.float64)
    ybar = float(s @ y) / S if design.center else 0.0
    return ybar, y - ybar, Quadratic().tol_scale(y, s, 0.0, design.center)


def _intercepts(design, ybar, W):
    return ybar - design.mu @ W if design.center else np.zeros(W.shape[1:])


def warn_cd(max_iter, gap, tol_gap, tol, stacklevel=5):
    warn_not_converged("Coordinate descent", gap, tol_gap, tol, "the weighted variance of y",
                       max_iter=max_iter, stacklevel=stacklevel)


class FullGram:
    """``G = Xc' diag(s) Xc / S``, ``q = Xc' diag(s) yc / S`` and ``yy = yc' diag(s) yc / S``
    of one design and target; constant columns zeroed. ``G`` may be given (the centered
    Gram matrix / S, e.g. computed once for a cross-validation)."""

    def __init__(self, design, yc, G=None):
        s, S = design.s, design.S
        cols = np.arange(design.p)
        G = design.cross(cols, cols) if G is None else np.array(G, dtype=np.float64)
        dead = design.sqnorms() == 0
        G[dead, :] = 0.0
        G[:, dead] = 0.0
        self.G = np.ascontiguousarray(G)
        self.q = design.rmatvec(s * yc) / S
        self.q[dead] = 0.0
        self.yy = float(s @ (yc * yc)) / S

    @classmethod
    def from_arrays(cls, G, q, yy):
        out = object.__new__(cls)
        out.G, out.q, out.yy = np.ascontiguousarray(G), np.asarray(q, dtype=np.float64), yy
        return out


def _start(design, pen, coef_init):
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    w[(design.sqnorms() == 0) & (pen.b == 0)] = 0.0  # constant columns carry no information
    return w


def _config(design, pen, tol_gap, max_iter, newton, active, verbose, seed=-1, cont=0.0):
    cd, _, ws = _kernels()
    return ws.WSConfig(float(tol_gap), int(max_iter), cd.ANDERSON_K,
                       float(np.finfo(design.dtype).eps), _p0(design),
                       _WS_GROW, _NEWTON_EVERY if newton else 0, _NEWTON_MAX,
                       SINGULAR_MAX, _NEWTON_RATIO, bool(active), _ACTIVE_TOL,
                       _ACTIVE_ADD, int(verbose), int(seed), float(cont),
                       int(_CONT_FROM * design.n))


def _p0(design):
    """The smallest working set of a fit on ``design`` (see ``_P0_TALL``)."""
    tall = design.n >= 2 * design.p
    return max(_P0, int(_P0_TALL * design.p)) if tall else _P0


def _factor(design, b, active=True):
    """The active-set solver's factor: supports up to the rank (n), or up to twice the
    rank with an L2 term on every feature, at most ``_ACTIVE_MAX``; plus one spare row.
    None for a fit without active-set steps (its kernels then never compile the
    active-set solver).

    An L2 term keeps any support nonsingular, but the method adds one feature per solve
    (a Cholesky update of O(k^2)): O(k^3) for a support of k. Past the cap coordinate
    descent takes over (elastic net, l1_ratio 0.5, on sim 100 x 10000, 690-750
    nonzeros, tol 1e-5 to 1e-7: 61-67 ms with supports up to p; 8.5-43 ms with the cap
    at 2n; at n, 13-104 ms: coordinate descent alone is slow at tight tolerances there)."""
    if not active or design.sparse:
        return None
    _, _, ws = _kernels()
    ridge = b.size and np.min(b) > 0
    cap = min(2 * design.n if ridge else design.n, design.p, _ACTIVE_MAX) + 1
    return ws.Factor(np.zeros((cap, cap)), np.zeros(cap, dtype=np.int64), np.zeros(cap),
                     np.zeros(1, dtype=np.int64))


def _projection(design, yc, pen):
    """The working-set kernels' projection of the unpenalized features: None without any."""
    return projection(design, yc, pen) if pen.unpenalized.size else None


def _active_ok(pen):
    """Bounds the active-set solver handles: each 0 or infinite."""
    return bool(np.all((pen.lo == 0) | np.isinf(pen.lo)) and
                np.all((pen.up == 0) | np.isinf(pen.up)))


def _ridge_cd(design, b, c=_RIDGE_CD):
    """Whether a cold fit leaves the active set out for its L2 term: coordinate descent
    then converges fast enough that the active set's exact solves cost more.

    Accelerated CD needs about ``1 / sqrt(b)`` epochs (``b`` the L2 weight over the
    curvature ``L_j``, its typical smallest eigenvalue on a support past the rank) of
    ``n k`` flops each for a support of ``k``; the active set's ``k`` Cholesky updates
    cost about ``n k^2 / 2 + k^3 / 3``: with ``k`` near ``n``, CD wins when ``b`` is at
    least about ``(c / n)^2``. Measured on 81 cold elastic-net fits to ``1e-6 F(0)``
    (simulated 50 x 5000 to 500 x 5000, riboflavin and leukemia; l1_ratio 0.2, 0.5 and
    0.9; 0.01 to 0.1 of alpha_max), ``c = 28`` picks the faster one on 72, and the 9 it
    misses are within 1.6x except one (1.9x); the active set had been 2.5-10x slower on
    sim 500 x 5000 and 300 x 1000 (l1_ratio 0.2 or 0.5, 0.1 of alpha_max).

    Along a warm-started path CD needs few epochs per alpha, and the active set rebuilds
    its factor whenever the L2 weights halve (every 10 alphas of a default grid): there
    ``c = 2`` at the path's middle alpha (see :func:`least_squares_path`)."""
    L = design.sqnorms()
    live = L > 0
    if not np.any(live) or b.size == 0:
        return False
    return float(np.median(b[live] / L[live])) >= (c / design.n) ** 2


def solve_least_squares(design, y, pen, engine, *, tol, max_iter, coef_init=None, verbose=0,
                        warn=True, newton=True, gram=None, seed=-1):
    """Minimize ``1/(2S) ||y - Xc w - b||_s^2 + penalty(w)`` with ``engine`` ("direct",
    "gram" or "working_set"; see the module docstring). ``gram`` is a :class:`FullGram`
    of this design and target when known (the Gram engine computes it otherwise);
    ``newton=False`` keeps the working-set solver to plain CD epochs; ``seed >= 0`` makes
    its epochs visit the coordinates in random order (scikit-learn's
    ``selection="random"``; no active-set steps then)."""
    ybar, yc, scale = centered_target(design, y)
    tol_gap = tol * scale
    if engine == "direct":
        w = ridge_direct(design, yc, pen.b)
        if w is not None:
            w[(design.sqnorms() == 0) & (pen.b == 0)] = 0.0
            gap, primal, _ = quadratic_gap(design, yc, w, yc - design.matvec(w), pen)
            return SolveResult(coef=w, intercept=float(_intercepts(design, ybar, w)), dual_gap=gap,
                               tol_gap=tol_gap, n_iter=1, converged=True, primal=primal,
                               history=[(1, gap)], engine="direct")
        engine = "working_set"  # too large for a dense solve
    w = _start(design, pen, coef_init)
    if engine == "gram":
        fg = gram if gram is not None else FullGram(design, yc)
        out = np.zeros(4)
        epochs = _gram_fit(fg, w, pen, tol_gap, int(max_iter),
                           float(np.finfo(design.dtype).eps), out, newton)
        hist = [(epochs, float(out[0]))]
    else:
        _, _, k_ws = _kernels()
        warm = bool(np.any(w != 0))
        # (the kernel computes the residual afresh before its first gradient: a cold
        # start's product with X would be a pass over X for nothing)
        r = yc - design.matvec(w) if warm else yc.copy()
        # the active set adds one violator per solve: right for warm starts and for
        # p >> n (supports near the rank), slower than CD for a cold start with p close to n
        active = (newton and (warm or (design.p >= 2 * design.n and not _ridge_cd(design, pen.b)))
                  and _active_ok(pen) and seed < 0)
        out = np.zeros(6)
        h = np.zeros((_HISTORY, 2))
        cfg = _config(design, pen, tol_gap, max_iter, newton, active, verbose, seed,
                      _CONT if active and not warm else 0.0)
        proj, factor, D, v = (_projection(design, yc, pen), _factor(design, pen.b, active),
                              design.kernel(), np.empty(design.p))
        epochs = 0
        while True:
            epochs += k_ws.ws_fit(D, yc, w, r, pen.kernel, proj, cfg, factor, v, False,
                                  epochs, out, h)
            if out[5] != 1.0:
                break
            residual_newton(design, yc, w, r, pen.kernel)
            epochs += 1  # a Newton step counts as an iteration
        hist = [(int(e), float(g)) for e, g in h[:min(int(out[3]), _HISTORY)]]
    gap, primal, converged = float(out[0]), float(out[1]), bool(out[2])
    if verbose and engine == "gram":
        print(f"[penalized] epochs={epochs:5d} primal={primal:.10e} gap={gap:.3e} "
              f"tol={tol_gap:.3e} nnz={np.count_nonzero(w)}")
    if not converged and warn:
        warn_cd(max_iter, gap, tol_gap, tol)
    return SolveResult(coef=w, intercept=float(_intercepts(design, ybar, w)), dual_gap=gap,
                       tol_gap=tol_gap, n_iter=max(int(epochs), 1), converged=converged,
                       primal=primal, history=hist, engine=engine)


def least_squares_path(design, y, pen_unit, alphas, ca, cb, engine, *, tol, max_iter,
                       gram=None):
    """The path over decreasing ``alphas`` (penalty ``pen_unit`` scaled by
    ``(alpha ca, alpha cb)``), warm-started from 0, in one call of ``engine``.

    Returns ``(W (p x m), intercepts, gaps, epochs, converged, rss)`` with ``rss`` the
    weighted residual sums of squares ``sum_i s_i r_i^2``; warns once per fit that stops
    short. ``gram`` as in :func:`solve_least_squares`.
    """
    ybar, yc, scale = centered_target(design, y)
    tol_gap = tol * scale
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    m, p = alphas.size, design.p
    if engine == "direct":
        W = ridge_path(design, yc, pen_unit.b, alphas * cb)
        if W is not None:
            W[(design.sqnorms() == 0), :] = 0.0
            gaps, rss = np.empty(m), np.empty(m)
            for i in range(m):
                r = yc - design.matvec(W[:, i])
                pen = pen_unit.scaled(alphas[i] * ca, alphas[i] * cb)
                gaps[i] = quadratic_gap(design, yc, W[:, i], r, pen)[0]
                rss[i] = float(design.s @ (r * r))
            return (W, _intercepts(design, ybar, W), gaps, np.ones(m, dtype=np.int64),
                    np.ones(m, dtype=bool), rss)
        engine = "working_set"
    w = np.zeros(p)  # inside every box (lo <= 0 <= up)
    eps = float(np.finfo(design.dtype).eps)
    if engine == "gram":
        fg = gram if gram is not None else FullGram(design, yc)
        W, gaps, iters, converged = gram_path(fg, pen_unit, alphas, ca, cb, tol_gap=tol_gap,
                                              max_iter=max_iter, eps=eps)
        for i in np.flatnonzero(~converged):
            warn_cd(max_iter, gaps[i], tol_gap, tol, stacklevel=4)
        rss = (fg.yy - 2.0 * (fg.q @ W) + np.sum(W * (fg.G @ W), axis=0)) * design.S
        return W, _intercepts(design, ybar, W), gaps, iters, converged, rss
    _, _, k_ws = _kernels()
    r = yc.copy()  # the residual of w = 0
    stats = np.zeros((m, 6))
    b_last = pen_unit.b * (alphas[-1] * cb)
    # the L2 weights at the path's middle alpha (geometric)
    mid = float(np.sqrt(alphas[0] * alphas[-1])) if m else 0.0
    active = _active_ok(pen_unit) and not _ridge_cd(design, pen_unit.b * (mid * cb),
                                                    _RIDGE_CD_PATH)
    cfg = _config(design, pen_unit, tol_gap, max_iter, True, active, 0)
    W = np.empty((p, m), order="F")
    buf = pen_unit.scaled(1.0, 1.0).kernel  # the kernel writes each alpha's weights here
    proj, factor = _projection(design, yc, pen_unit), _factor(design, b_last, active)
    D = design.kernel()
    out = np.zeros(6)
    i = 0
    while True:
        i = k_ws.ws_path(D, yc, w, r, pen_unit.kernel, buf, proj, alphas, float(ca), float(cb),
                         cfg, factor, i, out, W, stats)
        if i >= m:
            break
        stats[i, 5] += 1  # the fit at alphas[i] asks for a Newton step
        stats[i, 3] += 1  # (counted as an iteration)
        residual_newton(design, yc, w, r, buf)
    converged = stats[:, 2] == 1.0
    for i in np.flatnonzero(~converged):
        warn_cd(max_iter, stats[i, 0], tol_gap, tol, stacklevel=4)
    return (W, _intercepts(design, ybar, W), stats[:, 0].copy(), stats[:, 3].astype(np.int64),
            converged, stats[:, 4].copy())


class _Reduced:
    """The Gram problem with the unpenalized, unbounded features profiled out: for the
    penalized features P and the free ones U, ``min_{w_U}`` is
    ``w_U = G_UU^+ (q_U - G_UP w_P)``, which leaves ``G_PP - G_PU G_UU^+ G_UP``,
    ``q_P - G_PU G_UU^+ q_U`` and ``yy - q_U' G_UU^+ q_U`` (the Schur complement). Its
    duality gap is the full problem's, for the residual projected off the free columns:
    the Gram engine's kernel needs no projection."""

    def __init__(self, fg, pen):
        U = pen.unpenalized
        if np.any(np.isfinite(pen.lo[U])) or np.any(np.isfinite(pen.up[U])):
            raise ValueError("The Gram engine needs every unpenalized feature unbounded "
                             "(choose_engine sends the others to the working-set engine).")
        self.free = U
        self.P = np.setdiff1d(np.arange(fg.G.shape[0]), U)
        self.fg, self.pen = fg, pen
        if U.size == 0:
            self.red, self.pen_P = fg, pen
            return
        P = self.P
        Ginv = np.linalg.pinv(fg.G[np.ix_(U, U)], rcond=1e-12, hermitian=True)
        GUP = fg.G[np.ix_(U, P)]
        B = Ginv @ GUP  # w_U = Ginv q_U - B w_P
        self.Ginv_q, self.B = Ginv @ fg.q[U], B
        self.red = FullGram.from_arrays(fg.G[np.ix_(P, P)] - GUP.T @ B,
                                        fg.q[P] - GUP.T @ self.Ginv_q,
                                        max(fg.yy - float(fg.q[U] @ self.Ginv_q), 0.0))
        self.pen_P = pen.subset(P)

    def restore(self, W_P):
        """The full coefficients (p x m) from the penalized ones (|P| x m)."""
        if self.free.size == 0:
            return W_P
        W = np.empty((self.P.size + self.free.size, W_P.shape[1]), order="F")
        W[self.P] = W_P
        W[self.free] = self.Ginv_q[:, None] - self.B @ W_P
        return W


def _gram_fit(fg, w, pen, tol_gap, max_iter, eps, out, newton=True):
    """The Gram engine's fit (``w`` updated in place), with the Newton steps it asks for;
    returns the epochs."""
    cd, k_gram, _ = _kernels()
    red = _Reduced(fg, pen)
    fgr, penr = red.red, red.pen_P
    wr = np.ascontiguousarray(w[red.P])
    epochs = newtons = 0
    while red.P.size:
        epochs += k_gram.gram_fit(fgr.G, fgr.q, fgr.yy, wr, penr.kernel, tol_gap,
                                  max_iter - epochs, cd.ANDERSON_K, eps,
                                  newton and newtons < k_gram.NEWTON_ROUNDS, out)
        if out[3] != 1.0:
            break
        newtons += 1
        epochs += 1  # a Newton step counts as an iteration
        gram_newton(fgr.G, fgr.q, wr, penr.kernel)
    if red.P.size == 0:
        out[:3] = (0.0, 0.5 * fgr.yy, 1.0)
    w[:] = red.restore(wr[:, None])[:, 0]
    return epochs


def gram_solve(fg, pen, coef_init=None, *, tol_gap, max_iter, eps=_EPS64):
    """The Gram engine's fit on given statistics: minimize
    ``1/2 w'Gw - q'w + yy/2 + penalty(w)`` for ``fg`` (a :class:`FullGram`, or anything
    with ``G``, ``q`` and ``yy``), e.g. a least-squares problem or a prox-Newton model
    whose sums were reduced elsewhere (:mod:`penalized.dask`). Returns
    ``(w, gap, primal, epochs, converged)``; the caller warns."""
    w = (np.zeros(fg.G.shape[0]) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    out = np.zeros(4)
    epochs = _gram_fit(fg, w, pen, float(tol_gap), int(max_iter), float(eps), out)
    return w, float(out[0]), float(out[1]), int(epochs), bool(out[2])


def gram_path(fg, pen_unit, alphas, ca, cb, *, tol_gap, max_iter, eps):
    """The Gram engine's path on ``fg`` (a :class:`FullGram`, or anything with ``G``, ``q``
    and ``yy``): ``(W (p x m), gaps, epochs, converged)``; the caller warns."""
    cd, k_gram, _ = _kernels()
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    red = _Reduced(fg, pen_unit)
    fgr, penr = red.red, red.pen_P
    p, m = red.P.size, alphas.size
    W = np.zeros((p, m), order="F")
    stats = np.zeros((m, 5))
    if p == 0:
        stats[:, 2] = 1.0
    w = np.zeros(p)
    buf = penr.scaled(1.0, 1.0).kernel  # the kernel writes each alpha's weights here
    i = 0 if p else m
    while i < m:
        i = k_gram.gram_path(fgr.G, fgr.q, fgr.yy, w, penr.kernel, buf, alphas, float(ca),
                             float(cb), float(tol_gap), int(max_iter), cd.ANDERSON_K,
                             float(eps), i, W, stats)
        if i < m:
            stats[i, 4] += 1  # the fit at alphas[i] asks for a Newton step
            stats[i, 3] += 1  # (counted as an iteration)
            gram_newton(fgr.G, fgr.q, w, buf)
    return (red.restore(W), stats[:, 0].copy(), stats[:, 3].astype(np.int64),
            stats[:, 2] == 1.0)
