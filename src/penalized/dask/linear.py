"""Squared-loss estimators on dask: Lasso, ElasticNet, Ridge, LassoCV, ElasticNetCV.

Each class is the in-memory estimator of the same name (same parameters, objective and
attributes) with ``fit`` reading dask collections and ``predict`` returning a dask array.
"""

import numbers

import numpy as np
import scipy.sparse as sp

from .. import estimators as _est
from .. import model_selection as _ms
from .._validation import check_bool, check_scalar
from ..datafits import Quadratic
from ..estimators._base import warm_coef
from ..model_selection._cv import _check_choice, grid_mix
from ..model_selection._gram_cv import stats_problem
from ..paths import PathResult, grid_from_gradient
from ._base import FIT_NOTE, DaskMixin
from ._least_squares import (
    cv_errors_pass,
    fit_stats,
    gram_max_features,
    moments_pass,
    null_grad,
    stats_path,
)
from ._moments import gram_of, merge, sse

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "Ridge"]


def _doc(cls, example):
    return (cls.__doc__.split("    Examples\n")[0].replace(
        "    Parameters\n", FIT_NOTE + "\n    Parameters\n", 1) + example)


class _Dims:
    """The shape an in-memory ``_problem`` reads from X when its parameters are
    validated without the data (one row: Ridge's alpha comes back unscaled)."""

    def __init__(self, p):
        self.shape = (1, p)


class _DaskLinear(DaskMixin):
    def _dask_problem(self, p):
        """The in-memory parameter checks, and the parameters a fit from one pass of
        statistics cannot honour refused by name: ``(FitParams, l1_ratio, alpha of S)``."""
        precompute = self.precompute
        if not (isinstance(precompute, (str, bool, np.bool_)) or precompute is None
                or isinstance(precompute, numbers.Number)):
            raise ValueError(
                f"{type(self).__name__} on dask cannot take a Gram matrix in 'precompute': "
                "the fit reduces X'X from the data itself in its one pass (precompute="
                "'auto', True or False all give that fit).")
        if isinstance(self.selection, str) and self.selection == "random":
            raise ValueError(
                f"{type(self).__name__} on dask cannot honour selection='random': its fit "
                "runs the Gram engine on the client, which visits the coordinates in "
                "cyclic order (the same minimizer); use selection='cyclic'.")
        prm, l1_ratio, alpha, _ = self._problem(_Dims(p), None)
        return prm, l1_ratio, lambda S: float(alpha)

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model on dask data.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
            The target, or its column name when X is a dask DataFrame.
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None
            Non-negative weights (or their column name).
        check_input : bool, default=True
            scikit-learn's: False skips the checks of the values (NaN, infinity,
            negative weights) in the first pass; the metadata is always checked.

        Returns
        -------
        self : object
        """
        check = check_bool(check_input, "check_input")
        blocks, runner = self._blocks(X, y, sample_weight, check=check)
        p = blocks.p
        prm, l1_ratio, alpha_of = self._dask_problem(p)
        kw = dict(self._kw_options(), tol=prm.tol, max_iter=prm.max_iter)
        init = warm_coef(self, prm, (p,))
        if p > gram_max_features():
            from ._fista import fista_fit

            b0 = None if init is None else float(self.intercept_)
            res = fista_fit(runner, blocks, prm, l1_ratio, self, alpha_of, coef_init=init,
                            intercept_init=b0)
            w, b, gap, n_iter = res.coef, res.intercept, res.dual_gap, res.n_iter
        else:
            mom = moments_pass(runner)[0]
            w, b, gap, n_iter = fit_stats(mom, p, prm.fit_intercept, alpha_of(mom.S),
                                          l1_ratio, kw, blocks.dtype, coef_init=init)
        self.coef_ = np.asarray(w).astype(blocks.dtype, copy=False)
        self.intercept_ = float(b)
        self.dual_gap_ = float(gap)
        self.n_iter_ = int(n_iter)
        self._done(runner)
        return self

    def predict(self, X):
        """``X @ coef_ + intercept_`` as a dask array (block by block)."""
        return self._dask_decision(X, self.coef_, self.intercept_)


_EX = """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import {name}
    >>> X = da.random.default_rng(0).standard_normal((1000, 5), chunks=250)
    >>> y = X @ da.from_array([1.0, 0, 0, -2.0, 0]) + 1.0
    >>> model = {name}({args}).fit(X, y)
    >>> model.n_passes_, model.coef_.shape, type(model.predict(X)).__name__
    (1, (5,), 'Array')
"""


class Lasso(_DaskLinear, _est.Lasso):
    __doc__ = _doc(_est.Lasso, _EX.format(name="Lasso", args="alpha=0.1"))


class ElasticNet(_DaskLinear, _est.ElasticNet):
    __doc__ = _doc(_est.ElasticNet, _EX.format(name="ElasticNet", args="alpha=0.1"))


class Ridge(_DaskLinear, _est.Ridge):
    __doc__ = _doc(_est.Ridge, _EX.format(name="Ridge", args="alpha=0.1"))

    def _dask_problem(self, p):
        prm, l1_ratio, alpha, _ = self._problem(_Dims(p), None)
        alpha = np.ravel(alpha)
        if alpha.size != 1:
            raise ValueError(f"Ridge on dask fits a single target: 'alpha' must be a "
                             f"scalar, got {alpha.size} values.")
        # scikit-learn's sum-of-squares scale -> the mean-loss scale, S the total weight
        return prm, l1_ratio, lambda S: float(alpha[0]) / S


class _DaskLinearCV(DaskMixin):
    def fit(self, X, y, sample_weight=None, *, foldid=None):
        """Cross-validate the path on dask data, select alpha and refit on all the data.

        One pass over the data computes every fold's statistics; the paths, the test
        errors (mean squared error) and the final path run on the client. ``scoring="mae"``
        takes a second pass. Folds are contiguous blocks of rows (``cv`` an int or an
        unshuffled ``KFold``: scikit-learn's ``KFold(cv)``), or ``foldid``.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None
        foldid : dask.array.Array of shape (n_samples,) or str, default=None
            Fold label of each sample; overrides ``cv``.

        Returns
        -------
        self : object
        """
        l1_ratios, alphas, eps, relax, _ = self._check_params()
        if relax:
            raise ValueError("relax=True is not available on dask (the relaxed refits need "
                             "the training rows); fit penalized.LassoCV in memory.")
        self.__dict__.pop("mse_path_", None)
        kw = self._kw()
        if kw.get("seed", -1) >= 0:
            raise ValueError(
                f"{type(self).__name__} on dask cannot honour selection='random': its paths "
                "run the Gram engine on the client, which visits the coordinates in cyclic "
                "order (the same minimizers); use selection='cyclic'.")
        center = kw["fit_intercept"]
        scoring = _check_choice(self.scoring, "scoring", {"mse", "mae", "deviance"})
        blocks, runner = self._blocks(X, y, sample_weight, foldid=foldid)
        p, dtype = blocks.p, blocks.dtype
        if p > gram_max_features():
            raise ValueError(f"Cross-validation on dask reduces p x p statistics per fold; "
                             f"n_features={p} is above penalized.gram-max-features="
                             f"{gram_max_features()} (raise it with dask.config.set, or fit "
                             "a path with penalized.dask.path).")
        extra = self._fold_extra(blocks, runner, foldid)
        folds = moments_pass(runner, extra)
        labels = sorted(folds)
        if len(labels) < 2:
            raise ValueError("'foldid' must contain at least 2 distinct fold labels.")
        for k in labels:
            if not folds[k].S > 0:
                raise ValueError("A test fold has zero total sample_weight; its error is "
                                 "undefined.")
        total = folds[labels[0]]
        for k in labels[1:]:
            total = merge(total, folds[k])
        trains = {}
        for k in labels:
            tr = None
            for j in labels:
                if j != k:
                    tr = folds[j] if tr is None else merge(tr, folds[j])
            if not tr.S > 0:
                raise ValueError("'sample_weight' must not be all zero on a training fold.")
            trains[k] = tr
        G, q, _, mu, _ = gram_of(total, p, center)
        pen_unit = stats_problem(G, q, mu, dtype, kw)
        if isinstance(alphas, int):
            grad = null_grad(G, q, pen_unit)
            grids = np.array([grid_from_gradient(grad, pen_unit, grid_mix(r, eps)[0], alphas,
                                                 grid_mix(r, eps)[1]) for r in l1_ratios])
        else:
            grids = np.tile(alphas, (len(l1_ratios), 1))
        m = grids.shape[1]
        scores = np.empty((len(l1_ratios), 1, m, len(labels)))
        mse = np.empty((len(l1_ratios), m, len(labels)))
        coefs = {}
        for li, r in enumerate(l1_ratios):
            for fi, k in enumerate(labels):
                W, b, _, _, _ = stats_path(trains[k], p, center, grids[li], r, kw, dtype)
                coefs.setdefault(fi, []).append((W, b))
                mse[li, :, fi] = sse(folds[k], p, W, b) / folds[k].S
        if scoring == "mae":
            key_of = {k: fi for fi, k in enumerate(labels)}
            abs_err = cv_errors_pass(runner, extra, coefs, key_of)
            for li in range(len(l1_ratios)):
                for fi, k in enumerate(labels):
                    scores[li, 0, :, fi] = abs_err[(li, k)] / folds[k].S
        else:
            scores[:, 0] = mse
        self.mse_path_ = mse[0] if len(l1_ratios) == 1 else mse
        self.scoring_, self.score_name_ = scoring, Quadratic().score_name(scoring)
        self.n_folds_ = len(labels)
        li, ai, _ = self._select(l1_ratios, grids, np.array([1.0]), scores, False)
        self.path_ = self._full_path(total, p, center, grids[li], self.l1_ratio_, kw, dtype)
        self.n_nonzero_ = np.asarray(self.path_.df)
        coef, intercept = self._blend(self.alpha_, self.gamma_)
        self._set_coef(coef, intercept, dtype)
        self.dual_gap_ = float(self.path_.dual_gaps[ai])
        self.n_iter_ = int(self.path_.n_iters[ai])
        self._done(runner)
        return self

    @staticmethod
    def _full_path(total, p, center, grid, l1_ratio, kw, dtype):
        W, b, gaps, iters, rss = stats_path(total, p, center, grid, l1_ratio, kw, dtype)
        yy = total.M[p, p] if center else total.M[p, p] + total.S * total.m[p] ** 2
        dev = 1.0 - rss / yy if yy > 0 else np.zeros(grid.size)
        return PathResult(alphas=np.asarray(grid, dtype=np.float64), coefs=sp.csc_matrix(W),
                          intercepts=b, dual_gaps=gaps, n_iters=iters,
                          df=np.count_nonzero(W, axis=0), dev_explained=dev,
                          converged=np.ones(grid.size, dtype=bool))

    def predict(self, X, alpha=None):
        """Predict with the selected model, or at ``alpha`` of the path, as a dask array."""
        if alpha is None:
            coef, b = self.coef_, self.intercept_
        else:
            coef, b = self._coef_at(check_scalar(alpha, "alpha", low=0.0))
        return self._dask_decision(X, coef, b)


_EX_CV = """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import {name}
    >>> X = da.random.default_rng(0).standard_normal((1000, 5), chunks=250)
    >>> y = X @ da.from_array([1.0, 0, 0, -2.0, 0]) + 1.0
    >>> model = {name}(alphas=20, cv=5).fit(X, y)
    >>> model.n_passes_, model.cv_scores_.shape
    (1, (20, 5))
"""


class LassoCV(_DaskLinearCV, _ms.LassoCV):
    __doc__ = _doc(_ms.LassoCV, _EX_CV.format(name="LassoCV"))


class ElasticNetCV(_DaskLinearCV, _ms.ElasticNetCV):
    __doc__ = _doc(_ms.ElasticNetCV, _EX_CV.format(name="ElasticNetCV"))

