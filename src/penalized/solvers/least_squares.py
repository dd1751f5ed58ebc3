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
from .certificate import gram_projection, projection, quadratic_gap
from .direct import ridge_direct, ridge_path
from .result import SolveResult, warn_not_converged

__all__ = ["FullGram", "gram_path", "least_squares_path", "solve_least_squares", "warn_cd"]

# working-set solver settings
_P0 = 10  # smallest working set
_WS_GROW = 1.0  # working set: the support and up to this fraction of it more (violators)
_NEWTON_EVERY = 10  # CD epochs between two support Newton steps
# a Newton step (n k^2 + k^3 flops) may cost up to this many times the CD epochs since the last
_NEWTON_RATIO = 2.0
_NEWTON_MAX = 500  # largest support solved directly (one k x k Cholesky per outer round)
_NEWTON_SINGULAR_MAX = 200  # ... or eigendecomposition, when k > n
_ACTIVE_MAX = 1000  # largest support of the active-set solver (dense wide designs)
_ACTIVE_ADD = 1  # violators joining its support per round, at most
_ACTIVE_TOL = 1e-6  # its KKT target, relative to the one CD gets
_HISTORY = 256  # outer rounds recorded in SolveResult.history


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


def _config(design, pen, tol_gap, max_iter, newton, active, verbose):
    cd, _, ws = _kernels()
    return ws.WSConfig(float(tol_gap), int(max_iter), cd.ANDERSON_K,
                       float(np.finfo(design.dtype).eps), _P0,
                       _WS_GROW, _NEWTON_EVERY if newton else 0, _NEWTON_MAX,
                       _NEWTON_SINGULAR_MAX, _NEWTON_RATIO, bool(active), _ACTIVE_TOL,
                       _ACTIVE_ADD, int(verbose))


def _factor(design, b):
    """The active-set solver's factor: supports up to the rank (n), or any size with an
    L2 term on every feature, at most ``_ACTIVE_MAX``; plus one spare row."""
    _, _, ws = _kernels()
    cap = min(design.p if b.size and np.min(b) > 0 else design.n, _ACTIVE_MAX) + 1
    return ws.Factor(np.zeros((cap, cap)), np.zeros(cap, dtype=np.int64), np.zeros(cap),
                     np.zeros(1, dtype=np.int64))


def _active_ok(pen):
    """Bounds the active-set solver handles: each 0 or infinite."""
    return bool(np.all((pen.lo == 0) | np.isinf(pen.lo)) and
                np.all((pen.up == 0) | np.isinf(pen.up)))


def solve_least_squares(design, y, pen, engine, *, tol, max_iter, coef_init=None, verbose=0,
                        warn=True, newton=True, gram=None):
    """Minimize ``1/(2S) ||y - Xc w - b||_s^2 + penalty(w)`` with ``engine`` ("direct",
    "gram" or "working_set"; see the module docstring). ``gram`` is a :class:`FullGram`
    of this design and target when known (the Gram engine computes it otherwise);
    ``newton=False`` keeps the working-set solver to plain CD epochs."""
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
        cd, k_gram, _ = _kernels()
        fg = gram if gram is not None else FullGram(design, yc)
        out = np.zeros(3)
        epochs = k_gram.gram_fit(fg.G, fg.q, fg.yy, w, pen.kernel,
                                 gram_projection(fg.G, fg.q, pen), tol_gap, int(max_iter),
                                 cd.ANDERSON_K, float(np.finfo(design.dtype).eps), out)
        hist = [(epochs, float(out[0]))]
    else:
        _, _, k_ws = _kernels()
        r = yc - design.matvec(w)
        warm = bool(np.any(w != 0))
        # the active set adds one violator per solve: right for warm starts and for
        # p >> n (supports near the rank), slower than CD for a cold start with p close to n
        active = newton and (warm or design.p >= 2 * design.n) and _active_ok(pen)
        out = np.zeros(5)
        h = np.zeros((_HISTORY, 2))
        epochs = k_ws.ws_fit(design.kernel(), yc, w, r, pen.kernel, projection(design, yc, pen),
                             _config(design, pen, tol_gap, max_iter, newton, active, verbose),
                             _factor(design, pen.b), np.empty(design.p), False, out, h)
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
    r = yc - design.matvec(w)
    stats = np.zeros((m, 5))
    b_last = pen_unit.b * (alphas[-1] * cb)
    cfg = _config(design, pen_unit, tol_gap, max_iter, True, _active_ok(pen_unit), 0)
    W = np.empty((p, m), order="F")
    buf = pen_unit.scaled(1.0, 1.0).kernel  # the kernel writes each alpha's weights here
    k_ws.ws_path(design.kernel(), yc, w, r, pen_unit.kernel, buf,
                 projection(design, yc, pen_unit), alphas, float(ca), float(cb), cfg,
                 _factor(design, b_last), W, stats)
    converged = stats[:, 2] == 1.0
    for i in np.flatnonzero(~converged):
        warn_cd(max_iter, stats[i, 0], tol_gap, tol, stacklevel=4)
    return (W, _intercepts(design, ybar, W), stats[:, 0].copy(), stats[:, 3].astype(np.int64),
            converged, stats[:, 4].copy())


def gram_path(fg, pen_unit, alphas, ca, cb, *, tol_gap, max_iter, eps):
    """The Gram engine's path on ``fg`` (a :class:`FullGram`, or anything with ``G``, ``q``
    and ``yy``): ``(W (p x m), gaps, epochs, converged)``; the caller warns."""
    cd, k_gram, _ = _kernels()
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    p, m = fg.G.shape[0], alphas.size
    W = np.empty((p, m), order="F")
    stats = np.zeros((m, 4))
    k_gram.gram_path(fg.G, fg.q, fg.yy, np.zeros(p), pen_unit.kernel,
                     pen_unit.scaled(1.0, 1.0).kernel, gram_projection(fg.G, fg.q, pen_unit),
                     alphas, float(ca), float(cb), float(tol_gap), int(max_iter),
                     cd.ANDERSON_K, float(eps), W, stats)
    return W, stats[:, 0].copy(), stats[:, 3].astype(np.int64), stats[:, 2] == 1.0
