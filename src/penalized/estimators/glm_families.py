"""More GLM regressors: GammaRegressor, TweedieRegressor (log link) and BinomialRegressor
(proportions), each a datafit of :mod:`penalized.datafits` behind the shared GLM fit."""

import numbers

import numpy as np
from scipy.special import expit
from sklearn.utils import check_array

from .._validation import InvalidParameterError, check_sample_weight
from ..datafits import Binomial, Gamma, Quadratic, Tweedie
from ._base import PARAMS_OPTIONS, PARAMS_PENALTY, check_choice, decision
from .glm import _GLMRegressor

__all__ = ["BinomialRegressor", "GammaRegressor", "TweedieRegressor"]

_SK_PARAMS = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (X is centered implicitly, never copied).
    solver : {"lbfgs", "newton-cholesky"}, default="lbfgs"
        scikit-learn's solver names: both give the same model; the fit itself is always
        penalized's prox-Newton (a Newton method like scikit-learn's
        ``"newton-cholesky"``, with coordinate descent for the L1 part).
    max_iter : int, default=100
        Maximum number of prox-Newton steps (scikit-learn: iterations of its solver).
    tol : float, default=1e-4
        Stop when the certificate (see Notes) is at most ``tol`` times the null
        model's excess loss (scikit-learn's ``tol`` bounds its solver's gradient).
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the certificate after each prox-Newton step when > 0.
    l1_ratio : float, default=0.0
        penalized only: mix of L1 (1.0) and L2 (0.0); 0 is scikit-learn's penalty.
"""[:-1] + PARAMS_OPTIONS

# TweedieRegressor's parameters from solver on (fit_intercept and link come first)
_SK_FROM_SOLVER = "    solver :" + _SK_PARAMS.split("    solver :", 1)[1]

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Prox-Newton steps taken (scikit-learn: iterations of its solver).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

_OFFSET_FIT = """
    The linear predictor is ``eta_i = x_i.w + b + offset_i`` with ``offset`` of ``fit``
    and ``predict`` (default 0), a known term with coefficient 1.
"""


def tweedie_datafit(power, link):
    """scikit-learn's ``power`` and ``link`` as (datafit, identity link?): ``"auto"`` is
    the identity for ``power <= 0`` and the log link otherwise (scikit-learn's rule). The
    identity link is fitted for power 0 only (least squares, the Quadratic datafit); other
    identity-link powers raise a ``ValueError`` naming the combination."""
    link = check_choice(link, "link", ("auto", "identity", "log"))
    if isinstance(power, (bool, np.bool_)) or not isinstance(power, numbers.Real):
        raise InvalidParameterError(f"The 'power' parameter of TweedieRegressor must be a "
                                    f"float. Got {power!r} instead.")
    datafit = Tweedie(power)  # validates its range
    p = datafit.power
    if link == "auto":
        link = "identity" if p <= 0 else "log"
    if link == "identity":
        if p != 0:
            raise ValueError(
                f"TweedieRegressor(power={power!r}, link={link!r}) is not supported: "
                "penalized fits the identity link for power=0 only (least squares); use "
                "link='log' for this power.")
        return Quadratic(), True
    return datafit, False


class GammaRegressor(_GLMRegressor):
    __doc__ = """Gamma regression (log link) with an elastic-net penalty.

    Minimizes::

        1/S * sum_i s_i (y_i exp(-eta_i) + eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b + offset_i,  lower_j <= w_j <= upper_j,  y_i > 0,

    i.e. half the weighted mean Gamma deviance ``2 (log(mu/y) + y/mu - 1)`` (up to a
    constant) plus the penalty. With ``l1_ratio=0`` (the default) this is exactly
    scikit-learn's ``GammaRegressor(alpha)`` objective
    ``1/(2 S) sum_i s_i deviance_i + alpha/2 ||w||^2``; glum's
    ``GeneralizedLinearRegressor(family="gamma", alpha=alpha, l1_ratio=l1_ratio)``;
    glmnet's ``family=Gamma(link="log")`` with ``lambda = alpha`` and glmnet's ``alpha``
    = ``l1_ratio``.
""" + _OFFSET_FIT + """
    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0), scikit-learn's ``alpha``.
""" + _SK_PARAMS + _ATTRS + """    dual_gap_ : float
        Duality gap at the returned solution (the Gamma loss has a closed-form
        conjugate).

    Notes
    -----
    Solved by prox-Newton (IRLS with the exact Hessian ``y / mu``, coordinate descent
    for the L1 part, Armijo line search). The fit stops when the duality gap is at most
    ``tol`` times the null model's loss above the saturated one (half the null
    deviance over ``S``), else a ``ConvergenceWarning`` names the gap and tol.
    ``score`` is scikit-learn's D^2 (``d2_tweedie_score`` with power 2).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import GammaRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3))
    >>> y = rng.gamma(2.0, np.exp(0.5 * X[:, 0]) / 2.0)
    >>> model = GammaRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> bool(abs(model.coef_[0] - 0.5) < 0.15), model.predict(X[:2]).shape
    (True, (2,))
    """

    def __init__(self, *, alpha=1.0, fit_intercept=True, solver="lbfgs", max_iter=100,
                 tol=1e-4, warm_start=False, verbose=0, l1_ratio=0.0, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize

    def _datafit(self):
        return Gamma()

    def predict(self, X, offset=None):
        """Predicted mean ``exp(X @ coef_ + intercept_ + offset)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.exp(decision(self, X, offset))

    def score(self, X, y, sample_weight=None, offset=None):
        """D^2, the fraction of Gamma deviance explained (scikit-learn's score).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            As in :meth:`predict`.

        Returns
        -------
        score : float
        """
        return self._d2(X, y, sample_weight, 2, offset=offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class TweedieRegressor(_GLMRegressor):
    __doc__ = """Tweedie regression (log link, or identity for power 0) with an
    elastic-net penalty.

    Minimizes, with ``mu_i = exp(eta_i)`` and ``p = power`` (p = 1: ``mu - y eta``,
    p = 2: ``y / mu + eta``)::

        1/S * sum_i s_i (-y_i mu_i^(1-p) / (1-p) + mu_i^(2-p) / (2-p))
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b + offset_i,  lower_j <= w_j <= upper_j,

    half the weighted mean Tweedie deviance (up to a constant) plus the penalty. With
    ``power=0`` and the identity link (``link="auto"``) the loss is
    ``1/(2S) sum_i s_i (y_i - eta_i)^2`` (ridge / elastic net). With ``l1_ratio=0`` this
    is exactly scikit-learn's ``TweedieRegressor(power, alpha, link)`` objective
    ``1/(2 S) sum_i s_i deviance_i + alpha/2 ||w||^2``; glum's
    ``GeneralizedLinearRegressor(family=TweedieDistribution(power), link="log",
    alpha=alpha, l1_ratio=l1_ratio)``; glmnet's ``family=statmod::tweedie(var.power=p,
    link.power=0)`` with ``lambda = alpha``.
""" + _OFFSET_FIT + """
    Parameters
    ----------
    power : float, default=0.0
        The Tweedie power: 0 (normal), 1 (Poisson), in (1, 2) (compound Poisson-Gamma),
        2 (Gamma), 3 (inverse Gaussian), any value >= 1, or < 0 (extreme stable, with
        the log link); values in (0, 1) raise (no distribution exists). y must be >= 0
        (and not all 0) for 1 <= power < 2, > 0 for power >= 2.
    alpha : float, default=1.0
        Penalty strength (>= 0), scikit-learn's ``alpha``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (X is centered implicitly, never copied).
    link : {"auto", "log", "identity"}, default="auto"
        ``"auto"``: identity for power <= 0, log otherwise (scikit-learn's rule). The
        identity link is fitted for power 0 only (least squares); scikit-learn's other
        identity-link powers raise a ``ValueError`` naming the combination.
""" + _SK_FROM_SOLVER + _ATTRS + """\
    stop_crit_ : float
        The certificate the fit stopped on (see Notes).
    dual_gap_ : float
        Duality gap at the returned solution, when the loss is convex (power 0 with the
        identity link, 1 <= power <= 2); not set otherwise.

    Notes
    -----
    Solved by prox-Newton (coordinate descent for the L1 part, Armijo line search on
    the true objective). For 1 <= power <= 2 (and the identity link) the loss is convex
    and the fit stops on the duality gap (for 1 < power < 2 the conjugate is solved per
    sample by Newton's method). With the log link, power <= 0 and power > 2 make the loss
    non-convex in eta: the Newton models use the Fisher information ``mu^(2-p)`` and the
    fit stops on the critical-point criterion ``sum_j kkt_j^2 / (2 L_j)`` (the decrease that
    exact coordinate steps on that model could still make; ``stop_crit_``), a stationary
    point (as glum and scikit-learn find). Both are relative to the null model's loss
    above the saturated one; a ``ConvergenceWarning`` names the certificate and tol when
    ``max_iter`` ends the fit first. ``score`` is scikit-learn's D^2
    (``d2_tweedie_score`` with ``power``).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import TweedieRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3))
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0])) * rng.gamma(2.0, 0.5, 300)
    >>> model = TweedieRegressor(alpha=0.01, power=1.5, l1_ratio=1.0).fit(X, y)
    >>> bool(model.coef_[0] > 0.3), model.stop_crit_ == model.dual_gap_
    (True, True)
    """

    def __init__(self, *, power=0.0, alpha=1.0, fit_intercept=True, link="auto",
                 solver="lbfgs", max_iter=100, tol=1e-4, warm_start=False, verbose=0,
                 l1_ratio=0.0, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, standardize=False):
        self.power = power
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.link = link
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize

    _stop_crit = True

    def _datafit(self):
        return tweedie_datafit(self.power, self.link)[0]

    def predict(self, X, offset=None):
        """Predicted mean: ``exp(eta)`` (log link) or ``eta`` (identity), with
        ``eta = X @ coef_ + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = decision(self, X, offset)
        return eta if tweedie_datafit(self.power, self.link)[1] else np.exp(eta)

    def score(self, X, y, sample_weight=None, offset=None):
        """D^2, the fraction of Tweedie deviance (of ``power``) explained
        (scikit-learn's score; R^2 for power 0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            As in :meth:`predict`.

        Returns
        -------
        score : float
        """
        return self._d2(X, y, sample_weight, float(self.power), offset=offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:  # a log-link mean is positive
            tags.target_tags.positive_only = float(self.power) > 0 or self.link == "log"
        except (TypeError, ValueError):
            pass
        return tags


def target_range(y_range, y, sample_weight):
    """``(low, high)`` of BinomialRegressor's ``y_range`` for the targets ``y``: the pair
    given, or with ``"data"`` the smallest and largest target of positive weight."""
    if isinstance(y_range, str):
        if y_range != "data":
            raise InvalidParameterError(f"The 'y_range' parameter must be 'data' or a pair "
                                        f"(low, high), got {y_range!r}.")
        on = y if sample_weight is None else y[sample_weight > 0]
        low, high = float(on.min()), float(on.max())
        if not high > low:
            raise ValueError(f"y_range='data' scales y by its range, which needs two distinct "
                             f"targets with positive weight: got {np.unique(on).size} "
                             f"distinct value(s) in {y.shape[0]} sample(s).")
        return low, high
    try:
        low, high = (float(v) for v in y_range)
    except (TypeError, ValueError):
        low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise InvalidParameterError(f"The 'y_range' parameter must be 'data' or a pair "
                                    f"(low, high) of finite numbers with low < high, got "
                                    f"{y_range!r}.")
    return low, high


def range_proportions(est, y, sample_weight):
    """The proportions of the 1-D targets ``y`` on the scale of ``est.y_range`` (sets
    ``est.y_range_``); targets outside a given range are a ``ValueError`` naming it."""
    low, high = target_range(est.y_range, y, sample_weight)
    est.y_range_ = (low, high)
    if (low, high) == (0.0, 1.0):
        return y
    if np.any((y < low) | (y > high)):
        raise ValueError(f"Some y are outside y_range=({low!r}, {high!r}): got min "
                         f"{float(y.min())!r}, max {float(y.max())!r}.")
    return np.clip((y - low) / (high - low), 0.0, 1.0)


def range_table_check(est, y):
    """A [successes, failures] table is refused with a ``y_range`` other than (0, 1)."""
    if _count_table(y) is not None and (isinstance(est.y_range, str) or target_range(
            est.y_range, None, None) != (0.0, 1.0)):
        raise ValueError(f"y_range={est.y_range!r} scales a 1-D y: a [successes, "
                         f"failures] table already gives proportions in [0, 1].")


def range_mean(est, p):
    """The mean on the targets' scale for the proportions ``p`` (``y_range_``)."""
    low, high = getattr(est, "y_range_", (0.0, 1.0))
    return p if (low, high) == (0.0, 1.0) else low + (high - low) * p


def _count_table(y):
    """y as an array when it is a two-column [successes, failures] table, else None."""
    arr = np.asarray(y) if not hasattr(y, "to_numpy") else y.to_numpy()
    return arr if arr.ndim == 2 and arr.shape[1] == 2 else None


def proportions(y, sample_weight):
    """(proportions, weights) from y: proportions in [0, 1] as given, or a two-column
    [successes, failures] count array (proportion ``s / (s + f)``, the row's trials
    ``s + f`` multiplied into the weight, as glmnet does)."""
    arr = _count_table(y)
    if arr is not None:
        what = "A two-column y holds [successes, failures] counts"
        if np.iscomplexobj(arr):  # a float64 cast would drop the imaginary parts
            raise ValueError(f"{what}: they must be real numbers, got complex values.")
        try:  # pandas' missing values (NA) become NaN, refused below by name
            counts = check_array(y, dtype=np.float64, ensure_all_finite=False,
                                 input_name="y")
        except (TypeError, ValueError) as err:
            raise ValueError(f"{what}: they must be numbers ({err}).") from None
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise ValueError(f"{what}: they must be finite (no NaN, inf or missing value) "
                             "and >= 0.")
        trials = counts.sum(axis=1)
        if not np.any(trials > 0):
            raise ValueError("Every row of the [successes, failures] y has zero trials.")
        prop = np.divide(counts[:, 0], trials, out=np.zeros_like(trials), where=trials > 0)
        sw = check_sample_weight(sample_weight, trials.shape[0])
        return prop, trials if sw is None else trials * sw
    return y, sample_weight


class BinomialRegressor(_GLMRegressor):
    __doc__ = """Binomial regression of proportions (logit link) with an elastic-net
    penalty.

    Minimizes::

        1/S * sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b + offset_i,  0 <= y_i <= 1,

    where ``y_i`` is the proportion of successes of row i and ``s_i`` its number of
    trials (times its sample weight): the mean logistic loss over the expanded 0/1
    trials, so the fit equals the one on the expanded data. glmnet's
    ``family="binomial"`` with a two-column count y (or proportions with the trials as
    weights) and ``lambda = alpha``; :class:`penalized.LogisticRegression` with class
    labels is the same loss.

    A 1-D y on another bounded scale (a percentage, a score between known bounds) is a
    proportion of its ``y_range`` ``(low, high)``: ``y_i`` above is ``(t_i - low) /
    (high - low)`` for the target ``t_i`` (the fractional logit model), and ``predict``
    returns ``low + (high - low) p`` on the targets' scale.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0).
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0).
    y_range : (float, float) or "data", default=(0.0, 1.0)
        The bounds ``(low, high)`` of a 1-D y: the proportion of row i is
        ``(y_i - low) / (high - low)``, and a y outside them is a ``ValueError`` naming
        them (with the default, a y outside [0, 1]). ``"data"``: the smallest and
        largest training target with positive weight (they get proportions 0 and 1;
        predictions stay between them). A [successes, failures] table takes the default
        only.
""" + PARAMS_PENALTY + """
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the null model's excess loss.
    max_iter : int, default=100
        Maximum number of prox-Newton steps.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the gap after each prox-Newton step when > 0.
""" + _ATTRS + """    dual_gap_ : float
        Duality gap at the returned solution.
    y_range_ : tuple of (float, float)
        The bounds of the targets' scale used by the fit (see ``y_range``).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import BinomialRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> trials = rng.integers(1, 20, 200)
    >>> succ = rng.binomial(trials, 1 / (1 + np.exp(-X[:, 0])))
    >>> model = BinomialRegressor(alpha=1e-3).fit(X, np.column_stack([succ, trials - succ]))
    >>> bool(abs(model.coef_[0] - 1) < 0.2), bool(np.all(model.predict(X) <= 1))
    (True, True)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.0, y_range=(0.0, 1.0), fit_intercept=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 standardize=False, tol=1e-4, max_iter=100, warm_start=False, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.y_range = y_range
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    _solvers = None  # no solver parameter

    def _datafit(self):
        return Binomial()

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, 2)
            Proportions in [0, 1] (with the numbers of trials as ``sample_weight``; or
            targets on the scale of ``y_range``), or [successes, failures] counts per
            row.
        sample_weight : array-like of shape (n_samples,), default=None
            Trials per row (for proportions), or weights multiplying the trials.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).

        Returns
        -------
        self : object
        """
        range_table_check(self, y)
        y, sample_weight = proportions(y, sample_weight)
        return self._fit(X, y, sample_weight, offset)

    def _target(self, y, sample_weight):
        return range_proportions(self, y, sample_weight)

    def predict(self, X, offset=None):
        """Predicted proportion ``p = 1 / (1 + exp(-eta))``,
        ``eta = X @ coef_ + intercept_ + offset``, on the targets' scale
        ``low + (high - low) p`` (``y_range_``; p itself by default).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return range_mean(self, expit(decision(self, X, offset)))
