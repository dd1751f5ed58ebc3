"""penalized: L1, L2 and elastic-net regularized learning.

Estimators (scikit-learn API): :class:`Lasso`, :class:`ElasticNet`, :class:`Ridge`,
:class:`RidgeCV`, :class:`LogisticRegression`, :class:`PoissonRegressor`,
:class:`HuberRegressor`, :class:`GammaRegressor`, :class:`TweedieRegressor`,
:class:`BinomialRegressor`, :class:`CoxPH` (penalized Cox proportional hazards);
beyond the elastic net :class:`MCPRegression`, :class:`SCADRegression`,
:class:`AdaptiveLasso`, :class:`GroupLasso`, :class:`SparseGroupLasso`,
:class:`MultiTaskLasso`, :class:`MultiTaskElasticNet`.
Paths: :func:`path`; plots (matplotlib): :func:`plot_path`, :func:`plot_cv`.
Low level: :func:`solve` and :func:`alpha_max`; losses in :mod:`penalized.datafits`,
penalties in :mod:`penalized.penalties`.

Submodules are imported lazily so that ``import penalized`` stays cheap.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "Lasso": "penalized.estimators",
    "ElasticNet": "penalized.estimators",
    "Ridge": "penalized.estimators",
    "RidgeCV": "penalized.estimators",
    "LogisticRegression": "penalized.estimators",
    "PoissonRegressor": "penalized.estimators",
    "HuberRegressor": "penalized.estimators",
    "GammaRegressor": "penalized.estimators",
    "TweedieRegressor": "penalized.estimators",
    "BinomialRegressor": "penalized.estimators",
    "CoxPH": "penalized.estimators",
    "MCPRegression": "penalized.estimators",
    "SCADRegression": "penalized.estimators",
    "AdaptiveLasso": "penalized.estimators",
    "GroupLasso": "penalized.estimators",
    "SparseGroupLasso": "penalized.estimators",
    "MultiTaskLasso": "penalized.estimators",
    "MultiTaskElasticNet": "penalized.estimators",
    "solve": "penalized.solvers",
    "alpha_max": "penalized.solvers",
    "SolveResult": "penalized.solvers",
    "path": "penalized.paths",
    "LassoCV": "penalized.model_selection",
    "ElasticNetCV": "penalized.model_selection",
    "LogisticRegressionCV": "penalized.model_selection",
    "PoissonRegressorCV": "penalized.model_selection",
    "GammaRegressorCV": "penalized.model_selection",
    "TweedieRegressorCV": "penalized.model_selection",
    "BinomialRegressorCV": "penalized.model_selection",
    "CoxPHCV": "penalized.model_selection",
    "MCPRegressionCV": "penalized.model_selection",
    "SCADRegressionCV": "penalized.model_selection",
    "GroupLassoCV": "penalized.model_selection",
    "SparseGroupLassoCV": "penalized.model_selection",
    "MultiTaskLassoCV": "penalized.model_selection",
    "MultiTaskElasticNetCV": "penalized.model_selection",
    "model_selection": None,
    "PathResult": "penalized.paths",
    "datafits": None,
    "penalties": None,
    "solvers": None,
    "estimators": None,
    "torch": None,
    "plotting": None,
    "plot_path": "penalized.plotting",
    "plot_cv": "penalized.plotting",
}

# penalized.torch needs PyTorch (an optional dependency): it is reached as an attribute or
# an import, but not listed, so that ``from penalized import *`` works without it
__all__ = sorted(name for name in _LAZY if name != "torch")


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'penalized' has no attribute {name!r}")
    target = _LAZY[name]
    if target is None:
        value = importlib.import_module(f"penalized.{name}")
    else:
        value = getattr(importlib.import_module(target), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
