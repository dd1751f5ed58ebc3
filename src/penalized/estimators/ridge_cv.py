"""RidgeCV: scikit-learn's ``RidgeCV`` (efficient leave-one-out, or a grid search over
:class:`~penalized.Ridge` fits with a splitter)."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import GridSearchCV
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.validation import validate_data

from .._validation import InvalidParameterError, check_finite_sparse, check_sample_weight
from ._base import check_no_overflow, check_target_overflow, decision
from ._gcv import LooRidge, ScaledDesign
from .linear import Ridge

__all__ = ["RidgeCV"]

_GCV_MODES = {"auto", "svd", "eigen"}  # scikit-learn's set: its messages list it so


class _Predictions(RegressorMixin, BaseEstimator):
    """The model a scorer sees on the leave-one-out path: its input is already the
    leave-one-out predictions."""

    def predict(self, X):
        return X

    def decision_function(self, X):
        return X


def _invalid(name, expected, value):
    return InvalidParameterError(
        f"The '{name}' parameter of RidgeCV must be {expected}. Got {value!r} instead.")


def _is_array_like(value):
    return ((hasattr(value, "__len__") or hasattr(value, "shape")
             or hasattr(value, "__array__")) and not np.isscalar(value))


def _check_constraints(est):
    """scikit-learn's parameter constraints of RidgeCV, with its messages."""
    a = est.alphas
    if not _is_array_like(a) and not (
            isinstance(a, numbers.Real) and not isinstance(a, bool) and 0 < a < np.inf):
        raise _invalid("alphas", "an array-like or a float in the range (0.0, inf)", a)
    for name in ("fit_intercept", "store_cv_results", "alpha_per_target"):
        if not isinstance(getattr(est, name), (bool, np.bool_)):
            raise _invalid(name, "an instance of 'bool' or an instance of 'numpy.bool'",
                           getattr(est, name))
    s = est.scoring
    if not (s is None or callable(s) or (isinstance(s, str) and s in get_scorer_names())):
        raise _invalid("scoring", f"a str among {set(get_scorer_names())}, a callable or "
                       "None", s)
    cv = est.cv
    ok = (cv is None
          or (isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and cv >= 2)
          or (hasattr(cv, "split") and hasattr(cv, "get_n_splits"))
          or (hasattr(cv, "__iter__") and not isinstance(cv, str)))
    if not ok:
        raise _invalid("cv", "an int in the range [2, inf), an object implementing 'split' "
                       "and 'get_n_splits', an iterable or None", cv)
    if est.gcv_mode is not None and (not isinstance(est.gcv_mode, str)
                                     or est.gcv_mode not in _GCV_MODES):
        raise _invalid("gcv_mode", f"a str among {_GCV_MODES} or None", est.gcv_mode)


def _alpha_values(alphas, strict):
    """The alphas as a float64 array, each checked as scikit-learn does (named by index;
    > 0 for leave-one-out, >= 0 with a splitter); non-finite and empty grids refused."""
    if np.ndim(alphas) == 0 and not isinstance(alphas, (list, tuple)):
        values = [alphas.item() if isinstance(alphas, np.ndarray) else alphas]
    else:
        values = list(alphas)
    if not values:
        raise InvalidParameterError("alphas must hold at least one value, got an empty "
                                    "array.")
    op = ">" if strict else ">="
    for i, v in enumerate(values):
        name = "alphas" if len(values) == 1 else f"alphas[{i}]"
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise InvalidParameterError(
                f"{name} must be an instance of float, not {type(v).__qualname__}.")
        if not np.isfinite(v):
            raise InvalidParameterError(f"{name} == {v}, must be a finite float.")
        if v < 0 or (strict and v == 0):
            raise InvalidParameterError(f"{name} == {v}, must be {op} 0.0.")
    return np.asarray(values, dtype=np.float64)


def _weighted_mean(X, s, S):
    return np.asarray(X.T @ s).ravel() / S if sp.issparse(X) else (s @ X) / S


class RidgeCV(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ridge regression with built-in cross-validation: scikit-learn's ``RidgeCV``.

    Every alpha is fitted with scikit-learn's objective
    ``sum_i s_i (y_i - x_i.w - b)^2 + alpha ||w||^2`` (:class:`penalized.Ridge`). By
    default (``cv=None``) the alphas are compared by their exact leave-one-out errors,
    all computed from one factorization of the centered, weight-scaled X (Notes); with a
    splitter, by a grid search over :class:`penalized.Ridge` fits, as scikit-learn does.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,) or float, default=(0.1, 1.0, 10.0)
        Penalty strengths to try (> 0 with leave-one-out, >= 0 with a splitter).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or a callable ``scorer(estimator, X, y)``. None is the
        negative mean squared error with ``cv=None`` and R^2 (the estimator's ``score``)
        with a splitter. With ``cv=None`` a scorer is applied to the leave-one-out
        predictions (with ``sample_weight`` passed to it).
    cv : int, cross-validation generator, iterable or None, default=None
        None for efficient leave-one-out; else as in :class:`~sklearn.model_selection.\
GridSearchCV` (an int is a number of :class:`~sklearn.model_selection.KFold` folds).
    gcv_mode : {"auto", "svd", "eigen"} or None, default=None
        The factorization of leave-one-out: "svd" of X (dense X; sparse X falls back to
        "eigen" with scikit-learn's FutureWarning); "eigen" of ``X X'`` when
        n_samples <= n_features, else of ``X'X``; "auto" and None are "eigen". All give
        the same errors up to rounding.
    store_cv_results : bool, default=False
        Keep every leave-one-out value in ``cv_results_`` (only with ``cv=None``).
    alpha_per_target : bool, default=False
        Choose an alpha for each column of a 2-D y (only with ``cv=None``).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen alpha (one per target with ``alpha_per_target``).
    best_score_ : float or ndarray of shape (n_targets,)
        Its score (higher is better: the negative mean squared error by default).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients of the fit at ``alpha_`` on all the data.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept (0.0 when ``fit_intercept=False``).
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, \
n_alphas)
        With ``store_cv_results``: the weighted squared leave-one-out errors
        ``s_i (y_i - yhat_{-i})^2`` when ``scoring`` is None, else the leave-one-out
        predictions ``yhat_{-i}``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    penalized.Ridge : The fit at one alpha.

    Notes
    -----
    Leave-one-out (``cv=None``): with ``Xt = diag(sqrt(s)) (X - xbar)`` and
    ``yt = sqrt(s) (y - ybar)`` (weighted means), the hat matrix at ``alpha`` is
    ``H = Xt (Xt'Xt + alpha I)^-1 Xt' + sqrt(s) sqrt(s)'/S`` and the leave-one-out error
    of sample i, scaled by ``sqrt(s_i)``, is ``(yt - H yt)_i / (1 - H_ii)``. One SVD of
    ``Xt`` or eigendecomposition of ``Xt Xt'`` or ``Xt'Xt`` gives H for every alpha;
    the errors of all alphas cost one matrix product each. The score with ``scoring``
    None is ``-mean_i s_i (y_i - yhat_{-i})^2`` (over all samples and targets, or per
    target with ``alpha_per_target``), scikit-learn's. A dense X is centered and scaled
    in a float64 copy (as scikit-learn does); a sparse X is never densified: its
    ``X X'`` (n_samples <= n_features) or ``X'X`` is formed from sparse products and is
    the one dense matrix of size min(n_samples, n_features)^2, as in scikit-learn; only a
    column whose mean exceeds 1e3 times its standard deviation is centered explicitly in a
    dense copy (scikit-learn's implicit centering cancels there).
    float32 X is computed in float64 and the coefficients returned in float32. The first
    of tied alphas wins.

    With a sample of weight 0 and a scorer, the leave-one-out prediction of that sample
    is the full fit's (scikit-learn divides by its zero weight and fails on NaN).

    With a splitter, ``sample_weight`` weights the fits; the scores are weighted only when
    metadata routing sends it to the scorer (as in scikit-learn). Under metadata routing
    (``sklearn.set_config(enable_metadata_routing=True)``) ``groups`` and other metadata
    reach the splitter and the scorer as in scikit-learn, without ``set_fit_request``
    inside a Pipeline. Without routing, ``fit(X, y, groups=...)`` passes ``groups`` to the
    splitter (scikit-learn refuses it; penalized's LassoCV takes it too) and any other
    keyword is refused with scikit-learn's message.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import RidgeCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = RidgeCV(alphas=[1e-3, 1e-2, 1e-1, 1]).fit(X, y)
    >>> model.alpha_, round(model.score(X, y), 4)
    (0.01, 0.5166)
    """

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, scoring=None,
                 cv=None, gcv_mode=None, store_cv_results=False, alpha_per_target=False):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    def fit(self, X, y, sample_weight=None, **params):
        """Fit the ridge model at the alpha chosen by cross-validation.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights ``s_i``.
        **params : dict
            ``groups``: group labels for the splitter's ``split`` (e.g. ``GroupKFold``;
            an error with ``cv=None``). With scikit-learn's metadata routing enabled,
            any metadata the scorer or the splitter requests, routed as scikit-learn
            does.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _check_constraints(self)
        routing = bool(get_config().get("enable_metadata_routing", False))
        # without routing, only a splitter's ``groups`` (as penalized's LassoCV)
        if not routing and set(params) - ({"groups"} if self.cv is not None else set()):
            raise ValueError(
                "Passing extra keyword arguments to RidgeCV.fit is only supported if "
                "enable_metadata_routing=True, which you can set using "
                "`sklearn.set_config`. See the User Guide "
                "<https://scikit-learn.org/stable/metadata_routing.html> for more details."
                f" Extra parameters passed are: {set(params)}")
        scorer = self._get_scorer()
        alphas = _alpha_values(self.alphas, strict=self.cv is None)
        if sample_weight is not None:
            params["sample_weight"] = sample_weight
        if self.cv is None:
            if routing:
                score_params = process_routing(self, "fit", **params).scorer.score
            else:
                score_params = ({"sample_weight": sample_weight}
                                if sample_weight is not None else {})
            self._fit_loo(X, y, sample_weight, alphas,
                          None if self.scoring is None else scorer, dict(score_params))
        else:
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are incompatible")
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are incompatible")
            self._fit_grid(X, y, alphas, scorer, params, routing)
        return self

    def _validate(self, X, y):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc", "coo"],
                             dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=True)
        check_finite_sparse(X)
        check_no_overflow(X)
        check_target_overflow(y)
        return X, y

    def _fit_grid(self, X, y, alphas, scorer, params, routing):
        """scikit-learn's way: GridSearchCV over Ridge fits (here penalized's exact one)."""
        X, y = self._validate(X, y)
        ridge = Ridge(fit_intercept=self.fit_intercept)
        if routing:
            ridge.set_fit_request(sample_weight=True)
        search = GridSearchCV(ridge, {"alpha": alphas}, cv=self.cv, scoring=scorer)
        search.fit(X, y, **params)
        best = search.best_estimator_
        self.alpha_ = best.alpha
        self.best_score_ = search.best_score_
        self.coef_ = best.coef_
        self.intercept_ = best.intercept_

    def _fit_loo(self, X, y, sample_weight, alphas, scorer, score_params):
        X, y = self._validate(X, y)
        dtype = X.dtype
        X = X.astype(np.float64, copy=False)
        y = np.asarray(y, dtype=np.float64)
        n, p = X.shape
        sw = check_sample_weight(sample_weight, n)
        s = np.ones(n) if sw is None else sw
        if np.count_nonzero(s) < 2:
            raise ValueError("Leave-one-out cross-validation needs at least 2 samples of "
                             f"positive weight, got n_samples={np.count_nonzero(s)}.")
        S = float(s.sum())
        Y = y.reshape(n, -1)
        T = Y.shape[1]
        if self.fit_intercept:
            xbar, ybar = _weighted_mean(X, s, S), (s @ Y) / S
        else:
            xbar, ybar = None, np.zeros(T)
        q = np.sqrt(s)
        design = ScaledDesign(X, q, xbar, sw is not None)
        Yt = (Y - ybar) * q[:, None] if sw is not None else Y - ybar
        loo = LooRidge(design, Yt, self._mode(X), self.fit_intercept)

        per_target = self.alpha_per_target
        A = alphas.size
        if self.store_cv_results:
            results = np.empty((n, T, A))
        scores = []
        for chunk in loo.chunks(A):
            E = loo.loo(alphas[chunk])
            for j, i in enumerate(range(A)[chunk]):
                e = E[:, j, :]
                if scorer is None:
                    value = e**2
                    score = (np.mean(-value, axis=0) if per_target and y.ndim == 2
                             else np.mean(-value))
                else:
                    value = self._predictions(Yt - e, q, sw, ybar, X, xbar, loo, alphas[i])
                    score = self._score(scorer, value, Y, y.ndim, score_params)
                if self.store_cv_results:
                    results[:, :, i] = value
                scores.append(score)

        best = self._select(scores, per_target and T > 1)
        self.best_score_ = scores[best] if np.ndim(best) == 0 else np.array(
            [scores[b][t] for t, b in enumerate(best)], dtype=np.float64)
        if np.ndim(best) == 0:
            self.alpha_ = float(alphas[best])
            coef = loo.coef(alphas[best])
        else:
            self.alpha_ = alphas[best]
            coef = np.empty((p, T))
            for b in np.unique(best):
                cols = np.flatnonzero(best == b)
                coef[:, cols] = loo.coef(alphas[b], cols)
        coef = coef.T
        if y.ndim == 1 or T == 1:
            coef = coef.ravel()
        if self.fit_intercept:
            icpt = ybar - xbar @ coef.T
            self.intercept_ = icpt[0] if y.ndim == 1 else icpt
            if dtype == np.float32:
                self.intercept_ = self.intercept_.astype(np.float32)
        else:
            self.intercept_ = 0.0
        self.coef_ = coef.astype(dtype, copy=False)
        if self.store_cv_results:
            results = results[:, 0, :] if y.ndim == 1 else results
            self.cv_results_ = results.astype(dtype, copy=False)

    def _mode(self, X):
        """scikit-learn's choice: "svd" on dense X when asked; else the eigendecomposition
        of the smaller of X X' and X'X."""
        if self.gcv_mode == "svd":
            if not sp.issparse(X):
                return "svd"
            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will raise "
                "an error in 1.11, use the default or pass `gcv_mode='eigen'` to "
                "suppress this warning.", FutureWarning, stacklevel=4)
        n, p = X.shape
        return "gram" if n <= p else "cov"

    @staticmethod
    def _predictions(fitted, q, sw, ybar, X, xbar, loo, alpha):
        """Leave-one-out predictions on y's scale; a sample of weight 0 (left out of every
        fit) gets the full fit's prediction."""
        if sw is None:
            return fitted + ybar
        pred = np.empty_like(fitted)
        pos = q > 0
        pred[pos] = fitted[pos] / q[pos, None] + ybar
        if not np.all(pos):
            zero = np.flatnonzero(~pos)
            Xz = X[zero]
            Xz = Xz.toarray() if sp.issparse(Xz) else Xz
            if xbar is not None:
                Xz = Xz - xbar
            pred[zero] = Xz @ loo.coef(alpha) + ybar
        return pred

    def _score(self, scorer, pred, Y, ndim, score_params):
        identity = _Predictions()
        if ndim == 1:
            return scorer(identity, pred[:, 0], Y[:, 0], **score_params)
        if self.alpha_per_target:
            return np.asarray([scorer(identity, pred[:, t], Y[:, t], **score_params)
                               for t in range(Y.shape[1])])
        return scorer(identity, pred, Y, **score_params)

    @staticmethod
    def _select(scores, per_target):
        """Index of the best score (the first of ties, scikit-learn's strict ``>``), one
        per target with ``per_target``."""
        if per_target:
            S = np.asarray(scores, dtype=np.float64)
            best = np.zeros(S.shape[1], dtype=np.intp)
            for i in range(1, S.shape[0]):
                better = S[i] > S[best, np.arange(S.shape[1])]
                best[better] = i
            return best
        best = 0
        for i in range(1, len(scores)):
            if np.all(scores[i] > scores[best]):
                best = i
        return best

    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        return decision(self, X)

    def _get_scorer(self):
        """scikit-learn's scorer: with routing and no ``scoring``, R^2 asking for
        ``sample_weight``."""
        if get_config().get("enable_metadata_routing", False) and self.scoring is None:
            return get_scorer("r2").set_score_request(sample_weight=True)
        return check_scoring(estimator=self, scoring=self.scoring, allow_none=True)

    def get_metadata_routing(self):
        """The metadata routing of this object: the scorer's ``score`` and the splitter's
        ``split`` requests, routed from ``fit`` (scikit-learn's).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
        """
        return (MetadataRouter(owner=self)
                .add_self_request(self)
                .add(scorer=self._get_scorer(),
                     method_mapping=MethodMapping().add(caller="fit", callee="score"))
                .add(splitter=self.cv,
                     method_mapping=MethodMapping().add(caller="fit", callee="split")))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
