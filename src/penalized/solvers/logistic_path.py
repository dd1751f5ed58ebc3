"""Logistic (binomial) elastic-net paths in one numba call per stretch of alphas.

:func:`logistic_path_fits` drives :func:`penalized.solvers.kernels.logistic_path.logistic_path`
(the whole path of prox-Newton fits, see that module) and finishes a fit the kernel hands
back with :func:`~penalized.solvers.prox_newton.glm_solve` from the kernel's point, then
resumes the kernel at the next alpha. Every fit stops on the certificate of ``glm_solve``
(the duality gap at most ``tol`` times the null model's excess loss) and warns as it does.
:func:`penalized.solvers.engine.logistic_path_ok` says when it applies.
"""

import numpy as np

from .kernels.cd import ANDERSON_K
from .prox_newton import _Steps, _warn, glm_solve, start_point

__all__ = ["logistic_path_fits"]


def logistic_path_fits(design, y, datafit, mix, grid, *, tol, max_iter, offset=None,
                       max_steps=None):
    """The warm-started fits of ``1/S sum_i s_i l(y_i, x_i.w + b + o_i) + alpha mix(w)``
    over the decreasing positive ``grid`` (``mix``: the unit
    :class:`~penalized.penalties.separable.PenaltyArrays`, every feature penalized), as
    the lists ``(coefs, intercepts, gaps, iters, converged, steps)`` of
    :func:`penalized.paths.path_result` and the fits' mean losses (for the deviance
    explained, without a pass over X). ``max_iter`` caps each fit's CD epochs,
    ``max_steps`` (when given) its Newton steps."""
    from .kernels.logistic_path import logistic_path

    y, offset, w, b = start_point(design, y, datafit, mix, offset, None, None)
    s = design.s
    scale = datafit.tol_scale(y, s, offset, design.center)
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    m, p = grid.size, design.p
    W = np.zeros((p, m), order="F")
    B = np.zeros(m)
    stats = np.zeros((m, 5))
    pen = mix.scaled(1.0, 1.0)  # working arrays: the kernel writes alpha * mix into them
    bias = np.array([b])
    step_cap = 2**62 if max_steps is None else int(max_steps)
    i = 0
    while i < m:
        i = logistic_path(design.kernel(), y, offset, mix.kernel, pen.kernel, grid, w, bias,
                          tol_gap, int(max_iter), step_cap, ANDERSON_K, i, W, B, stats)
        if i == m:
            break
        # a fit the kernel could not finish (rounding level): the Python engine, from the
        # kernel's point, with the budget left
        spent_epochs, spent_steps = int(stats[i, 3]), int(stats[i, 4])
        res = glm_solve(design, y, datafit, mix.scaled(grid[i], grid[i]), offset=offset,
                        tol=tol, max_iter=max(int(max_iter) - spent_epochs, 1),
                        coef_init=w, intercept_init=float(bias[0]), warn=False,
                        max_steps=None if max_steps is None
                        else max(step_cap - spent_steps, 1))
        w = np.array(res.coef, dtype=np.float64)
        bias[0] = res.intercept if design.center else 0.0
        W[:, i] = w
        B[i] = bias[0]
        stats[i] = (res.dual_gap, res.primal, float(res.converged),
                    spent_epochs + res.n_iter, spent_steps + res.n_steps)
        i += 1
    conv = stats[:, 2] == 1.0
    for i in np.flatnonzero(~conv):
        steps = _Steps(max_steps)
        steps.n = int(stats[i, 4])
        _warn(datafit, int(max_iter), stats[i, 0], tol_gap, tol, int(stats[i, 3]), steps)
    coefs = [W[:, i].copy() for i in range(m)]
    # the fits' mean losses: the primal objective less the penalty; NaN (computed from
    # the predictor, as the null model's loss is) for the fits without a nonzero
    # coefficient, whose deviance explained is then 0 to the intercept's accuracy, not
    # to the rounding of two different sums
    values = np.array([stats[i, 1] - grid[i] * mix.value(coefs[i])
                       if np.any(coefs[i]) else np.nan for i in range(m)])
    return (coefs, list(B), list(stats[:, 0]), [max(int(e), 1) for e in stats[:, 3]],
            list(conv), [int(t) for t in stats[:, 4]], values)
