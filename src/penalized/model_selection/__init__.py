"""Cross-validated estimators: alpha (and l1_ratio, and the relaxation) chosen on fixed folds.

:class:`LassoCV`, :class:`ElasticNetCV`, :class:`LogisticRegressionCV` and
:class:`PoissonRegressorCV` share one engine (:mod:`penalized.model_selection._cv`): folds
fixed once, one warm-started path per fold on the full-data alpha grid, a choice of test
error, the minimum and one-standard-error rules, relaxed lasso fits and parallel folds.
"""

from .glm_cv import PoissonRegressorCV
from .linear_cv import ElasticNetCV, LassoCV
from .logistic_cv import LogisticRegressionCV

__all__ = ["ElasticNetCV", "LassoCV", "LogisticRegressionCV", "PoissonRegressorCV"]
