"""The datafit interface every loss implements.

A datafit is a loss of the linear predictor ``eta_i = x_i.w + b + offset_i``, averaged over
the samples with weights ``s`` (``S = sum(s)``)::

    F(w, b) = 1/S sum_i s_i l(y_i, eta_i)

Each loss gives, per sample and in ``eta``:

* ``loss(y, eta)``, ``grad(y, eta)`` (``l'``), ``hess(y, eta)`` (``l''``), and
  ``derivatives(y, eta)`` for both derivatives at once (a loss may fuse them);
* ``conjugate(y, u)``: the convex conjugate ``l*(u) = sup_t u t - l(y, t)``, which with the
  dual point ``u = c l'(eta)`` (``0 < c <= 1``) gives the duality-gap certificate;
* ``saturated(y)``: the loss of the saturated model (the best achievable per sample);
* ``link(mean)`` and ``inverse_link(eta)``: between the mean of y and the linear predictor;
* ``check_target(y)``: the targets the loss is defined for, else a ``ValueError`` naming them.

From these the base class derives what the solvers, paths, CV estimators and the CLI ask
for, so none of them branches on the class of a loss:

* ``value``: the weighted mean loss;
* ``optimize_intercept``: the shift of ``eta`` that makes the intercept optimal;
* ``null_eta``: the linear predictor of the intercept-only model (or the offset alone);
* ``tol_scale``: what ``tol`` is relative to, the null model's loss above the saturated loss;
* ``deviance``: per-sample deviance ``2 (l - l_sat)``, the CV test error of its family;
* ``test_error``: the per-sample test error of a CV ``scoring`` (one of ``scorings``).

Attributes describe the loss to the engine chooser (:mod:`penalized.solvers.engine`):
``quadratic`` (its own quadratic model: solved directly by the least-squares engines),
``multi_output`` (y and eta are n x K), ``hess_bound`` (a bound on ``l''`` for majorization
steps, or None), ``hess_floor`` (the relative floor of ``l''`` in a Newton model),
``smooth`` (``l''`` is continuous), ``newton_kernel`` (its prox-Newton steps have a numba
kernel), ``grouped`` (multi-output: one group per feature across the outputs) and
``family`` (glmnet's name, for the CV scorings).

Three hooks serve losses beyond the convex per-sample ones:

* ``convex = False`` (Tweedie powers outside [1, 2] with the log link): no duality gap
  exists; the solvers stop on the critical-point criterion ``sum_j kkt_j^2 / (2 L_j)``
  of :func:`penalized.solvers.certificate.kkt_criterion` instead (the one nonconvex
  penalties stop on; ``criterion`` is ``"kkt"`` in the results, and warnings name it)
  and ``hess`` returns a positive curvature (the Fisher information) for the Newton
  models;
* ``conjugate_at(y, eta, g, c)``: the conjugate at the dual point ``u = c g`` with
  ``g = l'(eta)``; the default is ``conjugate(y, c g)``, a loss without a closed-form
  conjugate solves it from ``eta`` (Tweedie) or bounds it from above (Cox: any upper
  bound keeps the gap a certificate);
* ``coupled = True`` (Cox): the terms couple samples (risk sets), so the per-sample
  methods need the weights and the rows of the whole problem: ``bind(y, s)`` returns
  the loss bound to them (per-sample losses return themselves), and its per-sample
  vectors are any vectors whose ``s``-weighted sums give the totals. Such a loss has
  no intercept (``has_intercept = False``) and ``target_ndim = 2`` (y is a table).
"""

import numpy as np

from ._intercept import intercept_step

__all__ = ["Datafit"]


class Datafit:
    """Base class of the losses; see the module docstring for the interface."""

    name = ""
    family = ""
    quadratic = False
    multi_output = False
    hess_bound = None
    hess_floor = 1e-10
    smooth = True
    newton_kernel = False  # prox-Newton steps in one numba call (plain L1, no intercept)
    grouped = False
    scorings = ("deviance", "mse", "mae")  # CV test errors, the first the default
    deviance_name = "Deviance"
    convex = True  # False: no duality gap, the critical-point criterion certifies instead
    coupled = False  # the terms couple samples (Cox): bind(y, s) before use
    has_intercept = True

    @property
    def criterion(self):
        """What certifies a fit (``SolveResult.criterion``): ``"gap"``, a duality gap, or
        ``"kkt"``, the critical-point criterion of a non-convex loss."""
        return "gap" if self.convex else "kkt"

    @property
    def target_ndim(self):
        """Dimensions of the y the solvers take (2 for multi-output and survival)."""
        return 2 if self.multi_output else 1

    def __repr__(self):
        return f"{type(self).__name__}()"

    # ---------------------------------------------------------------- per-sample pieces
    def loss(self, y, eta):
        raise NotImplementedError

    def grad(self, y, eta):
        raise NotImplementedError

    def hess(self, y, eta):
        raise NotImplementedError

    def derivatives(self, y, eta):
        """``(l'(eta), l''(eta))``."""
        return self.grad(y, eta), self.hess(y, eta)

    def loss_grad(self, y, eta):
        """``(l(eta), l'(eta))`` per sample (a loss may share work between them)."""
        return self.loss(y, eta), self.grad(y, eta)

    def conjugate(self, y, u):
        raise NotImplementedError

    def conjugate_at(self, y, eta, g, c):
        """``l*(c g)`` per sample for ``g = l'(eta)`` and ``0 < c <= 1`` (or an upper bound
        of it: the gap stays a certificate)."""
        return self.conjugate(y, c * g)

    def bind(self, y, s):
        """The loss bound to the rows ``y`` and weights ``s`` (itself: per-sample)."""
        return self

    def saturated(self, y):
        return np.zeros_like(y, dtype=np.float64)

    @staticmethod
    def link(mean):
        return mean

    @staticmethod
    def inverse_link(eta):
        return eta

    def check_target(self, y):
        """Return y (float64) if the loss is defined for it, else raise ``ValueError``."""
        return np.asarray(y, dtype=np.float64)

    # ------------------------------------------------------------------------- derived
    def value(self, y, eta, s):
        """Weighted mean loss ``1/S sum_i s_i l(y_i, eta_i)``."""
        return float(s @ self.loss(y, eta)) / float(s.sum())

    def deviance(self, y, eta):
        """Per-sample deviance ``2 (l(y, eta) - l_sat(y))``."""
        return 2.0 * (self.loss(y, eta) - self.saturated(y))

    def test_error(self, y, eta, scoring):
        """Per-sample test error (lower is better) of the linear predictors ``eta`` of
        shape (n, m) (or (n, m, K) for multi-output) for the targets ``y``: the deviance,
        or the squared / absolute error of the mean ``inverse_link(eta)`` (summed over
        the outputs)."""
        yb = y[:, None, :] if self.multi_output else y[:, None]
        if scoring == "deviance":
            return self.deviance(yb, eta)
        if scoring in ("mse", "mae"):
            d = yb - self.inverse_link(eta)
            err = d * d if scoring == "mse" else np.abs(d)
            return err.sum(axis=-1) if self.multi_output else err
        raise ValueError(f"scoring={scoring!r} is not one of {self.scorings} for "
                         f"{type(self).__name__}.")

    def score_name(self, scoring):
        """What a CV ``scoring`` measures, in words."""
        return {"deviance": self.deviance_name, "mse": "Mean squared error",
                "mae": "Mean absolute error", "accuracy": "Misclassification error "
                "(1 - accuracy)", "auc": "1 - AUC"}[scoring]

    def intercept_start(self, y, s):
        """A starting intercept: the link of the weighted mean of y."""
        return float(self.link(np.average(y, weights=s)))

    def optimize_intercept(self, y, eta, s):
        """The shift ``d`` with ``sum_i s_i l'(eta_i + d) = 0`` (safeguarded Newton),
        solved to the rounding level of that sum."""
        lo, hi = -np.inf, np.inf
        d = 0.0
        g, h = self.grad(y, eta), None
        scale = float(s @ np.abs(g)) + 1e-300
        for _ in range(200):
            if h is None:  # d = 0: the gradient above (mostly the shift is 0 already)
                f = float(s @ g)
                if abs(f) <= 1e-13 * scale:
                    break
                h = self.hess(y, eta)
            else:
                g, h = self.derivatives(y, eta + d)
                f = float(s @ g)
                if abs(f) <= 1e-13 * scale:
                    break
            step, lo, hi = intercept_step(d, f, float(s @ h), lo, hi)
            if step == d:
                break
            d = step
        return d

    def null_eta(self, y, s, offset, fit_intercept):
        """Linear predictor of the intercept-only model (the offset alone without
        intercept); ``offset`` may be 0."""
        eta = np.zeros(y.shape) + offset
        if fit_intercept:
            eta = eta + self.intercept_start(y, s)
            eta = eta + self.optimize_intercept(y, eta, s)
        return eta

    def null_intercept(self, y, s, offset):
        """The intercept of the intercept-only model (a vector for multi-output)."""
        eta = self.null_eta(y, s, offset, True)
        b = np.average(eta - offset, weights=s, axis=0)
        return b if self.multi_output else float(b)

    def tol_scale(self, y, s, offset, fit_intercept):
        """What ``tol`` is relative to: the weighted mean loss of the null model above
        the saturated loss."""
        eta = self.null_eta(y, s, offset, fit_intercept)
        with np.errstate(over="ignore"):
            return float(s @ (self.loss(y, eta) - self.saturated(y))) / float(s.sum())
