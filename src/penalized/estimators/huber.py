"""HuberRegressor: scikit-learn's robust regression (Huber loss with a scale estimated
jointly, Owen's concomitant formulation), with penalized's L1 / elastic-net options."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

from .._validation import check_bool, check_sample_weight, check_scalar
from ..datafits import Huber
from ..datafits.huber import weighted_median
from ._base import (
    PARAMS_OPTIONS,
    FitParams,
    build_penalty,
    check_int,
    check_offset,
    configured_penalty,
    decision,
    fit_problem,
    store_certificate,
    validate_fit_data,
)

__all__ = ["HuberRegressor", "huber_scale"]

_STEP_EPOCHS = 2000  # CD epochs one scale step's fit may use (max_iter counts scale steps)


def huber_scale(r, s, epsilon, floor):
    """The scale ``sigma > 0`` minimizing ``S sigma + sum_i s_i sigma H(r_i / sigma)``
    for fixed residuals ``r`` (scikit-learn's objective, ``H(z) = z^2`` for
    ``|z| <= epsilon``, else ``2 epsilon |z| - epsilon^2``), exactly.

    The derivative ``S - eps^2 S_out(sigma) - sum_in s r^2 / sigma^2`` is non-decreasing
    (the objective is convex in sigma); between two consecutive breakpoints
    ``|r_i| / epsilon`` the in/out sets are fixed and its root is
    ``sqrt(sum_in s r^2 / (S - eps^2 S_out))``.
    """
    a = np.abs(r) / epsilon
    order = np.argsort(a, kind="stable")
    a, s_o = a[order], s[order]
    r2 = (a * epsilon) ** 2
    S = float(s.sum())
    A = np.cumsum(s_o * r2)            # sum_in s r^2 with the first k+1 points in
    S_in = np.cumsum(s_o)
    with np.errstate(divide="ignore", invalid="ignore"):
        deriv = S - epsilon ** 2 * (S - S_in) - A / a ** 2
    j = int(np.searchsorted(deriv >= 0, True))  # first breakpoint with f' >= 0
    if j == a.size:  # the root lies beyond every breakpoint: every point is inside
        sigma = np.sqrt(A[-1] / S) if S > 0 else floor
    elif j == 0:
        sigma = a[0]  # every point outside: f' = S (1 - eps^2) <= 0 up to a[0]
    else:
        den = S - epsilon ** 2 * (S - S_in[j - 1])
        sigma = np.sqrt(A[j - 1] / den) if den > 0 else a[j]
        sigma = min(max(sigma, a[j - 1]), a[j])
    return max(float(sigma), floor)


def _robust_spread(y, s):
    """A spread of y that one sample cannot inflate: the (weighted) median absolute
    deviation, or the largest deviation when more than half the weight is on one value,
    or the size of y if y is constant (1 if y is 0): in every case c times the spread of
    y for c * y, as the scale is."""
    y, s = y[s > 0], s[s > 0]
    dev = np.abs(y - weighted_median(y, s))
    mad = weighted_median(dev, s)
    if mad > 0:
        return mad
    top = float(np.max(dev, initial=0.0))
    if top > 0:
        return top
    size = float(np.max(np.abs(y), initial=0.0))
    return size if size > 0 else 1.0


def _collapse_floor(y, s, dtype):
    """The scale below which the fit interpolates: 1e-8 of the spread of y, and no less
    than the rounding of predictions made in X's precision (16 eps of the typical |y|:
    float32 X leaves residuals of about 1e-7 |y|, where the scale wandered between
    1e-7 and 2e-7 for all max_iter updates, a collapse never detected). Both scale with
    y and take a weight of 2 as a repeated sample."""
    live = s > 0
    typical = weighted_median(np.abs(y[live]), s[live]) if np.any(live) else 0.0
    return max(1e-8 * _robust_spread(y, s), 16 * float(np.finfo(dtype).eps) * typical)


class HuberRegressor(RegressorMixin, BaseEstimator):
    __doc__ = """Robust linear regression: scikit-learn's ``HuberRegressor`` (Huber loss with a
    jointly estimated scale), with optional L1 / elastic-net and penalized's options.

    Minimizes over ``w``, ``b`` and the scale ``sigma > 0`` (scikit-learn's objective)::

        sum_i s_i (sigma + sigma H_eps((y_i - x_i.w - b - offset_i) / sigma))
          + alpha * sum_j pf_j ((1 - l1_ratio) w_j^2 + l1_ratio |w_j|),

    with ``H_eps(z) = z^2`` for ``|z| <= epsilon`` and ``2 epsilon |z| - epsilon^2``
    otherwise, ``s`` the sample weights, ``offset`` that of ``fit`` and ``predict`` (default
    0, a known term with coefficient 1). With ``l1_ratio=0`` (the default) this is exactly
    scikit-learn's problem; ``sigma`` makes ``epsilon`` unitless (scaling y scales
    ``sigma``, not the set of outliers). The intercept is not penalized.

    For a fixed ``sigma`` the problem in ``(w, b)`` is penalized's mean Huber loss
    ``1/S sum_i s_i h_d(r_i)`` (``h_d(r) = r^2/2`` for ``|r| <= d``, else
    ``d |r| - d^2/2``) with threshold ``d = epsilon * sigma`` and the elastic net
    ``a * (l1' |w| + (1 - l1')/2 w^2)``, ``a = alpha sigma (2 - l1_ratio) / (2 S)``,
    ``l1' = l1_ratio / (2 - l1_ratio)``: the same objective divided by ``2 S / sigma``.
    That is what :class:`penalized.path` with ``Huber(d)`` solves.

    With a ``penalty`` object ``P`` (penalized's option) the penalty term is
    ``alpha * P(w)``, ``P`` at unit strength (e.g. ``sum_g wg_g ||w_g||`` for
    ``GroupLasso``), and each fixed-scale fit gets ``P`` at strength
    ``alpha sigma / (2 S)``: what the elastic net's L1 part gets there.

    Parameters
    ----------
    epsilon : float, default=1.35
        Threshold of ``|r| / sigma`` between the quadratic and the linear part
        (>= 1 as in scikit-learn; with ``fixed_scale`` any value > 0).
    max_iter : int, default=100
        Maximum number of scale updates, each followed by a prox-Newton fit of ``(w, b)``
        (scikit-learn: L-BFGS iterations).
    alpha : float, default=1e-4
        Strength of the penalty (>= 0), scikit-learn's (it multiplies ``||w||^2``).
    warm_start : bool, default=False
        Start from the previous ``coef_``, ``intercept_`` and ``scale_``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    tol : float, default=1e-5
        Stop when the scale changes by less than ``tol`` relatively and each fit of
        ``(w, b)`` has a duality gap at most ``tol`` times the loss of its
        intercept-only model (scikit-learn: L-BFGS's projected-gradient tolerance).
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0) in the penalty.
    fixed_scale : float, default=None
        Hold ``sigma`` at this value (> 0) instead of estimating it: then ``epsilon *
        fixed_scale`` is a threshold in the units of y (skglm's and glum's Huber).
"""[:-1] + PARAMS_OPTIONS + """    verbose : int, default=0
        Print the scale and the gap after each scale update when > 0.
    penalty : penalty object, default=None
        penalized's option: a penalty of :mod:`penalized.penalties` in place of the
        elastic net (``l1_ratio`` must then stay 0), applied at each fixed-scale fit as
        above, with ``penalty_factor``, the bounds and ``positive`` of this estimator
        filled in where the object leaves them unset. With an estimated scale only the
        convex group penalties (``GroupLasso``, ``SparseGroupLasso``) are accepted: they
        keep the objective jointly convex in ``(w, b, sigma)``, so alternating exact
        minimizations converge to its minimum. A nonconvex penalty (``MCP``, ``SCAD``,
        ``LogSum``, ``Lq``) is not homogeneous in its strength, so the scale update would
        minimize a different objective from the coefficients' fit: it needs
        ``fixed_scale`` (then there is one fit, certified by ``stop_crit_``).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    scale_ : float
        The estimated ``sigma`` (``fixed_scale`` when given).
    outliers_ : ndarray of shape (n_samples,), dtype bool
        Samples with ``|y - X w - b| > epsilon * scale_``.
    dual_gap_ : float
        Duality gap of the last fit of ``(w, b)`` at ``scale_``, in the units of the
        objective above (not set for a nonconvex ``penalty``).
    stop_crit_ : float
        Nonconvex ``penalty`` objects only: the critical-point criterion of the fit (see
        :class:`penalized.MCPRegression`), in the same units.
    n_iter_ : int
        Scale updates made (scikit-learn: L-BFGS iterations).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.

    Notes
    -----
    The objective is jointly convex in ``(w, b, sigma)``; it is minimized by alternating
    an exact minimization over ``sigma`` (a sort of the residuals) with a prox-Newton fit
    of ``(w, b)`` at that ``sigma``, warm-started, until ``sigma`` moves by less than
    ``tol`` relatively. A ``ConvergenceWarning`` names the last relative change when
    ``max_iter`` updates end the fit first.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import HuberRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 2)); y = 2 * X[:, 0] + 0.1 * rng.standard_normal(100)
    >>> y[:5] += 50  # outliers
    >>> reg = HuberRegressor().fit(X, y)
    >>> round(float(reg.coef_[0]), 1), int(reg.outliers_[:5].sum())
    (2.0, 5)
    """

    def __init__(self, *, epsilon=1.35, max_iter=100, alpha=1e-4, warm_start=False,
                 fit_intercept=True, tol=1e-5, l1_ratio=0.0, fixed_scale=None,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 standardize=False, verbose=0, penalty=None):
        self.epsilon = epsilon
        self.max_iter = max_iter
        self.alpha = alpha
        self.warm_start = warm_start
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.l1_ratio = l1_ratio
        self.fixed_scale = fixed_scale
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.verbose = verbose
        self.penalty = penalty

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the prediction (a fixed coefficient of 1): the model is fitted
            to ``y - offset``. None means 0.

        Returns
        -------
        self : object
        """
        fixed = self.fixed_scale
        if fixed is not None:
            fixed = check_scalar(fixed, "fixed_scale", low=0.0, low_open=True)
        eps = check_scalar(self.epsilon, "epsilon", low=0.0 if fixed else 1.0,
                           low_open=bool(fixed))
        alpha = check_scalar(self.alpha, "alpha", low=0.0)
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        tol = check_scalar(self.tol, "tol", low=0.0)
        max_iter = check_int(self.max_iter, "max_iter")
        verbose = check_int(self.verbose, "verbose", low=0)
        prm = FitParams(alpha=0.0, fit_intercept=check_bool(self.fit_intercept,
                                                            "fit_intercept"),
                        standardize=check_bool(self.standardize, "standardize"), tol=tol,
                        max_iter=max_iter * _STEP_EPOCHS,
                        warm_start=check_bool(self.warm_start, "warm_start"), verbose=0)
        X, y = validate_fit_data(self, X, y)
        y64 = np.asarray(y, dtype=np.float64)
        off = check_offset(offset, X.shape[0])
        if off is not None:
            y64 = y64 - off  # the Huber loss depends on y - eta only
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        s = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        S = float(s.sum())
        if not S > 0:
            raise ValueError("HuberRegressor needs a positive total sample_weight.")
        p = X.shape[1]
        if self.penalty is not None:
            self._check_penalty_object(l1_ratio, fixed, p)
        warm = prm.warm_start and getattr(self, "coef_", None) is not None and \
            self.coef_.shape == (p,)
        if warm:
            coef, b = np.asarray(self.coef_, np.float64), float(self.intercept_)
        else:
            coef = None
            b = float(np.median(y64[s > 0])) if prm.fit_intercept else 0.0
        floor = _collapse_floor(y64, s, X.dtype)
        r = y64 - b if coef is None else y64 - X @ coef - b
        if fixed:
            sigma = fixed
        elif warm:
            sigma = float(self.scale_)
        else:
            sigma = huber_scale(r, s, eps, floor)
        change, n_iter, res, collapsed = np.inf, 0, None, False
        for n_iter in range(1, max_iter + 1):
            res = self._fit_at_scale(X, y64, s, sample_weight, S, sigma, eps, alpha, l1_ratio,
                                     prm, coef)
            coef = res.coef
            if fixed:
                change = 0.0
                break
            r = y64 - np.asarray(X @ coef).ravel() - res.intercept
            new = huber_scale(r, s, eps, 0.0)
            if new < floor:
                collapsed = True
                break
            change = abs(new - sigma) / sigma
            sigma = new
            if verbose:
                print(f"HuberRegressor: step {n_iter}, scale {sigma:.6g}, relative change "
                      f"{change:.3e}, gap {res.dual_gap:.3e}")
            if change <= tol:
                break
        if collapsed:
            warnings.warn(
                f"HuberRegressor: the scale collapses to 0 (below {floor:.3e}: 1e-8 of the "
                f"spread of y{'' if off is None else ' - offset'}, its median absolute "
                f"deviation, or the rounding of the predictions in X's precision): the "
                f"model fits the samples exactly, and the objective keeps decreasing as "
                f"sigma -> 0 (the absolute-loss limit). Returned the fit at "
                f"scale {sigma:.6g}; increase alpha or set fixed_scale.",
                ConvergenceWarning, stacklevel=2)
        elif not res.converged:
            warn_short_fit(res, sigma, S)
        elif change > tol:
            warnings.warn(
                f"HuberRegressor stopped after max_iter={max_iter} scale updates with the "
                f"scale still moving: relative change {change:.3e} > tol {tol:.3e}. "
                "Increase max_iter or loosen tol.", ConvergenceWarning, stacklevel=2)
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept) if prm.fit_intercept else 0.0
        self.scale_ = float(sigma)
        store_certificate(self, res)
        if hasattr(self, "stop_crit_"):
            self.stop_crit_ *= 2.0 * S / sigma
        else:
            self.dual_gap_ *= 2.0 * S / sigma
        self.n_iter_ = int(n_iter)
        resid = y64 - np.asarray(X @ res.coef).ravel() - self.intercept_
        self.outliers_ = np.abs(resid) > eps * self.scale_
        return self

    def _fit_at_scale(self, X, y, s, sample_weight, S, sigma, eps, alpha, l1_ratio, prm,
                      coef):
        """(w, b) at a fixed scale: the mean Huber loss with threshold eps * sigma."""
        if self.penalty is not None:
            penalty = configured_penalty(self, alpha * sigma / (2.0 * S))
        else:
            a = alpha * sigma * (2.0 - l1_ratio) / (2.0 * S)
            penalty = build_penalty(self, a, l1_ratio / (2.0 - l1_ratio))
        # no ConvergenceWarning here: the fit at the final scale is certified by fit()
        # (intermediate scales only need to move sigma). Not warnings.catch_warnings,
        # which swaps the process's filters: concurrent fits in threads would leak
        # "ignore ConvergenceWarning" into the whole process
        return fit_problem(X, y, Huber(eps * sigma), penalty, prm,
                           sample_weight=sample_weight, coef_init=coef, warn=False)

    def _check_penalty_object(self, l1_ratio, fixed, p):
        """A ``penalty`` object this fit can honour (see ``penalty`` in the docstring)."""
        if l1_ratio != 0:
            raise ValueError(
                f"'l1_ratio' mixes the elastic net and has no effect with a penalty object "
                f"({self.penalty!r}): leave it at 0 (got l1_ratio={self.l1_ratio!r}).")
        family = configured_penalty(self, 1.0).arrays(p).family
        if family == "concave" and not fixed:
            raise ValueError(
                f"HuberRegressor estimates the scale jointly only with a convex penalty "
                f"object (GroupLasso, SparseGroupLasso): a nonconvex penalty "
                f"({self.penalty!r}) is not homogeneous in its strength alpha * sigma / "
                f"(2 S), so the scale updates and the coefficients' fits would not minimize "
                f"one objective. Set fixed_scale to fit it at a fixed threshold.")
        if family not in ("group", "concave"):
            raise ValueError(f"HuberRegressor's 'penalty' must be a single-output penalty "
                             f"of penalized.penalties, got {self.penalty!r}.")

    def predict(self, X, offset=None):
        """Predict ``X @ coef_ + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the prediction (a fixed coefficient of 1). None means 0.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return decision(self, X, offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def warn_short_fit(res, sigma, S):
    """A fit of (w, b) that stopped short: warn with its gap in the objective's units."""
    what = "critical-point criterion" if res.criterion == "kkt" else "duality gap"
    warnings.warn(
        f"HuberRegressor: the fit of the coefficients at scale {sigma:.6g} stopped short: "
        f"{what} {res.dual_gap * 2 * S / sigma:.3e} > tol "
        f"{res.tol_gap * 2 * S / sigma:.3e}. Increase max_iter, loosen tol or increase "
        "alpha.", ConvergenceWarning, stacklevel=3)

