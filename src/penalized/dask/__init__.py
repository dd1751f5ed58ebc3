"""penalized on Dask: the same estimators on dask arrays and dataframes, exact, out of core.

Estimators with the in-memory classes' names, parameters, objectives and attributes:
:class:`Lasso`, :class:`ElasticNet`, :class:`Ridge`, :class:`LassoCV`,
:class:`ElasticNetCV` (one pass of sufficient statistics, then the in-memory Gram engine
on the client), :class:`LogisticRegression`, :class:`PoissonRegressor`,
:class:`LogisticRegressionCV` (distributed prox-Newton: a pass per Newton step), and
:func:`path`. ``predict`` returns a dask array. See ``docs/dask.md``.

They run on dask's scheduler in use: a ``distributed.Client`` (``LocalCluster`` or
``Client("tcp://scheduler:8786")``) or the local one.
"""

from .glm import LogisticRegression, PoissonRegressor
from .glm_cv import LogisticRegressionCV, path
from .linear import ElasticNet, ElasticNetCV, Lasso, LassoCV, Ridge

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "LogisticRegression",
           "LogisticRegressionCV", "PoissonRegressor", "Ridge", "path"]
