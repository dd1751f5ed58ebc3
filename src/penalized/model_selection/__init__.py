"""Cross-validated estimators: alpha (and l1_ratio, and the relaxation) chosen on fixed folds.

:class:`LassoCV`, :class:`ElasticNetCV`, :class:`LogisticRegressionCV`,
:class:`PoissonRegressorCV`, :class:`GammaRegressorCV`, :class:`TweedieRegressorCV` and
:class:`BinomialRegressorCV` share one engine (:mod:`penalized.model_selection._cv`): folds
fixed once, one warm-started path per fold on the full-data alpha grid, a choice of test
error, the minimum and one-standard-error rules, relaxed lasso fits and parallel folds.
:class:`CoxPHCV` scores its folds its own way (the partial likelihood is not a sum over
samples) on the same folds, paths and selection rule.
"""

from .cox_cv import CoxPHCV
from .family_cv import BinomialRegressorCV, GammaRegressorCV, TweedieRegressorCV
from .glm_cv import LogisticRegressionCV, PoissonRegressorCV
from .linear_cv import ElasticNetCV, LassoCV

__all__ = ["BinomialRegressorCV", "CoxPHCV", "ElasticNetCV", "GammaRegressorCV", "LassoCV",
           "LogisticRegressionCV", "PoissonRegressorCV", "TweedieRegressorCV"]
