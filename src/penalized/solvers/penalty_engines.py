"""The engines of the penalties beyond the elastic net, by name: what
:func:`penalized.solvers.api.solve_design` runs for the engines
:func:`penalized.solvers.engine.choose_engine` picks for them. Each is imported on first
use, so a plain lasso never loads (or compiles) any of them."""

import importlib

__all__ = ["ENGINES", "PATHS", "SHUFFLED", "path_function", "run_engine"]

# engine -> (module, function, whether it takes a datafit)
ENGINES = {
    "nonconvex_cd": ("nonconvex", "nonconvex_solve", False),
    "reweighted": ("reweighted", "reweighted_solve", True),
    "group_bcd": ("group", "group_solve", False),
    "group_newton": ("group_newton", "group_newton_solve", True),
    "multitask_bcd": ("multitask", "multitask_solve", False),
    "multitask_gram": ("multitask", "multitask_gram_solve", False),
}
# engines with a random coordinate (row) order: scikit-learn's selection="random"
SHUFFLED = ("multitask_bcd", "multitask_gram")

# engines that run a whole warm-started path in one call: engine -> (module, function)
PATHS = {
    "multitask_bcd": ("multitask", "multitask_path"),
    "multitask_gram": ("multitask", "multitask_gram_path"),
}


def run_engine(engine, design, y, datafit, pen, *, tol, max_iter, coef_init=None,
               intercept_init=None, offset=None, verbose=0, warn=True, max_steps=None,
               seed=-1):
    """Solve with the named engine (least-squares engines get ``y - offset``);
    ``max_steps`` caps the outer steps of the GLM engines (prox-Newton steps), ``seed >=
    0`` draws a random coordinate order for the engines in ``SHUFFLED`` (the others
    have none to draw)."""
    module, name, glm = ENGINES[engine]
    solve = getattr(importlib.import_module(f".{module}", __package__), name)
    kw = dict(tol=tol, max_iter=max_iter, coef_init=coef_init, verbose=verbose, warn=warn)
    if glm:
        return solve(design, y, datafit, pen, intercept_init=intercept_init, offset=offset,
                     max_steps=max_steps, **kw)
    if offset is not None:
        y = y - offset  # the offset of the squared loss is a shift of the target
    if engine in SHUFFLED:
        kw["seed"] = seed
    return solve(design, y, pen, **kw)


def path_function(engine):
    """The engine's path function ``f(design, y, pen_unit, alphas, *, tol, max_iter,
    seed)`` returning ``(coefs, intercepts, gaps, epochs, converged)``, or None (the path
    is then fitted alpha by alpha)."""
    if engine not in PATHS:
        return None
    module, name = PATHS[engine]
    return getattr(importlib.import_module(f".{module}", __package__), name)
