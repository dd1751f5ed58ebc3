"""The one place that decides which engine solves a problem.

Every fit, path and cross-validation asks :func:`choose_engine`; no other module branches
on the class of a datafit or a penalty, or on the shape of the data, to pick a solver.
"""

import numpy as np

__all__ = ["choose_engine", "cv_on_gram_downdates", "logistic_path_ok", "newton_kernel_ok",
           "newton_model_engine"]

_GRAM_MAX_P = 1000  # full p x p Gram matrix along a path (8 MB at p = 1000)
_GRAM_FIT_MAX_P = 256  # ... for a single fit (n p^2 / 2 flops against a few CD epochs)
_DIRECT_MAX = 4000  # largest dense system of the closed form (p x p, or n x n when p > n)


def choose_engine(design, datafit, pen, *, path=False, closed_form=True, precompute="auto",
                  shuffle=False):
    """The engine for ``datafit(y, X w + b) + penalty(w)`` on ``design``.

    ==========================  ===================================  =====================
    datafit                     penalty, data                        engine
    ==========================  ===================================  =====================
    multi-output, grouped       any                                  ``grouped_multinomial``
                                                                     (FISTA with restarts)
    multi-output                any                                  ``multinomial``
                                                                     (class-wise prox-Newton)
    coupled (Cox)               any                                  ``coupled_newton``
                                                                     (exact Hessian blocks)
    per-sample GLM              any                                  ``prox_newton``
    quadratic                   no L1 part, no bounds; dense with    ``direct`` (closed form;
                                min(n, p) <= 4000 or sparse with     one eigendecomposition
                                p <= 4000 (or n <= 4000 and every    along a path)
                                feature penalized)
    quadratic                   n >= 2 p, p <= 256 (a fit) or p <=   ``gram`` (CD on the full
                                1000 (a path); unpenalized features  p x p Gram matrix, and
                                unbounded; sparse X: no column with  support Newton steps)
                                a mean large against its spread
    quadratic                   otherwise (dense or sparse)          ``working_set``
                                                                     (residual CD, active
                                                                     set and Newton steps)
    --------------------------  -----------------------------------  ---------------------
    quadratic                   concave with closed-form updates     ``nonconvex_cd`` (CD
                                (MCP, SCAD)                          on working sets, KKT
                                                                     criterion)
    single-output, any          concave (log-sum, Lq; MCP and SCAD   ``reweighted``
                                for GLMs)                            (weighted-L1 steps on
                                                                     the engines above)
    quadratic                   group, sparse group                  ``group_bcd`` (block
                                                                     CD on group working
                                                                     sets, duality gap)
    per-sample GLM              group, sparse group                  ``group_newton``
                                                                     (prox-Newton, models
                                                                     by ``group_bcd``)
    multi-task quadratic        L2,1 rows; p <= 256 and n >= 2 p     ``multitask_gram``
                                (a fit), p <= 1000 and n >= p (a     (block CD on rows of
                                path), as ``gram`` for sparse X      the Gram matrix)
    multi-task quadratic        L2,1 rows, otherwise                 ``multitask_bcd``
                                                                     (block CD on rows)
    ==========================  ===================================  =====================

    The penalty's arrays say which part of the table applies (their ``family``:
    ``"separable"``, ``"concave"``, ``"group"`` or ``"rows"``).

    Inside ``prox_newton`` each Newton step's weighted least-squares model is solved by
    the same least-squares engines (tall designs on the Gram matrix of a per-step
    working set; see :mod:`penalized.solvers.prox_newton`).

    Parameters
    ----------
    design : penalized.solvers.design.Design
    datafit : penalized.datafits.Datafit
    pen : penalized.penalties.PenaltyArrays or the arrays of another penalty family
    path : bool, default=False
        Whether the engine will solve a warm-started path (the Gram matrix is then shared
        by every alpha).
    closed_form : bool, default=True
        Allow ``direct`` (False: an iterative engine, e.g. to check one against the
        other).
    precompute : {"auto", True, False}, default="auto"
        scikit-learn's ``precompute``: True asks for the Gram engine whatever the shape
        (when the problem allows it), False forbids it, "auto" decides by the table.
    shuffle : bool, default=False
        Coordinates in random order (scikit-learn's ``selection="random"``): the
        working-set engine.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Quadratic
    >>> from penalized.penalties import L1
    >>> from penalized.solvers.design import Design
    >>> from penalized.solvers.engine import choose_engine
    >>> X = np.asfortranarray(np.random.default_rng(0).standard_normal((100, 5)))
    >>> choose_engine(Design(X, None, True), Quadratic(), L1(0.1).arrays(5))
    'gram'
    """
    family = pen.family
    if family != "separable" or (datafit.multi_output and datafit.quadratic):
        return _penalty_engine(family, design, datafit, pen, path)
    if datafit.multi_output:
        return "grouped_multinomial" if datafit.grouped else "multinomial"
    if datafit.coupled:
        return "coupled_newton"
    if not datafit.quadratic:
        return "prox_newton"
    n, p = design.n, design.p
    # sparse: the p x p normal equations, or for a wide design whose features are all
    # penalized the n x n dual system (ridge_direct falls back to the iterative engine
    # otherwise)
    small = min(n, p) <= _DIRECT_MAX
    if closed_form and pen.smooth and small:
        return "direct"
    if shuffle or precompute is False or not (_gram_safe(design) and _free_unbounded(pen)):
        return "working_set"
    if precompute is True or (n >= 2 * p and p <= (_GRAM_MAX_P if path else _GRAM_FIT_MAX_P)):
        return "gram"
    return "working_set"


def _penalty_engine(family, design, datafit, pen, path):
    """The engine of a penalty beyond the elastic net (the rows of the table below the
    line in :func:`choose_engine`)."""
    if datafit.coupled:
        raise ValueError(f"{datafit!r} couples the samples (risk sets): its engine "
                         f"coupled_newton takes the elastic net only, not a penalty of "
                         f"family {family!r} (MCP, SCAD, log-sum, Lq, group, L2,1).")
    if family == "group" and not datafit.convex:
        raise ValueError(f"Group penalties stop on a duality gap, and the non-convex "
                         f"loss {datafit!r} has none: use the elastic net or a convex "
                         f"loss.")
    if family == "concave":
        if datafit.multi_output:
            raise ValueError(f"The {pen.name} penalty needs a single-output datafit, got "
                             f"{datafit!r}.")
        return "nonconvex_cd" if datafit.quadratic and pen.closed_form else "reweighted"
    if family == "group":
        if datafit.multi_output:
            raise ValueError(f"Group penalties need a single-output datafit, got {datafit!r} "
                             "(for one group per feature across classes use "
                             "Multinomial(grouped=True)).")
        return "group_bcd" if datafit.quadratic else "group_newton"
    if family == "rows" or (datafit.multi_output and datafit.quadratic):
        # (separable arrays without bounds read as row weights: the unpenalized rows' fit
        # of the null model)
        rows = family == "rows" or (family == "separable" and not pen.bounded)
        if not (rows and datafit.quadratic and datafit.multi_output):
            raise ValueError(f"The L2,1 row penalty and the multi-task squared loss go "
                             f"together, got {datafit!r} with a {family} penalty.")
        n, p = design.n, design.p
        # a path shares the Gram matrix over every alpha: worth it from n >= p
        if p <= (_GRAM_MAX_P if path else _GRAM_FIT_MAX_P) and n >= (p if path else 2 * p) \
                and _gram_safe(design):
            return "multitask_gram"
        return "multitask_bcd"
    raise ValueError(f"Unknown penalty family {family!r}.")


def _free_unbounded(pen):
    """Whether every unpenalized feature is unbounded (the Gram engine profiles them out
    in closed form)."""
    free = pen.unpenalized
    return not (np.any(np.isfinite(pen.lo[free])) or np.any(np.isfinite(pen.up[free])))


def _gram_safe(design):
    """Whether ``X'X / S - mu mu'`` is accurate: always for dense X (centered
    explicitly); for sparse X, unless a column's mean is large against its spread
    (the centered Gram entries would cancel: the residual engine centers exactly)."""
    if not design.sparse or not design.center:
        return True
    return bool(np.all(design.mu ** 2 <= 1e4 * design.sqnorms()))


def newton_model_engine(design):
    """How prox-Newton steps on ``design`` solve their weighted least-squares models
    (without L1 part and bounds: in closed form, whatever this says): ``"gram_dense"`` or
    ``"gram_sparse"`` (CD on the weighted Gram matrix of a per-step working set: tall
    designs with short rows), or None (weighted residual CD epochs).

    One weighted Gram product costs ``sum_i nnz_i^2 / 2`` multiply-adds (``n k^2 / 2`` in
    BLAS for dense X), a residual CD epoch about ``2 nnz``; a Newton step runs several
    epochs, so the Gram pays off on tall designs with short rows.
    """
    n, k = design.n, design.p
    if k == 0 or n < 4 * k or k > 2000:
        return None
    if design.sparse:
        from .kernels.sparse import csc_row_square_sum

        nnz = design.X.indices.size
        pairs = csc_row_square_sum(design.X.indices, n)
        return "gram_sparse" if pairs <= 32.0 * max(nnz, 1) else None
    return "gram_dense" if k <= 64 else None


def newton_kernel_ok(design, datafit, pen, model_engine, verbose):
    """Whether prox-Newton runs its steps in one numba call
    (:mod:`penalized.solvers.kernels.logistic`): a datafit with such a kernel, plain L1,
    a design without intercept whose models are solved by residual epochs, sparse or
    dense float64 F-ordered (the specialization a dense float64 design shares with CSC)."""
    if not (datafit.newton_kernel and model_engine is None and not design.center
            and pen.plain_l1 and not verbose and design.p):
        return False
    return bool(design.sparse or (design.dtype == np.float64
                                  and design.X.flags.f_contiguous))


def logistic_path_ok(design, datafit, pen, y, grid, verbose, seed):
    """Whether a path's prox-Newton fits run in the logistic path kernel
    (:mod:`penalized.solvers.logistic_path`): the logistic or binomial loss, an elastic
    net with an L1 part and every feature penalized, float64 X (dense F-ordered or CSC),
    positive alphas, both outcomes present (so the intercept is finite), no ``verbose``
    and no random coordinate order."""
    if not (datafit.newton_kernel and pen.family == "separable" and not verbose
            and seed < 0 and design.p and design.dtype == np.float64):
        return False
    if not design.sparse and not design.X.flags.f_contiguous:
        return False
    if not (np.all(pen.a > 0) and grid.size and np.all(grid > 0) and np.all(np.isfinite(grid))):
        return False
    y = np.asarray(y, dtype=np.float64)
    ybar = float(design.s @ y) / design.S
    return bool(0.0 < ybar < 1.0)


def cv_on_gram_downdates(X, datafit, pen, folds, relax):
    """Whether a cross-validation solves its folds' least-squares paths by the Gram engine
    on downdates of one all-rows Gram matrix (:mod:`penalized.model_selection._gram_cv`):
    dense X with every training fold at least twice as tall as wide, p <= 1000, every
    unpenalized feature unbounded, and no relaxed refits (they need the training rows)."""
    if relax or not datafit.quadratic or not isinstance(X, np.ndarray):
        return False
    if not _free_unbounded(pen):
        return False
    n_train = min(tr.size for tr, _ in folds)
    return X.shape[1] <= _GRAM_MAX_P and n_train >= 2 * X.shape[1]
