"""GLM estimators on dask: LogisticRegression (binary and multinomial), PoissonRegressor.

Each class is the in-memory estimator of the same name (same parameters, objective and
attributes), fitted by distributed prox-Newton (:mod:`penalized.dask._glm`).
"""

import dask.array as da
import numpy as np
from scipy.special import expit
from sklearn.utils.class_weight import compute_class_weight

from .. import estimators as _est
from .._validation import check_bool, check_int, check_scalar
from ..datafits import Logistic, Multinomial, Poisson
from ..estimators._base import FitParams, build_penalty, check_choice, check_fit_params
from ..estimators.glm import SOLVERS as POISSON_SOLVERS
from ..estimators.logistic import SOLVERS, logistic_penalty
from ._base import FIT_NOTE, DaskMixin
from ._glm import GLMProblem, class_moments, glm_fit, glm_moments_pass

__all__ = ["LogisticRegression", "PoissonRegressor", "glm_setup"]


def _doc(cls, example):
    return (cls.__doc__.split("    Examples\n")[0].replace(
        "    Parameters\n", FIT_NOTE + "\n    Parameters\n", 1) + example)


def sqnorms_dead(mom, p, center, dtype):
    """Weighted column variances (mean squares without intercept) and the constant
    columns, as ``Design.sqnorms``."""
    S = mom.S
    L = np.diag(mom.M)[:p] / S
    mu = mom.m[:p]
    if not center:
        L = L + mu * mu
    dead = L <= (64 * np.finfo(dtype).eps * (np.abs(mu) + np.sqrt(np.maximum(L, 0.0)))) ** 2
    L = np.where(dead, 0.0, L)
    return L, dead


def glm_setup(est, mom, counts, p, center, dtype, kind, class_weight=None, classes=None):
    """(problem, start intercept, sqnorms, dead columns) from the first pass (``mom``:
    its moments, by label for class labels); ``problem.S`` is the total weight, class
    weights included, and the centering and sqnorms are on those weights, as the
    in-memory design's."""
    if kind == "numeric":
        datafit, classes_ = Poisson(), None
        cw = None
        ybar = float(mom.m[p])
        b0 = np.array([datafit.link(ybar)])
    else:
        classes_ = np.asarray(sorted(counts)) if classes is None else classes
        cnt = np.array([counts.get(c.item() if hasattr(c, "item") else c, 0.0)
                        for c in classes_])
        cw = None
        if class_weight is not None:
            cw = compute_class_weight(class_weight, classes=classes_, y=classes_,
                                      sample_weight=cnt)
            cnt = cnt * cw
        freq = cnt / cnt.sum()
        if len(classes_) == 2:
            kind, datafit = "binary", Logistic()
            b0 = np.array([datafit.link(freq[1])])
        else:
            kind, datafit = "multinomial", Multinomial()
            lf = np.log(np.clip(freq, 1e-12, None))
            b0 = lf - lf.mean()
        mom = class_moments(mom, classes_, cw)
    L, dead = sqnorms_dead(mom, p, center, dtype)
    mu = mom.m[:p].copy() if center else np.zeros(p)
    prob = GLMProblem(datafit, kind, classes_, cw, mu, center, mom.S)
    return prob, (b0 if center else np.zeros_like(b0)), L, dead


class _DaskGLM(DaskMixin):
    _kind = "numeric"

    def _fit_glm(self, X, y, sample_weight, offset, prm, l1_ratio, alpha_of,
                 class_weight=None, init=None, check_classes=None):
        """The first pass, then distributed prox-Newton; ``alpha_of(S)`` is the mean-loss
        alpha for the total weight ``S`` (class weights included), ``init`` a warm start
        ``(coef (p, K), intercepts (K,))`` or None. ``prm.max_iter`` counts Newton
        steps; ``check_classes(n_classes)`` raises for a number of classes the parameters
        do not allow."""
        blocks, runner = self._blocks(X, y, sample_weight, offset,
                                      numeric_y=self._kind == "numeric")
        p = blocks.p
        first = glm_moments_pass(runner, self._kind)[0]
        mom, counts = first
        if self._kind != "numeric":
            present = [c for c, v in counts.items() if v > 0]
            if len(present) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes with positive "
                    f"sample_weight; the data contains only {present!r}.")
            if check_classes is not None:
                check_classes(len(counts))
        else:
            self._check_numeric(mom, p)
        prob, b0, L, dead = glm_setup(self, mom, counts, p, prm.fit_intercept, blocks.dtype,
                                      self._kind, class_weight)
        pen = build_penalty(self, alpha_of(prob.S), l1_ratio).arrays(p)
        if prm.standardize:
            pen = pen.standardized(L)
        W0 = None
        if init is not None and init[0].shape == (p, prob.K):
            W0, b0 = init[0], (init[1] if prm.fit_intercept else b0)
        res, _ = glm_fit(runner, prob, pen, tol=prm.tol, max_iter=prm.max_iter, b0=b0,
                         W0=W0, dead=dead)
        self._done(runner)
        return res, prob, blocks.dtype

    def _check_numeric(self, mom, p):
        pass


def _binary_only(K):
    if K > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme.")


_EX_LOG = """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import LogisticRegression
    >>> X = da.random.default_rng(0).standard_normal((1000, 4), chunks=250)
    >>> y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> clf = LogisticRegression(l1_ratio=1.0, C=0.1).fit(X, y)
    >>> clf.classes_, clf.predict(X[:3]).compute().shape
    (array([0, 1]), (3,))
"""


class LogisticRegression(_DaskGLM, _est.LogisticRegression):
    __doc__ = _doc(_est.LogisticRegression, _EX_LOG)
    _kind = "labels"
    _score_kind = "accuracy"

    def fit(self, X, y, sample_weight=None):
        """Fit the model on dask data (see the class docstring).

        ``max_iter`` counts distributed prox-Newton steps (full Newton steps on all the
        classes at once for K > 2, where the in-memory fit sweeps class by class): each
        is a pass over the data. Not available on dask: ``dual=True``,
        ``solver="liblinear"`` with ``fit_intercept=True`` (its penalized synthetic
        intercept) and ``grouped=True``.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
            Class labels, or their column name.
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None

        Returns
        -------
        self : object
        """
        solver = check_choice(self.solver, "solver", SOLVERS)
        if check_bool(self.dual, "dual"):
            raise ValueError("dual=True is not available on dask: the distributed fit "
                             "solves the primal problem (the same model); use dual=False.")
        fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        if solver == "liblinear" and fit_intercept:
            raise ValueError(
                "solver='liblinear' with fit_intercept=True is not available on dask: "
                "liblinear's model penalizes a synthetic intercept feature "
                "(intercept_scaling), which the distributed fit does not add; use another "
                "solver name (unpenalized intercept) or fit_intercept=False.")
        if check_bool(self.grouped, "grouped"):
            raise ValueError("grouped=True is not available on dask; use penalized."
                             "LogisticRegression in memory.")
        check_scalar(self.intercept_scaling, "intercept_scaling", low=0.0, low_open=True)
        prm = FitParams(alpha=0.0, fit_intercept=fit_intercept,
                        standardize=check_bool(self.standardize, "standardize"),
                        tol=check_scalar(self.tol, "tol", low=0.0),
                        max_iter=check_int(self.max_iter, "max_iter"),
                        warm_start=check_bool(self.warm_start, "warm_start"),
                        verbose=check_int(self.verbose, "verbose", low=0))
        # C's alpha is 1 / (C S) with S known after the first pass: read at S = 1 here
        # (the checks and the penalty deprecation's warning before any pass)
        l1_ratio, a1 = logistic_penalty(self.penalty, self.l1_ratio, self.C, self.alpha, 1.0,
                                        type(self).__name__)

        def alpha_of(S):
            return a1 if self.alpha is not None else a1 / S

        init = None
        if prm.warm_start and getattr(self, "coef_", None) is not None:
            coef = np.asarray(self.coef_, dtype=np.float64)
            K = coef.shape[0]
            intercept = np.asarray(self.intercept_, dtype=np.float64)
            init = (coef.T, intercept) if K > 1 else (coef.T, intercept[:1])
        res, prob, dtype = self._fit_glm(
            X, y, sample_weight, None, prm, l1_ratio, alpha_of, self.class_weight, init,
            _binary_only if solver == "liblinear" else None)
        self.classes_ = prob.classes
        if prob.kind == "binary":
            coef, intercept = res.coef[None, :], np.atleast_1d(res.intercept)
        else:
            coef = res.coef.T
            intercept = res.intercept - res.intercept.mean()
        self.coef_ = np.ascontiguousarray(coef).astype(dtype, copy=False)
        self.intercept_ = np.asarray(intercept, dtype=np.float64).astype(dtype, copy=False)
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = np.array([res.n_iter], dtype=np.int32)
        return self

    def decision_function(self, X):
        """Linear predictor as a dask array: (n_samples,) for 2 classes, else (n, K)."""
        if self.coef_.shape[0] == 1:
            return self._dask_decision(X, self.coef_[0], self.intercept_[0])
        return self._dask_decision(X, self.coef_.T, self.intercept_)

    def predict_proba(self, X):
        """Class probabilities as a dask array of shape (n_samples, n_classes)."""
        d = self.decision_function(X)
        if d.ndim == 1:
            p1 = d.map_blocks(expit, dtype=np.float64)
            return da.stack([1.0 - p1, p1], axis=1)
        return d.map_blocks(Multinomial.inverse_link, dtype=np.float64)

    def predict_log_proba(self, X):
        """Log class probabilities as a dask array."""
        return da.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class label, as a dask array."""
        d = self.decision_function(X)
        idx = (d > 0).astype(int) if d.ndim == 1 else da.argmax(d, axis=1)
        return idx.map_blocks(lambda i: self.classes_[i], dtype=self.classes_.dtype)


_EX_POI = """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import PoissonRegressor
    >>> rng = da.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 3), chunks=250)
    >>> y = rng.poisson(da.exp(0.5 * X[:, 0]))
    >>> model = PoissonRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> bool(model.coef_[0] > 0.3)
    True
"""


class PoissonRegressor(_DaskGLM, _est.PoissonRegressor):
    __doc__ = _doc(_est.PoissonRegressor, _EX_POI)
    _score_kind = "d2_poisson"

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model on dask data (see the class docstring); ``max_iter`` counts
        distributed prox-Newton steps, each a pass over the data.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None
        offset : dask.array.Array of shape (n_samples,) or str, default=None
            Known part of the linear predictor (e.g. log exposure), or its column name.

        Returns
        -------
        self : object
        """
        check_choice(self.solver, "solver", POISSON_SOLVERS)
        prm = check_fit_params(self)
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        init = None
        if prm.warm_start and getattr(self, "coef_", None) is not None:
            init = (np.asarray(self.coef_, dtype=np.float64)[:, None],
                    np.array([self.intercept_], dtype=np.float64))
        res, _, dtype = self._fit_glm(X, y, sample_weight, offset, prm, l1_ratio,
                                      lambda S: prm.alpha, init=init)
        self.coef_ = np.asarray(res.coef).astype(dtype, copy=False)
        self.intercept_ = float(res.intercept)
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = int(res.n_iter)
        return self

    def _check_numeric(self, mom, p):
        if not mom.m[p] > 0:
            raise ValueError("All values of y are zero: PoissonRegressor needs a positive "
                             "count (the maximum-likelihood intercept would be -inf).")

    def predict(self, X):
        """Predicted mean ``exp(X @ coef_ + intercept_)`` as a dask array."""
        return da.exp(self._dask_decision(X, self.coef_, self.intercept_))
