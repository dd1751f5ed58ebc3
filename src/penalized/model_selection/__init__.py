"""Cross-validated estimators: alpha (and l1_ratio, and the relaxation) chosen on fixed folds.

:class:`LassoCV`, :class:`ElasticNetCV`, :class:`LogisticRegressionCV`,
:class:`PoissonRegressorCV`, :class:`GammaRegressorCV`, :class:`TweedieRegressorCV` and
:class:`BinomialRegressorCV` share one engine (:mod:`penalized.model_selection._cv`): folds
fixed once, one warm-started path per fold on the full-data alpha grid, a choice of test
error, the minimum and one-standard-error rules, relaxed lasso fits and parallel folds.
:class:`CoxPHCV` scores its folds its own way (the partial likelihood is not a sum over
samples) on the same folds, paths and selection rule.

The penalties beyond the elastic net have :class:`MCPRegressionCV`, :class:`SCADRegressionCV`,
:class:`GroupLassoCV`, :class:`SparseGroupLassoCV`, :class:`MultiTaskLassoCV` and
:class:`MultiTaskElasticNetCV` (:mod:`penalized.model_selection.penalty_cv`).
"""

import importlib

from .cox_cv import CoxPHCV
from .family_cv import BinomialRegressorCV, GammaRegressorCV, TweedieRegressorCV
from .glm_cv import PoissonRegressorCV
from .linear_cv import ElasticNetCV, LassoCV
from .logistic_cv import LogisticRegressionCV

_LAZY = ("GroupLassoCV", "MCPRegressionCV", "MultiTaskElasticNetCV", "MultiTaskLassoCV",
         "SCADRegressionCV", "SparseGroupLassoCV")

__all__ = ["BinomialRegressorCV", "CoxPHCV", "ElasticNetCV", "GammaRegressorCV", "GroupLassoCV",
           "LassoCV", "LogisticRegressionCV", "MCPRegressionCV", "MultiTaskElasticNetCV",
           "MultiTaskLassoCV", "PoissonRegressorCV", "SCADRegressionCV", "SparseGroupLassoCV",
           "TweedieRegressorCV"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'penalized.model_selection' has no attribute {name!r}")
    module = ".multitask_cv" if name.startswith("MultiTask") else ".penalty_cv"
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
