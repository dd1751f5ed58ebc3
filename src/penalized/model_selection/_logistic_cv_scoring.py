"""scikit-learn's scoring of LogisticRegressionCV: the scorer applied to every fold's model
at every C, its selection rule, ``score`` and the metadata routing to the scorer."""

import numpy as np
from sklearn import get_config
from sklearn.metrics import get_scorer
from sklearn.utils.metadata_routing import UNUSED, MethodMapping, process_routing

from ..estimators.logistic import LogisticRegression
from . import _logistic_cv_params as skp

__all__ = ["SklearnScoring"]


class SklearnScoring:
    """The scoring hooks of :class:`~penalized.model_selection._cv.BaseCV` for scikit-learn's
    scorers (penalized's measures fall back to the engine's), and scikit-learn's ``score``
    and metadata routing of ``LogisticRegressionCV``."""

    __metadata_request__score = {"sample_weight": UNUSED}

    def _route(self, sample_weight, foldid, params):
        if get_config().get("enable_metadata_routing", False):
            extra = {} if foldid is None else {"foldid": foldid}
            routed = process_routing(self, "fit", sample_weight=sample_weight, **extra,
                                     **params)
            return dict(routed.splitter.split), dict(routed.scorer.score)
        split = self._split_params(sample_weight, foldid, params)
        return split, {} if sample_weight is None else {"sample_weight": sample_weight}

    def _check_scoring(self, datafit):
        if self._opts["kind"] == "measure":
            name = skp.MEASURES[self._opts["scoring"]]
            if name not in datafit.scorings:
                ok = sorted(m for m, v in skp.MEASURES.items() if v in datafit.scorings)
                raise ValueError(f"The 'measure' parameter must be one of {ok} for "
                                 f"{len(self.classes_)} classes, got "
                                 f"{self._opts['scoring']!r}.")
            return name
        self._fold_scorer = skp.fold_scorer(self._opts["scoring"], self.classes_)
        return self._opts["scoring"]

    def _greater_is_better(self):
        return self._opts["kind"] == "scorer"

    def _score_name(self, datafit, scoring):
        if self._opts["kind"] == "measure":
            return datafit.score_name(scoring)
        if scoring is None:
            return "accuracy"
        return scoring if isinstance(scoring, str) else getattr(scoring, "__name__",
                                                                repr(scoring))

    def _fold_scores(self, run, li, fi, fit, scoring, y_test, sw_test):
        if self._opts["kind"] == "measure":
            return super()._fold_scores(run, li, fi, fit, scoring, y_test, sw_test)
        train, test = run.folds[fi]
        S = len(train) if run.sw_fit is None else float(np.sum(run.sw_fit[train]))
        model = LogisticRegression(solver=self._opts["solver"],
                                   l1_ratio=float(run.l1_ratios[li]))
        model.classes_, model.n_features_in_ = self.classes_, run.X.shape[1]
        X_test = run.X[test]
        params = skp.test_params(run.score_params, test, run.X.shape[0])
        if self._opts["Cs"] is not None:  # the C of every path point, increasing
            Cs = np.asarray(self._opts["Cs"], dtype=np.float64)[self._order]
        else:
            with np.errstate(divide="ignore"):
                Cs = 1.0 / (run.grids[li] * S)
        out = np.empty((run.gam.size, Cs.size))
        for gi, g in enumerate(run.gam):
            W, b = skp.path_coefs(fit.path, fit.relaxed, g)
            out[gi] = skp.score_fold(self._fold_scorer, model, X_test, run.y[test], sw_test,
                                     params, W, b, Cs)
        return out

    def _best(self, loss, scores):
        """scikit-learn's rule: the largest sum of the folds' scores over (C in the
        order of ``Cs_``, l1_ratio), the first on ties."""
        if loss.shape[1] > 1:  # relax: over (gamma, alpha) as LassoCV
            return super()._best(loss, scores)
        sums = scores[:, 0].sum(axis=-1)  # (n_l1_ratios, n_alphas)
        value = sums if self._greater_is_better() else -sums
        inv = np.argsort(self._order)  # user index c -> engine index inv[c]
        c, li = np.unravel_index(np.argmax(value[:, inv].T), (inv.size, value.shape[0]))
        return int(li), (0, int(inv[c]))


    def score(self, X, y, sample_weight=None, **score_params):
        """The ``scoring`` scorer on (X, y) (accuracy for None, "warn" and ``measure``),
        as scikit-learn's LogisticRegressionCV.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **score_params : dict
            Metadata of the scorer (metadata routing only).

        Returns
        -------
        score : float
        """
        scorer = self._get_scorer()
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        if get_config().get("enable_metadata_routing", False):
            return scorer(self, X, y, **process_routing(self, "score",
                                                        **score_params).scorer.score)
        extra = sorted(set(score_params) - {"sample_weight"})
        if extra:
            raise ValueError(f"Passing extra keyword arguments to {type(self).__name__}."
                             f"score is only supported if enable_metadata_routing=True, "
                             f"got {extra}.")
        return scorer(self, X, y, **score_params)

    def _get_scorer(self):
        """scikit-learn's scorer of ``scoring`` (accuracy for None, "warn", penalized's
        former measure names and with ``measure``)."""
        s = self.scoring
        if self.measure is not None or s is None or (isinstance(s, str) and s in (
                "warn", "deviance", "mse", "mae", "auc")):
            return get_scorer("accuracy")
        return get_scorer(s)

    def get_metadata_routing(self):
        """Metadata routing as scikit-learn's LogisticRegressionCV: the estimator's own
        requests, the splitter's ``split`` (``groups`` without a ``set_fit_request``) and
        the scorer's ``score`` (in ``fit`` and ``score``).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
        """
        return super().get_metadata_routing().add(
            scorer=self._get_scorer(),
            method_mapping=MethodMapping().add(caller="score", callee="score")
            .add(caller="fit", callee="score"))
