"""Regularization paths of the penalties beyond the elastic net: the alpha grid from the
penalty's own ``alpha_max`` and warm-started fits by the engine
:func:`~penalized.solvers.engine.choose_engine` picks for the penalty (each fit starts
from the previous alpha's solution, as ncvreg and grpreg do; for a nonconvex penalty this
selects the critical point that continues the path).

:func:`penalized.path` calls these when given a ``penalty``; the cross-validated
estimators of :mod:`penalized.model_selection.penalty_cv` share them.
"""

import numpy as np
import scipy.sparse as sp

from .paths import PathResult, _dev_explained
from .solvers.api import null_gradient, null_model, solve_design
from .solvers.engine import choose_engine
from .solvers.penalty_engines import path_function

__all__ = ["fit_penalty_path", "penalty_alpha_max", "penalty_grid", "penalty_path_from_design",
           "unit_arrays"]


def unit_arrays(penalty, n_features, *, penalty_factor=None, lower_bounds=None,
                upper_bounds=None, positive=False):
    """The arrays of ``penalty`` at unit strength, with the caller's per-feature options
    filled in where the penalty leaves them unset."""
    options = dict(penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds, positive=positive)
    if not hasattr(penalty, "configure"):
        raise TypeError(f"penalty must be a penalty of penalized.penalties, got {penalty!r}.")
    return penalty.configure(1.0, **options).arrays(n_features)


def penalty_alpha_max(design, y, datafit, pen_unit, offset=None):
    """The smallest alpha with every penalized coefficient (group, row) at zero: the
    penalty's ``alpha_max`` at the null model's gradient; 1 when it is not finite and
    positive (nothing penalized)."""
    grad = null_gradient(design, y, datafit, pen_unit, offset)
    amax = pen_unit.alpha_max(grad)
    return amax if np.isfinite(amax) and amax > 0 else 1.0


def penalty_grid(design, y, datafit, pen_unit, n_alphas, eps, offset=None):
    """Decreasing grid ``geomspace(alpha_max, eps * alpha_max, n_alphas)``."""
    amax = penalty_alpha_max(design, y, datafit, pen_unit, offset)
    return np.geomspace(amax, amax * eps, n_alphas) if n_alphas > 1 else np.array([amax])


def fit_penalty_path(design, y, datafit, pen_unit, grid, *, tol, max_iter, offset=None,
                     verbose=0, deviance=True, seed=-1):
    """The warm-started path over the decreasing ``grid`` (penalty ``alpha * pen_unit``).

    ``dual_gaps`` holds each fit's certificate: the duality gap, or for a nonconvex
    penalty the critical-point criterion. ``seed >= 0``: a random coordinate order drawn
    from it (engines that have one, see
    :data:`~penalized.solvers.penalty_engines.SHUFFLED`). The path starts from the null
    model (the unpenalized features fitted, as glmnet): at ``alpha_max`` every penalized
    coefficient then stays exactly zero."""
    grid = np.asarray(grid, dtype=np.float64)
    engine = choose_engine(design, datafit, pen_unit, path=True)
    run_path = path_function(engine)
    w0 = b0 = None
    if pen_unit.unpenalized.size:
        w0, b0, _ = null_model(design, y, datafit, pen_unit, offset)
    if run_path is not None and not verbose and grid.size and grid.min() > 0:
        target = y if offset is None else y - np.reshape(offset, (-1,) + (1,) * (y.ndim - 1))
        coefs, intercepts, gaps, iters, conv = run_path(design, target, pen_unit, grid, tol=tol,
                                                        max_iter=max_iter, seed=seed,
                                                        coef_init=w0)
        return _result(design, y, datafit, grid, coefs, intercepts, gaps, iters, conv, offset,
                       deviance)
    coefs, intercepts, gaps, iters, conv = [], [], [], [], []
    for alpha in grid:
        res = solve_design(design, y, datafit, pen_unit.scaled(alpha), tol=tol,
                           max_iter=max_iter, coef_init=w0, intercept_init=b0, offset=offset,
                           verbose=verbose, seed=seed)
        w0, b0 = res.coef, res.intercept
        coefs.append(np.array(res.coef, copy=True))
        intercepts.append(np.copy(res.intercept))
        gaps.append(res.dual_gap)
        iters.append(res.n_iter)
        conv.append(res.converged)
    return _result(design, y, datafit, grid, coefs, intercepts, gaps, iters, conv, offset,
                   deviance)


def _result(design, y, datafit, grid, coefs, intercepts, gaps, iters, conv, offset, deviance):
    m = grid.size
    dev = (_dev_explained(design, y, datafit, None, (coefs, intercepts, offset)) if deviance
           else np.full(m, np.nan))
    if datafit.multi_output:
        coef_out = coefs
        df = np.array([int(np.any(c != 0, axis=1).sum()) for c in coefs])
    else:
        coef_out = (sp.csc_matrix(np.column_stack(coefs)) if coefs
                    else sp.csc_matrix((design.p, 0)))
        df = np.array([int(np.count_nonzero(c)) for c in coefs])
    return PathResult(alphas=grid, coefs=coef_out, intercepts=np.array(intercepts),
                      dual_gaps=np.array(gaps), n_iters=np.array(iters), df=df,
                      dev_explained=dev, converged=np.array(conv))


def explicit_grid(alphas):
    """Explicit alphas, sorted decreasing; a ``ValueError`` names ``alphas`` otherwise."""
    grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError("alphas must be a positive count or non-empty finite values >= 0.")
    return grid


def penalty_path_from_design(design, y, datafit, penalty, alphas, eps, options, standardize,
                             *, tol, max_iter, offset=None, verbose=0):
    """:func:`penalized.path` with a ``penalty`` object on a validated design."""
    from ._validation import check_int

    pen_unit = unit_arrays(penalty, design.p, **options)
    if standardize:
        pen_unit = pen_unit.standardized(design.sqnorms())
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        grid = penalty_grid(design, y, datafit, pen_unit, check_int(alphas, "alphas"), eps,
                            offset)
    else:
        grid = explicit_grid(alphas)
    return fit_penalty_path(design, y, datafit, pen_unit, grid, tol=tol, max_iter=max_iter,
                            offset=offset, verbose=verbose)
