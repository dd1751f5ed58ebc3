"""Engine ``"reweighted"``: concave penalties by reweighted L1 (majorize-minimize).

A concave penalty ``sum_j P(s_j |w_j|)`` lies below its tangent in ``|w|``: at the iterate
``w^k`` it is majorized by the weighted lasso penalty ``sum_j a_j |w_j|`` (plus a
constant) with ``a_j = s_j P'(s_j |w_j^k|)``. Each step solves that weighted-L1 problem,
warm-started, on the core engine of the datafit (:func:`penalized.solvers.api.solve_design`:
least squares, prox-Newton for GLMs), so every step lowers the objective, with the
datafit's options (weights, offsets, bounds, unpenalized features) untouched (Zou and Li's
local linear approximation; Candes, Wakin and Boyd's reweighted L1).

There is no duality gap: the loop stops when the critical-point criterion
``sum_j kkt_j^2 / (2 L_j)`` (``L_j`` the loss's curvature along feature j at the iterate)
is at most ``tol`` times the datafit's scale, and the last weighted problem is solved to
its own ``tol``. Lq (infinite weight at 0) starts from the lasso's weights.
"""

import numpy as np

from .certificate import curvatures
from .result import CRITERION_NAMES, SolveResult, warn_not_converged

__all__ = ["reweighted_solve"]

_MAX_STEPS = 1000  # reweighting steps, at most
_TIGHTEN = 0.1  # the weighted problems are solved to this fraction of the current criterion


def criterion(design, datafit, y, pen, w, b, offset):
    """The critical-point criterion at ``(w, b)`` (see the module docstring)."""
    eta = design.predictor(w, b, 0.0 if offset is None else offset)
    g = np.asarray(datafit.grad(y, eta), dtype=np.float64) * design.s
    grad = design.rmatvec(g) / design.S
    return pen.criterion(w, grad, curvatures(design, datafit.hess(y, eta)))


def reweighted_solve(design, y, datafit, pen, *, tol, max_iter, coef_init=None,
                     intercept_init=None, offset=None, verbose=0, warn=True, max_steps=None):
    """Minimize ``datafit + concave penalty`` by reweighted L1 (see the module docstring);
    ``max_iter`` caps the epochs of all the weighted problems, ``max_steps`` (when given)
    the prox-Newton steps of a GLM's weighted problems, all together."""
    from .api import solve_design

    scale = datafit.tol_scale(y, design.s, 0.0 if offset is None else offset, design.center)
    tol_abs = tol * max(scale, np.finfo(float).tiny)
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    b = intercept_init
    first = not np.any(w)
    epochs = steps = 0
    crit = np.inf
    tol_in = tol
    history = []
    converged = False
    primal = np.inf
    for _ in range(_MAX_STEPS):
        maj = pen.majorizer(w, first)
        first = False
        left = None if max_steps is None else max(max_steps - steps, 1)
        res = solve_design(design, y, datafit, maj, tol=tol_in, max_iter=max(max_iter - epochs, 1),
                           coef_init=w, intercept_init=b, offset=offset, warn=False,
                           max_steps=left)
        epochs += res.n_iter
        steps += res.n_steps
        w, b = res.coef, res.intercept
        crit = criterion(design, datafit, y, pen, w, b, offset)
        primal = res.primal - maj.value(w) + pen.value(w)
        history.append((epochs, crit))
        if verbose:
            print(f"[penalized:reweighted {pen.name}] epochs={epochs:5d} primal={primal:.10e} "
                  f"crit={crit:.3e} tol={tol_abs:.3e} nnz={np.count_nonzero(w)}")
        if crit <= tol_abs:  # the certificate of the concave problem itself
            converged = True
            break
        spent = max_steps is not None and steps >= max_steps
        if epochs >= max_iter or spent:
            break
        tol_in = max(min(tol, _TIGHTEN * crit / max(scale, np.finfo(float).tiny)), 1e-3 * tol)
    if not converged and warn:
        budget = (dict(max_iter=max_steps, unit="Newton steps (max_iter)")
                  if max_steps is not None and steps >= max_steps else dict(max_iter=max_iter))
        warn_not_converged(f"Reweighted L1 ({pen.name})", crit, tol_abs, tol,
                           "the datafit's scale", **budget,
                           criterion=CRITERION_NAMES["kkt"],
                           stacklevel=5)
    return SolveResult(coef=w, intercept=b if b is not None else 0.0, dual_gap=float(crit),
                       tol_gap=tol_abs, n_iter=max(epochs, 1), converged=converged,
                       primal=float(primal), history=history, engine="reweighted",
                       criterion="kkt", n_steps=steps)
