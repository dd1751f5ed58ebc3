"""LogisticRegressionCV: scikit-learn's cross-validated logistic regression (Cs, l1_ratios,
scorers, refit, its fitted attributes) on penalized's CV engine."""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from .._validation import (
    check_bool,
    check_bounds,
    check_int,
    check_penalty_factor,
    check_sample_weight,
    check_scalar,
    encode_labels,
)
from ..datafits import Logistic, Multinomial
from ..estimators._base import check_choice
from ..estimators.logistic import _STEP_EPOCHS, SOLVERS
from . import _logistic_cv_params as skp
from ._cv import BaseCV, alpha_rule, path_kwargs
from ._cv_options import _check_alphas, _check_grid
from ._logistic_cv_scoring import SklearnScoring
from .linear_cv import DEFAULT_GAMMAS

__all__ = ["LogisticRegressionCV"]


def _fold_coefs(paths, gamma, inv, fit_intercept, scaling, shape, **_):
    """The folds' coefficient rows as scikit-learn's (n_folds, n_l1_ratios, n_cs, K or 1,
    n_dof) array, from the (path, relaxed path) of every (l1_ratio, fold) job."""
    coefs = [skp.dof_rows(*skp.path_coefs(path, relaxed, gamma), fit_intercept, scaling)[inv]
             for path, relaxed in paths]
    return np.stack(coefs).reshape(shape + coefs[0].shape).swapaxes(0, 1)


class LogisticRegressionCV(SklearnScoring, ClassifierMixin, BaseCV):
    __doc__ = """Logistic regression with C (and l1_ratio) chosen by cross-validation:
    scikit-learn's ``LogisticRegressionCV``, fitted by penalized's warm-started paths.

    Each fit is :class:`penalized.LogisticRegression`'s model: for two classes
    scikit-learn's objective::

        C * sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i)
          + l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||^2,
        eta_i = x_i.w + b,  y_i in {0, 1} (1 = ``classes_[1]``)

    and for K > 2 classes the multinomial loss ``logsumexp_k(eta_ik) - eta_i,y_i`` with
    one coefficient vector per class, ``s`` the sample weights times the class weights.
    On a training set of total weight ``S`` this is penalized's mean-loss objective
    ``1/S sum_i s_i loss_i + alpha * P(w)`` with ``alpha = 1 / (C * S)``: the C grid is
    the same for every fold, so each fold fits its own alpha grid ``1 / (Cs_ * S_train)``
    (a warm-started path), scores its test rows, and the best mean score picks ``C_`` and
    ``l1_ratio_``; the model is then refitted on all the data at
    ``alpha_ = 1 / (C_ * S)``.

    Parameters
    ----------
    Cs : int or array-like, default=10
        The grid of C (inverse regularization strength, multiplying the sum of the
        losses): an int n for ``np.logspace(-4, 4, n)``, or the values (> 0, ``np.inf``
        for no penalty; kept in their order in ``Cs_``).
    l1_ratios : array-like of shape (n_l1_ratios,), default="warn"
        Mixes of L1 (1.0) and L2 (0.0) tried by cross-validation with every C. As in
        scikit-learn 1.9, the default means None (L2) with a FutureWarning, and None is
        deprecated; pass e.g. ``(0,)``. With None the fitted attributes lack the
        l1_ratios axis (scikit-learn's layouts). Every ``solver`` name accepts every
        value (penalized's prox-Newton fits them all).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (penalized through the synthetic feature with
        ``solver="liblinear"``, as liblinear).
    cv : int, cross-validation splitter, iterable or None, default=None
        None for 5 folds; an int k for ``StratifiedKFold(k)`` (no shuffling), a splitter
        (``groups`` of ``fit`` is passed to its ``split``; under metadata routing,
        whatever it requests) or an iterable of (train, test) index arrays. The folds
        are fixed once and shared by every C and l1_ratio; every training fold must hold
        every class. ``foldid`` in ``fit`` overrides ``cv``.
    dual : bool, default=False
        scikit-learn's liblinear dual formulation: the same model; as in scikit-learn,
        only with ``solver="liblinear"``.
    penalty : {"l1", "l2", "elasticnet"}, default="deprecated"
        Deprecated in scikit-learn 1.8 (a FutureWarning here too), still honoured: "l1"
        and "l2" fit ``l1_ratio`` 1 and 0 (for every entry of ``l1_ratios``, as
        scikit-learn), "elasticnet" the values of ``l1_ratios``.
    scoring : str, callable or None, default="warn"
        scikit-learn's: a scorer name (``sklearn.metrics.get_scorer_names()``, e.g.
        "accuracy", "roc_auc", "neg_log_loss", "f1") or a callable
        ``scorer(estimator, X, y)``, applied to each fold's model at each C (higher is
        better; for two classes the positive class of "f1", "precision", "recall" and
        "jaccard" is ``classes_[1]``, as scikit-learn). None is the accuracy; the default
        "warn" is the accuracy with scikit-learn's FutureWarning. penalized's
        glmnet-style errors are ``measure`` (the former values "deviance", "mse", "mae"
        and "auc" of ``scoring`` still select them, with a FutureWarning).
    solver : {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"}, \\
default="lbfgs"
        scikit-learn's solver names: each gives scikit-learn's model for that solver
        ("liblinear": penalized synthetic intercept, binary only, as in scikit-learn);
        the fits are always penalized's prox-Newton paths.
    tol : float, default=1e-4
        Tolerance of every fit: duality gap relative to the loss of the intercept-only
        model (scikit-learn's solvers stop on gradient norms).
    max_iter : int, default=100
        Maximum number of prox-Newton steps of each fit (scikit-learn: iterations of its
        solver).
    class_weight : dict or "balanced", default=None
        Weights per class (keys: class labels), multiplied into the training weights;
        "balanced" is computed once on all the data, with the sample weights. Test
        scores use the sample weights only, as scikit-learn.
    n_jobs : int, default=None
        Folds (and l1_ratios) fitted in parallel by threads (the kernels release the
        GIL); None means 1. The results do not depend on it.
    verbose : int, default=0
        Verbosity of the fits.
    refit : bool, default=True
        True: the best mean score over the folds picks C (and l1_ratio), refitted on all
        the data. False: each fold's best model is taken and their coefficients, C and
        l1_ratio are averaged (scikit-learn's meaning); no full-data fit is made
        (``path_`` is not set; ``alpha_rule="1se"`` and ``relax`` need True).
    intercept_scaling : float, default=1.0
        With ``solver="liblinear"`` and ``fit_intercept=True``: the value of the
        synthetic, penalized intercept feature (scikit-learn's meaning); no effect
        otherwise.
    random_state : int, RandomState instance or None, default=None
        scikit-learn's (its "sag", "saga" and "liblinear" solvers shuffle); no effect
        here: the fits are deterministic.
    use_legacy_attributes : bool, default="warn"
        scikit-learn's: True (the default "warn" with its FutureWarning) gives its
        legacy ``C_``, ``l1_ratio_`` (arrays of shape (n_classes,) or (1,)),
        ``coefs_paths_`` and ``scores_`` (dicts keyed by class) and ``n_iter_``; False
        the new ones (floats and arrays, see Attributes).
    alphas : int, array-like or None, default=None
        penalized's alpha grid, used instead of ``Cs`` (not both): a count of alphas
        log-spaced from ``alpha_max`` (computed on all the data for each l1_ratio) down
        to ``eps * alpha_max`` (glmnet's ``lambda``), or explicit alphas; the same grid
        for every fold. ``Cs_`` is then ``1 / (alphas_ * S)``.
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid (``alphas`` a
        count only; glmnet's ``lambda.min.ratio``).
    measure : {"deviance", "mse", "mae", "class", "auc"}, default=None
        penalized's glmnet-style test error instead of a scorer (glmnet's
        ``type.measure``; lower is better; not with ``scoring``): the deviance
        ``-2 log p(y_i)``; "mse" / "mae" sum ``(1[y_i = k] - p_ik)^2`` and
        ``|1[y_i = k] - p_ik|`` over the classes (twice the Brier score for two
        classes); "class" the misclassification rate; "auc" ``1 - AUC`` (two classes).
        Weighted means over each test fold with ``sample_weight``.
    alpha_rule : {"min", "1se"}, default="min"
        Which model is selected: the best mean score ("min", scikit-learn's rule: ties go
        to the first C of ``Cs_`` and then to the first l1_ratio), or the smallest C
        (largest alpha) of the best l1_ratio whose mean score is within one standard
        error of the best (glmnet's ``lambda.1se``; with a scorer, a score at least the
        best minus its standard error). ``C_`` and ``alpha_`` are the selected model's.
    relax : bool, default=False
        Relaxed lasso (``l1_ratios=(1,)`` only): at every path point blend the lasso fit
        with the unpenalized refit on its support, ``gamma`` chosen by cross-validation
        (as :class:`penalized.LassoCV`).
    gammas : array-like, default=(0.0, 0.25, 0.5, 0.75, 1.0)
        The grid of ``gamma`` for ``relax=True``.
    standardize : bool, default=False
        glmnet's ``standardize``: penalize the coefficients of the standardized features
        (each fold standardizes with its own training rows).
    grouped : bool, default=False
        Multiclass only: one group per feature across the classes (see
        :class:`penalized.LogisticRegression`).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of the penalty per feature; 0 leaves a feature
        unpenalized.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Bounds on the coefficients (lower <= 0 <= upper).
    positive : bool, default=False
        Force the coefficients to be non-negative.
    selection : {"min", "1se"}, default="deprecated"
        Deprecated name of ``alpha_rule`` (FutureWarning).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros with ``fit_intercept=False``.
    Cs_ : ndarray of shape (n_cs,)
        The C grid (``Cs`` in its order); with ``alphas``, ``1 / (alphas_ * S)`` (of
        shape (n_l1_ratios, n_alphas) when the l1_ratios have different grids).
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        ``l1_ratios`` (``[None]`` when it is None, as scikit-learn).
    C_ : float or ndarray of shape (1,) or (n_classes,)
        The selected C (refit=False: the mean of the folds' best Cs); an array repeating
        it with legacy attributes.
    l1_ratio_ : float or ndarray of shape (1,) or (n_classes,)
        The selected entry of ``l1_ratios_`` (refit=False: the mean of the folds' best
        l1_ratios); an array repeating it with legacy attributes. Without legacy
        attributes and with ``l1_ratios=None``, 1.0 for ``penalty="l1"`` and 0.0
        otherwise, as scikit-learn.
    coefs_paths_ : ndarray or dict
        Every fold's coefficients at every C, the intercept last: shape (n_folds,
        n_l1_ratios, n_cs, n_classes or 1, n_features [+ 1]); with legacy attributes a
        dict keyed by class (``classes_[1]`` only for two classes) of arrays (n_folds,
        n_cs[, n_l1_ratios], n_features [+ 1]).
    scores_ : ndarray or dict
        Every fold's score at every C and l1_ratio (higher is better: with ``measure``,
        minus the measure): shape (n_folds, n_l1_ratios, n_cs); with legacy attributes
        a dict keyed as ``coefs_paths_`` of arrays (n_folds, n_cs[, n_l1_ratios]).
    n_iter_ : ndarray
        Prox-Newton steps of every fold's fit at every C: shape (n_folds, n_l1_ratios,
        n_cs); legacy (1, n_folds, n_cs[, n_l1_ratios]).
    alpha_ : float
        penalized's strength of the final model, ``1 / (C_ * S)`` (``S`` the total
        training weight of all the data).
    alpha_min_, alpha_1se_ : float
        The alphas (on all the data) of the two rules.
    alphas_ : ndarray of shape (n_cs,) or (n_l1_ratios, n_alphas)
        The full-data alpha grid, decreasing (``Cs_`` sorted increasingly); one row per
        l1_ratio when a generated ``alphas`` grid differs between them.
    cv_scores_ : ndarray of shape (n_alphas, n_folds)
        Scores (scorer: higher is better) or errors (``measure``: lower is better) of
        the selected l1_ratio, along ``alphas_``; ``cv_mean_`` and ``cv_se_``
        (``std(ddof=1) / sqrt(n_folds)``) their means and standard errors over folds.
    score_name_ : str
        What ``cv_scores_`` holds, e.g. "accuracy", "roc_auc" or "Binomial deviance".
    scoring_ : str or callable
        The scorer or measure used.
    n_folds_ : int
    path_ : PathResult
        The full-data path of the selected l1_ratio on ``alphas_`` (refit=True);
        ``n_nonzero_`` its number of nonzero coefficients at each alpha.
    gamma_ : float
        The selected relaxation (1.0 without ``relax``); ``gammas_``,
        ``relax_cv_scores_``, ``relaxed_path_``... with ``relax=True`` as in
        :class:`penalized.LassoCV`.
    dual_gap_ : float
        Duality gap of the final fit (refit=True).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Notes
    -----
    The same C on folds of different total weight is a different alpha: each fold's path
    runs on its own grid ``1 / (Cs_ * S_train)``, so the cross-validation is the one of
    scikit-learn (same folds, same models to the solvers' tolerance, same scores and
    selection). With ``alphas`` the grid is instead penalized's (glmnet's): the same
    alpha for every fold.

    ``predict(X, alpha=a)`` (and ``gamma``) evaluates the refitted path at any alpha
    (coefficients interpolated linearly in ``log(alpha)`` between path points).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from penalized import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0], l1_ratios=(0.5, 1.0),
    ...                            scoring="neg_log_loss",
    ...                            use_legacy_attributes=False).fit(X, y)
    >>> clf.scores_.shape, clf.coefs_paths_.shape
    ((5, 2, 4), (5, 2, 4, 1, 31))
    >>> bool(clf.C_ in clf.Cs_), bool(clf.score(X, y) > -0.1)
    (True, True)

    penalized's glmnet-style cross-validation: its own alpha grid, the deviance and the
    one-standard-error rule.

    >>> glm = LogisticRegressionCV(alphas=20, l1_ratios=(1.0,), measure="deviance",
    ...                            alpha_rule="1se", use_legacy_attributes=False).fit(X, y)
    >>> glm.cv_mean_.shape, glm.alpha_ == glm.alpha_1se_ >= glm.alpha_min_
    ((20,), True)
    """

    _keep_fold_paths = True

    def __init__(self, *, Cs=10, l1_ratios="warn", fit_intercept=True, cv=None, dual=False,
                 penalty="deprecated", scoring="warn", solver="lbfgs", tol=1e-4, max_iter=100,
                 class_weight=None, n_jobs=None, verbose=0, refit=True, intercept_scaling=1.0,
                 random_state=None, use_legacy_attributes="warn", alphas=None, eps=1e-3,
                 measure=None, alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS,
                 standardize=False, grouped=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, selection="deprecated"):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.alphas = alphas
        self.eps = eps
        self.measure = measure
        self.alpha_rule = alpha_rule
        self.relax = relax
        self.gammas = gammas
        self.standardize = standardize
        self.grouped = grouped
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.selection = selection

    def fit(self, X, y, sample_weight=None, *, foldid=None, offset=None, **params):
        """Cross-validate every C (and l1_ratio), select one and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the training objective and of the test scores.
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (two classes; penalized's own option),
            split by fold like X. Pass the new rows' offset to ``predict``.
        **params : dict
            ``groups`` for the splitter; under metadata routing, the metadata the
            splitter and the scorer request (as scikit-learn).

        Returns
        -------
        self : object
        """
        return super().fit(X, y, sample_weight, foldid=foldid, offset=offset, **params)

    # ------------------------------------------------------------------ parameters
    def _check_params(self):
        skp.check_types(self.penalty, self.l1_ratios, self.scoring, self.measure,
                        self.use_legacy_attributes)
        solver = check_choice(self.solver, "solver", SOLVERS)
        pen = skp.resolve_penalty(self.penalty, self.l1_ratios)
        kind, scoring = skp.resolve_scoring(self.scoring, self.measure)
        legacy = skp.resolve_legacy(self.use_legacy_attributes, type(self).__name__)
        if check_bool(self.dual, "dual") and solver != "liblinear":
            raise ValueError(f"Solver {solver} supports only dual=False, got dual=True")
        refit = check_bool(self.refit, "refit")
        self._rule = alpha_rule(self, stacklevel=6)
        relax = check_bool(self.relax, "relax")
        gammas = np.unique(_check_grid(self.gammas, "gammas", high=1.0))
        if relax and np.any(pen.mixes != 1.0):
            raise ValueError("The 'relax' parameter needs the lasso (l1_ratios=(1,)): the "
                             "relaxed fit refits the lasso's support.")
        if not refit and (relax or self._rule == "1se"):
            raise ValueError("refit=False averages each fold's best model (scikit-learn's "
                             "meaning): it takes neither relax=True nor alpha_rule='1se'.")
        Cs, alphas = self._grid_params()
        eps = check_scalar(self.eps, "eps", low=0.0, low_open=True)
        if eps != 1e-3 and not isinstance(alphas, int):
            raise ValueError("The 'eps' parameter only applies to a generated alpha grid "
                             "('alphas' a count).")
        synthetic = None
        if solver == "liblinear" and check_bool(self.fit_intercept, "fit_intercept"):
            synthetic = check_scalar(self.intercept_scaling, "intercept_scaling", low=0.0,
                                     low_open=True)
        self._opts = dict(pen=pen, kind=kind, scoring=scoring, legacy=legacy, refit=refit,
                          Cs=Cs, solver=solver, synthetic=synthetic)
        return pen.mixes, alphas, eps, relax, gammas

    def _grid_params(self):
        """(Cs, alphas): scikit-learn's C grid, or penalized's alphas (a count, or
        decreasing values) with Cs None."""
        if self.alphas is None:
            return skp.check_Cs(self.Cs), None
        if not (isinstance(self.Cs, numbers.Integral) and self.Cs == 10):
            raise ValueError(f"Pass either scikit-learn's 'Cs' or penalized's 'alphas', not "
                             f"both: got Cs={self.Cs!r} and alphas={self.alphas!r}.")
        if isinstance(self.alphas, numbers.Integral) and not isinstance(self.alphas, bool):
            return None, check_int(self.alphas, "alphas")
        return None, np.sort(_check_alphas(self.alphas))[::-1]

    def _path_kwargs(self):
        kw = path_kwargs(self)  # max_iter counts prox-Newton steps, as LogisticRegression
        return {**kw, "max_steps": kw["max_iter"], "max_iter": kw["max_iter"] * _STEP_EPOCHS}

    def _refits(self):
        return self._opts["refit"]

    # ------------------------------------------------------------------------ data
    def _target(self, y, sample_weight):
        yk, self.classes_ = encode_labels(y, "LogisticRegressionCV",
                                          self._opts["solver"] == "liblinear")
        K = self.classes_.size
        sw = sample_weight
        if self.class_weight is not None:
            if isinstance(self.class_weight, dict) and not (
                    set(self.class_weight) <= set(self.classes_)):
                raise ValueError("The given class_weight dict must have the class labels as "
                                 f"keys; classes={self.classes_} but "
                                 f"key={self.class_weight.keys()}")
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y,
                                      sample_weight=sample_weight)
            sw = check_sample_weight(cw[yk] if sw is None else sw * cw[yk], yk.size)
        if K == 2:
            y01 = yk.astype(np.float64)
            return y01, y01, Logistic(), sw
        onehot = np.eye(K)[yk]
        return onehot, onehot, Multinomial(check_bool(self.grouped, "grouped")), sw

    def _design(self, X, kw):
        """liblinear's model: X with the synthetic feature ``intercept_scaling`` as its
        last column, penalized like the others; no separate intercept."""
        scaling = self._opts["synthetic"]
        if scaling is None:
            return X, kw
        p = X.shape[1]
        col = np.full((X.shape[0], 1), scaling, dtype=X.dtype)
        Xa = sp.hstack([X, sp.csc_matrix(col)], format="csc") if sp.issparse(X) else \
            np.asfortranarray(np.hstack([X, col]))
        lo, up = check_bounds(kw["lower_bounds"], kw["upper_bounds"], p, kw["positive"])
        pf = check_penalty_factor(kw["penalty_factor"], p)
        return Xa, {**kw, "fit_intercept": False, "positive": False,
                    "penalty_factor": np.r_[pf, 1.0], "lower_bounds": np.r_[lo, -np.inf],
                    "upper_bounds": np.r_[up, np.inf]}

    def _alpha_grids(self, X, y_fit, sw_fit, datafit, l1_ratios, alphas, eps, folds, kw,
                     offset=None):
        """scikit-learn's C grid: the same C on every fold, so fold f's alphas are
        ``1 / (C * S_f)``; the engine runs them increasingly in C (decreasing alpha)."""
        S = float(X.shape[0] if sw_fit is None else np.sum(sw_fit))
        if self._opts["Cs"] is None:
            grids, fold_grids = super()._alpha_grids(X, y_fit, sw_fit, datafit, l1_ratios,
                                                     alphas, eps, folds, kw, offset)
            return self._shared_grids(grids, S), fold_grids
        return self._c_grids(S, [len(train) if sw_fit is None else float(np.sum(
            sw_fit[train])) for train, _test in folds], len(l1_ratios))

    def _shared_grids(self, grids, S):
        """penalized's alphas (one grid for every fold): ``Cs_`` is ``1 / (alphas * S)``."""
        self._order = np.arange(grids.shape[1])
        self._Cs_grid = 1.0 / (grids * S)
        return grids

    def _c_grids(self, S, S_folds, n_l1):
        """(grids, fold_grids) of scikit-learn's ``Cs`` given the total training weight
        ``S`` and each training fold's ``S_folds`` (also :mod:`penalized.dask`'s)."""
        Cs = self._opts["Cs"]
        self._order = np.argsort(np.asarray(Cs, dtype=np.float64), kind="stable")
        C_sorted = Cs[self._order]
        self._Cs_grid = np.tile(Cs, (n_l1, 1))
        per_fold = [skp.alphas_of(C_sorted, S_f) for S_f in S_folds]
        return np.tile(skp.alphas_of(C_sorted, S), (n_l1, 1)), [per_fold] * n_l1

    # ----------------------------------------------------------------------- refit
    @property
    def coefs_paths_(self):
        """scikit-learn's ``coefs_paths_`` (see the class docstring), built from the folds'
        sparse paths on first access: dense, it holds n_folds x n_cs x (p + 1) floats
        per class (80 MB on dexter, 300 x 20,000), and building it in every fit cost a
        sixth of a CV fit there."""
        if "_coefs_paths" not in self.__dict__:
            src = self.__dict__.get("_coefs_src")
            if src is None:
                raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                     f"'coefs_paths_'")
            self.__dict__["_coefs_paths"] = skp.coefs_paths(_fold_coefs(**src), **src["as"])
        return self.__dict__["_coefs_paths"]

    def _refit(self, run, li, ai, gi):
        for name in ("path_", "relaxed_path_", "n_nonzero_", "dual_gap_", "_coefs_src",
                     "_coefs_paths"):
            self.__dict__.pop(name, None)
        o = self._opts
        scaling = o["synthetic"]
        fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        order, n_folds, n_l1 = self._order, len(run.folds), len(run.l1_ratios)
        inv = np.argsort(order)
        # scikit-learn's arrays, in the order of Cs_: (n_folds, n_l1_ratios, n_cs, ...)
        n_iter = np.empty((n_folds, n_l1, order.size), dtype=np.int32)
        for (l, f), fit in zip(run.jobs, run.fits, strict=True):
            steps = fit.path.n_steps if fit.path.n_steps is not None else fit.path.n_iters
            n_iter[f, l] = np.maximum(np.asarray(steps), 1)[inv]
        src = dict(paths=[(fit.path, fit.relaxed) for fit in run.fits], gamma=run.gam[gi],
                   inv=inv, fit_intercept=fit_intercept, scaling=scaling,
                   shape=(n_l1, n_folds))
        sign = 1.0 if self._greater_is_better() else -1.0
        scores = sign * np.moveaxis(run.scores[:, gi][:, inv], 2, 0)  # (folds, l1, cs)
        Cs_grid = self._Cs_grid
        if o["refit"]:
            super()._refit(run, li, ai, gi)
            if scaling is not None:
                W = np.asarray(self.path_.coefs.toarray() != 0)
                self.n_nonzero_ = W[:-1].sum(axis=0)
            C = Cs_grid[li, order[ai]]
            l1 = o["pen"].l1_ratios_[li]
        else:
            coefs = _fold_coefs(**src)
            K = coefs.shape[3]
            flat = scores.reshape(n_folds, -1)  # (l1, cs) flattened as scikit-learn's
            best = [np.unravel_index(np.argmax(flat[f].reshape(n_l1, -1).T.ravel()),
                                     (order.size, n_l1)) for f in range(n_folds)]
            w = np.mean([coefs[f, bl, bc] for f, (bc, bl) in enumerate(best)], axis=0)
            p = self.n_features_in_
            self.coef_ = np.ascontiguousarray(w[:, :p]).astype(run.dtype, copy=False)
            self.intercept_ = (w[:, p] if fit_intercept else np.zeros(K)).astype(
                run.dtype, copy=False)
            C = float(np.mean([Cs_grid[bl, bc] for bc, bl in best]))
            l1 = float(np.mean([run.l1_ratios[bl] for _, bl in best]))
            self.alpha_ = float(skp.alphas_of(C, run.total_weight()))
        if o["Cs"] is not None:
            self.alphas_ = run.grids[0]
            self.Cs_ = np.asarray(o["Cs"])
        else:
            self.Cs_ = Cs_grid[0] if np.all(Cs_grid == Cs_grid[0]) else Cs_grid
        self.l1_ratios_ = o["pen"].l1_ratios_
        self.scoring_ = o["scoring"] if o["scoring"] is not None else "accuracy"
        for key, value in skp.sklearn_attributes(
                scores, n_iter, C, l1, o["pen"], self.classes_, o["legacy"],
                self.penalty).items():
            setattr(self, key, value)
        src["as"] = dict(pen=o["pen"], classes=self.classes_, legacy=o["legacy"])
        self._coefs_src = src
        if not o["refit"]:  # built already
            self.__dict__["_coefs_paths"] = skp.coefs_paths(coefs, **src["as"])

    def _set_coef(self, coef, intercept, dtype):
        coef = np.asarray(coef)
        self.coef_ = np.ascontiguousarray(coef[None, :] if coef.ndim == 1 else coef.T)
        self.coef_ = self.coef_.astype(dtype, copy=False)
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.intercept_ = self.intercept_.astype(dtype, copy=False)

    def _blend(self, alpha, gamma):
        coef, b = super()._blend(alpha, gamma)
        scaling = getattr(self, "_opts", {}).get("synthetic")
        if scaling is None:
            return coef, b
        return coef[:-1], b + scaling * coef[-1]  # liblinear's synthetic feature

    def _coef_at(self, alpha=None, gamma=None):
        if not hasattr(self, "path_") and hasattr(self, "coef_"):
            raise ValueError("predict(X, alpha=...) evaluates the full-data path, which "
                             "refit=False does not fit.")
        return super()._coef_at(alpha, gamma)

    # -------------------------------------------------------------------- predict
    def decision_function(self, X, alpha=None, gamma=None, offset=None):
        """Linear predictor: shape (n_samples,) for 2 classes, else (n_samples, K).

        ``alpha`` and ``gamma`` evaluate the path as in :meth:`predict`; ``offset`` (two
        classes) is added.
        """
        return self._decision(X, alpha, gamma, offset)

    def predict_log_proba(self, X, alpha=None, gamma=None, offset=None):
        """Log class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, alpha, gamma, offset)
        if d.ndim == 1:
            return np.column_stack([-np.logaddexp(0, d), -np.logaddexp(0, -d)])
        return log_softmax(d, axis=1)

    def predict_proba(self, X, alpha=None, gamma=None, offset=None):
        """Class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, alpha, gamma, offset)
        if d.ndim == 1:
            p1 = expit(d)
            return np.column_stack([1.0 - p1, p1])
        return np.exp(log_softmax(d, axis=1))

    def predict(self, X, alpha=None, gamma=None, offset=None):
        """Most probable class, with the selected model or at ``alpha`` (and ``gamma``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float, default=None
            Any alpha >= 0 of the full-data path (coefficients interpolated, see Notes).
        gamma : float, default=None
            Relaxation in [0, 1] (``relax=True`` only).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (two classes), as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        d = self.decision_function(X, alpha, gamma, offset)
        idx = (d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)
        return self.classes_[idx]
