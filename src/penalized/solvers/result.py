"""What every engine returns, and the one warning of a fit cut short."""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["CRITERION_NAMES", "SolveResult", "warn_not_converged"]

# what a SolveResult's ``criterion`` names, in warnings
CRITERION_NAMES = {"gap": "duality gap",
                   "kkt": "critical-point criterion sum_j kkt_j^2 / (2 L_j)"}


@dataclass
class SolveResult:
    """What a solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,) or (n_features, n_classes)
    intercept : float or ndarray of shape (n_classes,)
    dual_gap : float
        Duality gap at ``coef`` (in the units of the objective); never negative. For a
        nonconvex penalty or loss (``criterion="kkt"``) the critical-point criterion
        instead.
    tol_gap : float
        The absolute gap (or criterion) the solver aimed for (``tol`` times the datafit's
        scale).
    n_iter : int
        Coordinate-descent epochs run (over working sets and prox-Newton steps), or
        proximal-gradient iterations.
    converged : bool
    primal : float
        Objective value at ``coef``.
    history : list
        (epochs, gap) after each outer iteration.
    engine : str
        The engine that solved it (see :func:`penalized.solvers.engine.choose_engine`).
    criterion : str
        What ``dual_gap`` holds: ``"gap"`` (a duality gap) or ``"kkt"`` (the
        critical-point criterion ``sum_j kkt_j^2 / (2 L_j)`` of a nonconvex penalty or
        a non-convex loss: ``datafit.convex`` False).
    n_steps : int
        Outer iterations of the GLM engines (prox-Newton steps, class sweeps, FISTA
        iterations); what their estimators report as ``n_iter_``.
    eta : ndarray of shape (n_samples,) or None
        The linear predictor at ``coef`` (offset included) where the engine has it at
        no cost (the Cox kernel), else None.
    """

    coef: np.ndarray
    intercept: float
    dual_gap: float
    tol_gap: float
    n_iter: int
    converged: bool
    primal: float
    history: list = field(default_factory=list)
    engine: str = ""
    criterion: str = "gap"
    n_steps: int = 0
    eta: np.ndarray | None = None

    def __post_init__(self):
        # a certificate is never negative: below zero is rounding error of P - D
        self.dual_gap = max(float(self.dual_gap), 0.0)


def warn_not_converged(what, gap, tol_gap, tol, scale_name, *, max_iter=None, unit="epochs",
                       stalled=False, stacklevel=4, criterion="duality gap"):
    """The ``ConvergenceWarning`` of a fit that stops short of its certificate, naming
    the gap (or the ``criterion``) and the tolerance."""
    if stalled:
        why = ("stopped: no further decrease of the objective is measurable in floating "
               "point")
    elif unit != "epochs":
        why = f"did not converge in {max_iter} {unit}"
    else:
        why = f"did not converge in max_iter={max_iter} {unit}"
    warnings.warn(
        f"{what} {why}: {criterion} {gap:.3e} > tol {tol_gap:.3e} (tol={tol} times "
        f"{scale_name}). Increase max_iter, loosen tol, standardize the features or "
        "increase alpha.",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )
