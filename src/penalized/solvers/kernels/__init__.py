"""numba kernels of the solvers (``@njit(cache=True)``, compiled once and cached on disk).

Modules are imported lazily by the engines (loading numba costs start-up time):

* :mod:`.cd` -- coordinate-descent epochs (residual updates on dense or CSC designs, or
  on a Gram matrix) and the pieces every kernel shares;
* :mod:`.certificate` -- the duality gap of penalized least squares;
* :mod:`.newton` -- the support Newton step;
* :mod:`.active_set` -- the active-set (feature-sign) inner solver of dense designs;
* :mod:`.working_set` -- the residual engine's outer loop and its paths;
* :mod:`.gram` -- the Gram engine's loop and its paths;
* :mod:`.logistic` -- prox-Newton for plain-L1 logistic on sparse designs;
* :mod:`.sparse` -- CSC products for the GLM engines.

Kernels see arrays, scalars and named tuples of them (``KernelDesign``,
``KernelPenalty``, ``Projection``, ``WSConfig``, ``Factor``), never an estimator.
"""
