"""L1 / L2 / elastic-net logistic regression (binary and multinomial), with
scikit-learn's parameters and meaning."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from .._validation import (
    InvalidParameterError,
    check_bool,
    check_labels,
    check_sample_weight,
    check_scalar,
    encode_labels,
)
from ..datafits import Logistic, Multinomial
from ._base import (
    FitParams,
    build_penalty,
    check_choice,
    check_int,
    check_offset,
    configured_penalty,
    decision,
    fit_problem,
    is_penalty_object,
    sparse_coef,
    store_certificate,
    validate_fit_data,
)

__all__ = ["LogisticRegression", "logistic_penalty"]

SOLVERS = ("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga")
_STEP_EPOCHS = 2000  # CD epochs one prox-Newton step may use (max_iter counts the steps)


def logistic_penalty(penalty, l1_ratio, C, alpha, n_weight, owner):
    """scikit-learn's ``penalty`` (deprecated since 1.8), ``l1_ratio`` and ``C``, or
    penalized's ``alpha``, as (l1_ratio, alpha of the mean-loss objective).

    ``C`` multiplies the sum of the (weighted) losses: ``alpha = 1 / (C * S)`` with ``S``
    the total weight; ``C = inf`` or ``penalty=None`` is no penalty.
    """
    if l1_ratio is None:
        l1_ratio = 0.0
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    if not (isinstance(penalty, str) and penalty == "deprecated"):
        warnings.warn(
            f"'penalty' was deprecated in scikit-learn 1.8 and penalized follows it: leave "
            f"'penalty' at its default and use 'l1_ratio' (0: L2, 1: L1) or C=np.inf (no "
            f"penalty) instead (got penalty={penalty!r}).", FutureWarning, stacklevel=3)
        if penalty is None:
            return l1_ratio, 0.0
        check_choice(penalty, "penalty", ("l1", "l2", "elasticnet", "deprecated"))
        l1_ratio = {"l1": 1.0, "l2": 0.0}.get(penalty, l1_ratio)
    if alpha is not None:
        if not (isinstance(C, numbers.Real) and C == 1.0):
            raise ValueError(f"{owner} takes either scikit-learn's 'C' or penalized's 'alpha' "
                             f"(alpha = 1 / (C * sum of weights)), not both: got C={C!r} "
                             f"and alpha={alpha!r}.")
        return l1_ratio, check_scalar(alpha, "alpha", low=0.0)
    if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real) or not C > 0:
        raise InvalidParameterError(f"The 'C' parameter of {owner} must be a float in the "
                                    f"range (0.0, inf]. Got {C!r} instead.")
    return l1_ratio, (0.0 if np.isinf(C) else 1.0 / (float(C) * n_weight))


class LogisticRegression(ClassifierMixin, BaseEstimator):
    __doc__ = """Logistic regression with an L1, L2 or elastic-net penalty: scikit-learn's
    ``LogisticRegression``, solved by prox-Newton with a duality-gap certificate.

    Binary (K = 2), scikit-learn's objective::

        C * sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i)
          + l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||^2,
        eta_i = x_i.w + b,  y_i in {0, 1} (1 = ``classes_[1]``)

    and for K > 2 classes the multinomial loss ``logsumexp_k(eta_ik) - eta_i,y_i`` with
    one coefficient vector per class (each penalized as above). ``s`` are the sample
    weights times the class weights (``S = sum(s)``); the intercepts are not penalized
    (but for ``solver="liblinear"``, which penalizes a synthetic intercept feature of
    value ``intercept_scaling``, as scikit-learn's liblinear does). Dividing by ``C S``
    gives penalized's mean-loss form with ``alpha = 1 / (C S)``::

        1/S * sum_i s_i loss_i + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    in which penalized's own options act (penalty factors, bounds, standardization);
    ``alpha`` may be given directly instead of ``C`` (glmnet's ``lambda = alpha``).

    With two classes, ``penalty`` may also be a penalty of :mod:`penalized.penalties`
    beyond the elastic net (ncvreg's and grpreg's ``family="binomial"``), e.g.
    ``MCP(gamma=3)`` or ``GroupLasso(groups)``: the mean-loss objective's penalty is then
    that penalty at strength ``alpha = 1 / (C S)`` (or the given ``alpha``), exactly where
    the elastic net's strength comes from.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet", None} or a penalty object, default="deprecated"
        The strings are deprecated in scikit-learn 1.8 (a FutureWarning here too):
        ``l1_ratio`` selects the penalty, ``C=np.inf`` none. Still honoured: "l1" is
        ``l1_ratio=1``, "l2" is ``l1_ratio=0``, None is no penalty. A penalty object of
        :mod:`penalized.penalties` (``MCP``, ``SCAD``, ``LogSum``, ``Lq``, ``GroupLasso``,
        ``SparseGroupLasso``; two classes only) is not deprecated: it replaces the elastic
        net at the strength from ``C`` or ``alpha`` (the object's own ``alpha`` is
        replaced; ``l1_ratio`` must stay 0), with ``penalty_factor``, the bounds and
        ``positive`` of this estimator filled in where the object leaves them unset.
        Nonconvex penalties are solved by reweighted L1 and certified by a critical-point
        criterion (``stop_crit_`` instead of ``dual_gap_``), group penalties by
        prox-Newton with block updates.
    C : float, default=1.0
        Inverse of the regularization strength (> 0, np.inf for none), multiplying the
        sum of the losses as in scikit-learn.
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0) in [0, 1]: 0 is scikit-learn's default L2 penalty, 1
        the lasso. Every solver name accepts every value (scikit-learn restricts L1 to
        "liblinear" and "saga"; here every solver is penalized's prox-Newton).
    dual : bool, default=False
        scikit-learn's liblinear dual formulation: the same model; as in scikit-learn,
        only with ``solver="liblinear"``.
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the loss of the intercept-only model.
    fit_intercept : bool, default=True
        Fit an intercept (unpenalized, except with ``solver="liblinear"``).
    intercept_scaling : float, default=1
        With ``solver="liblinear"``: the value of the synthetic, penalized intercept
        feature (scikit-learn's meaning); no effect otherwise, as in scikit-learn.
    class_weight : dict or "balanced", default=None
        Weights per class, multiplied into the sample weights (scikit-learn's meaning;
        "balanced" counts classes with the sample weights).
    random_state : int, RandomState instance or None, default=None
        scikit-learn's (used by its "sag", "saga" and "liblinear" solvers); no effect here
        (the fit is deterministic).
    solver : {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"}, \
default="lbfgs"
        scikit-learn's solver names: each gives scikit-learn's model for that solver
        ("liblinear": penalized synthetic intercept, binary only, as in scikit-learn);
        the fit itself is always penalized's prox-Newton.
    max_iter : int, default=100
        Maximum number of prox-Newton steps (scikit-learn: iterations of its solver).
    verbose : int, default=0
        Print the gap after each step when > 0.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    n_jobs : int, default=None
        scikit-learn's (unused there since 1.8 but for its OvR): no effect here.
    alpha : float, default=None
        penalized's strength on the mean-loss scale, instead of ``C`` (not both):
        ``alpha = 1 / (C S)``.
    grouped : bool, default=False
        Multiclass only: penalize each feature's K coefficients as one group
        (``alpha * pf_j * (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||^2)``), so a
        feature is kept for all classes or dropped for all (glmnet's
        ``type.multinomial="grouped"``); solved by FISTA with restarts. Bounds are not
        supported with ``grouped=True``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of the penalty per feature; 0 leaves a feature
        unpenalized (glmnet's ``penalty.factor``).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Bounds on the coefficients (lower <= 0 <= upper; None: unbounded).
    positive : bool, default=False
        Force the coefficients to be non-negative.
    standardize : bool, default=False
        glmnet's ``standardize``: penalize the coefficients of the standardized features.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    sparse_coef_ : scipy.sparse.csr_matrix
        ``coef_`` as a sparse matrix.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        For K > 2 the intercepts are centered (they sum to 0).
    dual_gap_ : float
        Duality gap at the returned solution (the mean-loss objective's); not set for a
        nonconvex penalty object.
    stop_crit_ : float
        Nonconvex penalty objects only: the critical-point criterion at the returned
        solution (see :class:`penalized.MCPRegression`).
    n_iter_ : ndarray of shape (1,)
        Prox-Newton steps taken (scikit-learn: iterations of its solver).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Notes
    -----
    Solved by prox-Newton (IRLS; class by class for K > 2 as glmnet) with working-set
    coordinate descent on each weighted least-squares model and an Armijo line search.
    The fit stops when the duality gap is at most ``tol`` times the loss of the
    intercept-only model (e.g. ``log 2`` for balanced binary labels). On perfectly
    separable data with a weak penalty the unpenalized maximum-likelihood coefficients
    are infinite: the fit stops at ``max_iter`` with finite, large coefficients and a
    ``ConvergenceWarning``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from penalized import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(l1_ratio=1.0, C=0.1).fit(X, y)
    >>> int((clf.coef_ != 0).sum()) < 30, clf.score(X, y) > 0.95
    (True, True)
    """

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False, tol=1e-4,
                 fit_intercept=True, intercept_scaling=1, class_weight=None, random_state=None,
                 solver="lbfgs", max_iter=100, verbose=0, warm_start=False, n_jobs=None,
                 alpha=None, grouped=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, standardize=False):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.alpha = alpha
        self.grouped = grouped
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (ints, strings or bools).
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1). None means 0. Two
            classes only (the multinomial fit takes no offset).


        Returns
        -------
        self : object
        """
        solver = check_choice(self.solver, "solver", SOLVERS)
        if check_bool(self.dual, "dual") and solver != "liblinear":
            raise ValueError(f"Solver {solver} supports only dual=False, got dual=True")
        liblinear = solver == "liblinear"
        max_iter = check_int(self.max_iter, "max_iter")
        prm = FitParams(alpha=0.0, fit_intercept=check_bool(self.fit_intercept,
                                                            "fit_intercept"),
                        standardize=check_bool(self.standardize, "standardize"),
                        tol=check_scalar(self.tol, "tol", low=0.0),
                        max_iter=max_iter * _STEP_EPOCHS,
                        warm_start=check_bool(self.warm_start, "warm_start"),
                        verbose=check_int(self.verbose, "verbose", low=0))
        check_labels(y)  # before scikit-learn's checks, which fail on them in sorting
        X, y = validate_fit_data(self, X, y, y_numeric=False)
        yk, self.classes_ = encode_labels(y, "LogisticRegression", liblinear)
        K = self.classes_.size
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        if sample_weight is not None:
            present = np.unique(yk[sample_weight > 0])
            if present.size < 2:
                raise ValueError(
                    "LogisticRegression needs samples of at least 2 classes with positive "
                    f"sample_weight; only class {self.classes_[present[0]]!r} has any."
                )
        if self.class_weight is not None:
            # "balanced" counts classes with the sample weights, so that weighting a
            # sample by 2 is the same as repeating it
            cw = compute_class_weight(self.class_weight, classes=np.arange(K), y=yk,
                                      sample_weight=sample_weight)
            sample_weight = cw[yk] if sample_weight is None else sample_weight * cw[yk]
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        S = float(X.shape[0] if sample_weight is None else np.sum(sample_weight))
        if is_penalty_object(self.penalty):
            penalty = self._penalty_object(K, S, liblinear and prm.fit_intercept)
        else:
            l1_ratio, alpha = logistic_penalty(self.penalty, self.l1_ratio, self.C, self.alpha,
                                               S, "LogisticRegression")
            penalty = build_penalty(self, alpha, l1_ratio)
        p = X.shape[1]
        offset = check_offset(offset, X.shape[0])
        if offset is not None and K > 2:
            raise ValueError("offset is supported for two classes only (the multinomial "
                             "fit has one linear predictor per class).")
        init = None
        if prm.warm_start and getattr(self, "coef_", None) is not None and \
                self.coef_.shape == ((1, p) if K == 2 else (K, p)):
            init = self.coef_
        steps = {"max_steps": max_iter}
        if liblinear and prm.fit_intercept:
            coef, intercept, res = self._fit_liblinear(X, yk, penalty, prm, sample_weight,
                                                       init, steps, offset)
        elif K == 2:
            res = fit_problem(X, yk.astype(np.float64), Logistic(), penalty, prm,
                              sample_weight=sample_weight,
                              coef_init=None if init is None else init[0], offset=offset,
                              **steps)
            coef = res.coef[None, :]
            intercept = np.array([res.intercept])
        else:
            res = fit_problem(X, np.eye(K)[yk], Multinomial(check_bool(self.grouped, "grouped")),
                              penalty, prm, sample_weight=sample_weight,
                              coef_init=None if init is None else init.T, **steps)
            coef = res.coef.T
            intercept = np.asarray(res.intercept, dtype=np.float64)
        self.coef_ = np.ascontiguousarray(coef).astype(X.dtype, copy=False)
        self.intercept_ = intercept.astype(X.dtype, copy=False)
        store_certificate(self, res)
        self.n_iter_ = np.array([max(int(res.n_steps), 1)], dtype=np.int32)
        return self

    def _penalty_object(self, K, S, liblinear):
        """The ``penalty`` object configured at the strength of ``C`` or ``alpha``."""
        if K > 2:
            raise ValueError(f"The 'penalty' parameter as a penalty object ({self.penalty!r}) "
                             f"needs two classes, got {K}.")
        if liblinear:
            raise ValueError(
                f"solver='liblinear' penalizes a synthetic intercept feature like the others, "
                f"which a penalty object ({self.penalty!r}) does not define: use another "
                f"solver name or fit_intercept=False.")
        l1_ratio = check_scalar(0.0 if self.l1_ratio is None else self.l1_ratio, "l1_ratio",
                                low=0.0, high=1.0)
        if l1_ratio != 0:
            raise ValueError(
                f"'l1_ratio' mixes the elastic net and has no effect with a penalty object "
                f"({self.penalty!r}): leave it at 0 (got l1_ratio={self.l1_ratio!r}).")
        _, alpha = logistic_penalty("deprecated", 0.0, self.C, self.alpha, S,
                                    "LogisticRegression")
        return configured_penalty(self, alpha)

    def _fit_liblinear(self, X, yk, penalty, prm, sample_weight, init, steps, offset):
        """scikit-learn's liblinear model: the intercept is the coefficient of a synthetic
        feature of value ``intercept_scaling``, penalized like the others."""
        scaling = check_scalar(self.intercept_scaling, "intercept_scaling", low=0.0,
                               low_open=True)
        ones = np.full((X.shape[0], 1), scaling, dtype=X.dtype)
        Xa = sp.hstack([X, sp.csc_matrix(ones)], format="csc") if sp.issparse(X) else \
            np.asfortranarray(np.hstack([X, ones]))
        p = X.shape[1]
        pf = penalty.penalty_factor
        pf_a = np.r_[np.ones(p) if pf is None else np.asarray(pf, float), 1.0]
        lo = np.full(p, -np.inf) if penalty.lower_bounds is None else np.broadcast_to(
            np.asarray(penalty.lower_bounds, float), (p,))
        if penalty.positive:
            lo = np.maximum(lo, 0.0)
        up = np.full(p, np.inf) if penalty.upper_bounds is None else np.broadcast_to(
            np.asarray(penalty.upper_bounds, float), (p,))
        pen_a = type(penalty)(penalty.alpha, penalty.l1_ratio, pf_a, np.r_[lo, -np.inf],
                              np.r_[up, np.inf])
        prm_a = FitParams(**{**prm.__dict__, "fit_intercept": False})
        w0 = None if init is None else np.r_[init[0], self.intercept_[0] / scaling]
        res = fit_problem(Xa, yk.astype(np.float64), Logistic(), pen_a, prm_a,
                          sample_weight=sample_weight, coef_init=w0, offset=offset, **steps)
        return res.coef[None, :-1], np.array([scaling * res.coef[-1]]), res

    @property
    def sparse_coef_(self):
        """``coef_`` as a CSR matrix."""
        return sparse_coef(self)

    def decision_function(self, X, offset=None):
        """Linear predictor: shape (n_samples,) for 2 classes, else (n_samples, K);
        ``offset`` (two classes) is added to it."""
        if offset is not None and self.classes_.size > 2:
            raise ValueError("offset is supported for two classes only.")
        d = decision(self, X, offset)
        return d[:, 0] if d.ndim == 2 and d.shape[1] == 1 else d

    def predict_log_proba(self, X, offset=None):
        """Log class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, offset)
        if d.ndim == 1:
            return np.column_stack([-np.logaddexp(0, d), -np.logaddexp(0, -d)])
        return log_softmax(d, axis=1)

    def predict_proba(self, X, offset=None):
        """Class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, offset)
        if d.ndim == 1:
            p1 = expit(d)
            return np.column_stack([1.0 - p1, p1])
        return np.exp(log_softmax(d, axis=1))

    def predict(self, X, offset=None):
        """Most probable class label."""
        d = self.decision_function(X, offset)
        idx = (d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)
        return self.classes_[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
