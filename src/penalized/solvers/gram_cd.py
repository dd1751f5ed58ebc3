"""Coordinate descent on the full Gram matrix, for tall designs along a path.

When n_samples is large against n_features, the centered, weighted Gram matrix
``G = Xc' diag(s) Xc / S`` (p x p) and ``q = Xc' diag(s) yc / S`` hold everything the
quadratic problem needs: the gradient is ``q - G w``, the squared residual norm is
``yy - q'w - w'(q - G w)``, and so the duality gap needs no pass over X. ``G`` is
computed once per design (n p^2 flops, as scikit-learn's ``precompute``) and shared by
every alpha of a path, whose fits then cost O(p^2) per outer iteration.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["full_gram_ok", "gram_path", "gram_solve"]

_ANDERSON_K = 5
_MAX_P = 1000  # p x p float64 Gram: 8 MB at p = 1000


def full_gram_ok(design, pen):
    """Whether a path on this design is best solved on the full Gram matrix.

    Dense, tall (n >= 2 p), p <= 1000, and every feature penalized (unpenalized
    features need a projection of the dual point, done by the residual solver).
    """
    return (not design.sparse and design.p <= _MAX_P and design.n >= 2 * design.p
            and pen.unpenalized.size == 0)


class FullGram:
    """``G``, ``q`` and ``yy`` of one design and target; constant columns zeroed."""

    def __init__(self, design, yc, G=None):
        s, S = design.s, design.S
        cols = np.arange(design.p)
        # G may be given (the centered Gram matrix / S, e.g. computed once for a CV)
        G = design.cross(cols, cols) if G is None else np.array(G, dtype=np.float64)
        L = design.sqnorms()
        dead = L == 0
        G[dead, :] = 0.0
        G[:, dead] = 0.0
        self.G = np.ascontiguousarray(G)
        self.q = design.rmatvec(s * yc) / S
        self.q[dead] = 0.0
        self.yy = float(s @ (yc * yc)) / S


def gram_solve(design, y, pen, fg, *, tol, max_iter, coef_init=None, verbose=0, warn=True):
    """Minimize ``1/(2S) ||y - Xc w - b||_s^2 + penalty(w)`` with the full Gram ``fg``.

    Same stopping rule and result as :func:`~penalized.solvers.cd.cd_solve`.
    """
    from . import _fit_kernels as k
    from .cd import SolveResult

    s, S = design.s, design.S
    y = np.asarray(y, dtype=np.float64)
    ybar = float(s @ y) / S if design.center else 0.0
    tol_gap = tol * fg.yy
    L = design.sqnorms()
    a, b, lo, up = pen.a, pen.b, pen.lo, pen.up
    w = np.zeros(design.p) if coef_init is None else np.clip(
        np.array(coef_init, dtype=np.float64), lo, up)
    w[(L == 0) & (b == 0)] = 0.0
    eps = float(np.finfo(design.dtype).eps)
    out = np.zeros(3)
    epochs = k.gram_fit(fg.G, fg.q, fg.yy, w, a, b, lo, up, tol_gap, max_iter, _ANDERSON_K,
                        eps, out)
    gap, primal, converged = float(out[0]), float(out[1]), bool(out[2])
    history = [(epochs, gap)]
    if verbose:
        print(f"[penalized] epochs={epochs:5d} primal={primal:.10e} gap={gap:.3e} "
              f"tol={tol_gap:.3e} nnz={np.count_nonzero(w)}")
    if not converged and warn:
        warnings.warn(
            f"Coordinate descent did not converge in max_iter={max_iter} epochs: duality "
            f"gap {gap:.3e} > tol {tol_gap:.3e} (tol={tol} times the weighted variance of y). "
            "Increase max_iter, loosen tol, or standardize the features.",
            ConvergenceWarning,
            stacklevel=4,
        )
    intercept = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=intercept, dual_gap=float(gap), tol_gap=tol_gap,
                       n_iter=max(epochs, 1), converged=converged, primal=float(primal),
                       history=history)


def gram_path(G, q, yy, pen_unit, alphas, ca, cb, *, tol_gap, max_iter, eps):
    """The path over decreasing ``alphas`` (penalty ``pen_unit`` scaled by
    ``(alpha ca, alpha cb)``) on the Gram matrix ``G`` (with ``q`` and ``yy`` as in
    :class:`FullGram`), warm-started from 0, in one kernel call. Returns (W (p x m), gaps, epochs,
    converged); the caller warns for the fits that stopped short."""
    from ._fit_kernels import gram_path as kernel

    p = G.shape[0]
    w = np.clip(np.zeros(p), pen_unit.lo, pen_unit.up)
    W = np.empty((p, alphas.size), order="F")
    stats = np.zeros((alphas.size, 4))
    kernel(G, q, yy, w, pen_unit.a, pen_unit.b, pen_unit.lo, pen_unit.up,
           np.ascontiguousarray(alphas, dtype=np.float64), float(ca), float(cb), tol_gap,
           max_iter, _ANDERSON_K, eps, W, stats)
    return W, stats[:, 0], stats[:, 3].astype(np.int64), stats[:, 2] == 1.0
