"""Multi-task (multi-response) squared loss: ``l(y_i, eta_i) = ||y_i - eta_i||_2^2 / 2`` for
rows of T responses (glmnet's ``family="mgaussian"``, scikit-learn's ``MultiTask*``).

Its only engine is the row-wise block coordinate descent of the L2,1 penalty
(:mod:`penalized.solvers.multitask`), which certifies its fits by their duality gap.
"""

import numpy as np

from .base import Datafit

__all__ = ["MultiTaskQuadratic"]


class MultiTaskQuadratic(Datafit):
    """Squared loss of T responses ``1/(2 S) sum_i s_i ||y_i - eta_i||^2`` (y of shape
    (n_samples, n_tasks)).

    ``tol`` is relative to ``sum_i s_i ||y_i - ybar||^2 / S`` (scikit-learn's scaling of
    the multi-task lasso's stopping rule); the CV errors ``"mse"`` and ``"mae"`` are
    averaged over the tasks (scikit-learn's ``mse_path_``).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits.multitask import MultiTaskQuadratic
    >>> MultiTaskQuadratic().value(np.ones((2, 3)), np.zeros((2, 3)), np.ones(2))
    1.5
    """

    name = "multitask_quadratic"
    family = "mgaussian"
    quadratic = True
    multi_output = True
    hess_bound = 1.0
    scorings = ("mse", "mae", "deviance")
    deviance_name = "Squared error summed over the tasks"

    @staticmethod
    def loss(Y, eta):
        d = Y - eta
        return 0.5 * np.sum(d * d, axis=-1)

    @staticmethod
    def grad(Y, eta):
        return eta - Y

    @staticmethod
    def hess(Y, eta):
        return np.ones(np.shape(eta)[:-1])

    @staticmethod
    def conjugate(Y, U):
        return np.sum(U * Y + 0.5 * U * U, axis=-1)

    @staticmethod
    def saturated(y):
        return np.zeros(np.shape(y)[0])

    def check_target(self, y):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2:
            raise ValueError(f"The multi-task squared loss needs y of shape (n_samples, "
                             f"n_tasks), got shape {y.shape}.")
        return y

    def intercept_start(self, y, s):
        return np.average(y, axis=0, weights=s)

    def optimize_intercept(self, y, eta, s):
        return np.average(y - eta, axis=0, weights=s)

    def null_eta(self, y, s, offset, fit_intercept):
        eta = np.zeros_like(y, dtype=np.float64) + (0.0 if np.ndim(offset) == 0 else
                                                    np.reshape(offset, (-1, 1)))
        if fit_intercept:
            eta = eta + self.optimize_intercept(y, eta, s)
        return eta

    def tol_scale(self, y, s, offset, fit_intercept):
        return 2.0 * super().tol_scale(y, s, offset, fit_intercept)

    def test_error(self, y, eta, scoring):
        """Per-sample test error of ``eta`` (n, m, T): the squared or absolute error
        averaged over the tasks, or the squared error summed over them (deviance)."""
        d = y[:, None, :] - eta
        if scoring == "mse":
            return np.mean(d * d, axis=-1)
        if scoring == "mae":
            return np.mean(np.abs(d), axis=-1)
        if scoring == "deviance":
            return np.sum(d * d, axis=-1)
        raise ValueError(f"scoring={scoring!r} is not one of {self.scorings} for "
                         f"{type(self).__name__}.")
