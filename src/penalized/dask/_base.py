"""What the dask estimators share: reading the inputs, counting passes, predicting."""

import numpy as np

from .._validation import check_bool
from ..model_selection._cv import path_kwargs
from ._data import as_blocks, check_int_folds, predict_blocks
from ._passes import Runner

__all__ = ["DaskMixin"]

FIT_NOTE = """
    On dask: X is a dask array (chunked by rows, chunk sizes known) or a dask DataFrame
    (e.g. from ``dask.dataframe.read_parquet``), whose target, weight and offset may be
    given as column names (``fit(ddf, "y", sample_weight="w")``); categorical columns with
    known categories are one-hot encoded (``column=level``). Only statistics of size
    p or p x p reach the client. ``n_passes_`` counts the passes over the data.
"""


class DaskMixin:
    """Input reading and bookkeeping of the :mod:`penalized.dask` estimators."""

    def _blocks(self, X, y, sample_weight=None, offset=None, foldid=None, numeric_y=True,
                check=True):
        blocks = as_blocks(X, y, sample_weight, offset, foldid, numeric_y=numeric_y,
                           check=check)
        self.n_features_in_ = blocks.p
        self._dask_spec = blocks.spec
        if blocks.feature_names is not None:
            self.feature_names_in_ = np.asarray(blocks.feature_names, dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        return blocks, Runner(blocks, getattr(self, "verbose", 0))

    def _done(self, runner):
        self.n_passes_ = runner.n_passes
        self.n_length_passes_ = runner.length_passes

    def _kw(self):
        return path_kwargs(self)

    def _kw_options(self):
        """The penalty options of :func:`path_kwargs` (a single fit reads its tol and
        max_iter with its in-memory meaning)."""
        return dict(penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                    upper_bounds=self.upper_bounds,
                    positive=check_bool(self.positive, "positive"),
                    fit_intercept=check_bool(self.fit_intercept, "fit_intercept"),
                    standardize=check_bool(self.standardize, "standardize"))

    def _fold_extra(self, blocks, runner, foldid):
        """Per-block (start row, fold ends) for contiguous folds, or None with foldid."""
        if foldid is not None:
            return None
        k = check_int_folds(self.cv)
        lens = blocks.lengths(runner)
        n = int(lens.sum())
        if n < k:
            raise ValueError(f"Cannot have number of folds cv={k} greater than the number of "
                             f"samples: n_samples={n}.")
        sizes = np.full(k, n // k, dtype=np.int64)
        sizes[:n % k] += 1
        bounds = np.cumsum(sizes)
        return [(int(st), bounds) for st in blocks.starts()]

    def _dask_decision(self, X, coef, intercept):
        return predict_blocks(self, X, coef, intercept)

    _score_kind = "r2"

    def _score_model(self):
        """(coef (p,) or (p, K), intercept, classes) of the fitted linear predictor."""
        if getattr(self, "classes_", None) is not None:
            coef = np.asarray(self.coef_)
            if coef.shape[0] == 1:
                return coef[0], np.asarray(self.intercept_)[0], self.classes_
            return coef.T, self.intercept_, self.classes_
        return self.coef_, self.intercept_, None

    def score(self, X, y, sample_weight=None):
        """scikit-learn's score from one pass over dask data (only sums reach the client):
        R^2 for the least-squares estimators, D^2 (fraction of Poisson deviance
        explained) for PoissonRegressor, accuracy for the classifiers.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
            In the layout of the fit (a dataframe with its feature columns).
        y : dask.array.Array of shape (n_samples,) or str
            The target, or its column name when X is a dask DataFrame.
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None

        Returns
        -------
        score : float
        """
        from sklearn.utils.validation import check_is_fitted

        from ._score import dask_score

        check_is_fitted(self)
        return dask_score(self, X, y, sample_weight, self._score_kind, *self._score_model())
