"""penalized._jit.njit: numba's njit whose on-disk cache loads without a context refresh.

A kernel loaded from the cache must behave as one compiled in the process: same machine code
(the fits' coefficients equal to the last bit those of a process that loads with numba's own
cache), its allocations, exceptions and callees working, numba's full refresh not run by
the load, and a later compilation in the same process (which does refresh) able to call it.
"""

import json
import os
import subprocess
import sys

import numba
import pytest

from penalized._jit import njit

JIT = not numba.config.DISABLE_JIT
needs_jit = pytest.mark.skipif(not JIT, reason="NUMBA_DISABLE_JIT: no dispatchers, no cache")


def _run(code, env=None):
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_parallel_and_positional_signatures_are_refused():
    with pytest.raises(TypeError, match="parallel"):
        njit(cache=True, parallel=True)
    with pytest.raises(TypeError, match="keyword options"):
        njit("float64(float64)", cache=True)


@needs_jit
def test_uncached_kernels_are_numbas_own():
    def f(x):
        return x + 1.0

    d = njit(f)
    assert isinstance(d, numba.core.registry.CPUDispatcher)
    assert type(d._cache).__name__ == "NullCache"
    assert njit(cache=True)(f)(1.0) == 2.0  # the cache made lazily (no file: not at decoration)


# every driver counts numba's target-context refreshes in its process
COUNT_REFRESHES = '''
from numba.core.base import BaseContext

refreshes = []
_refresh = BaseContext.refresh
BaseContext.refresh = lambda self: (refreshes.append(1), _refresh(self))[1]
'''

KERNELS = '''
import numpy as np
from penalized._jit import njit

@njit(cache=True, fastmath={"contract"})
def inner(x):
    return np.sqrt(x) + 1.0

@njit(cache=True)
def outer(a):
    if a.shape[0] == 0:
        raise ValueError("outer: empty input")
    out = np.empty_like(a)
    s = 0.0
    for i in range(a.shape[0]):
        out[i] = inner(a[i])
        s += out[i]
    return out, s
'''

DRIVER = COUNT_REFRESHES + '''
import json, sys
import numpy as np
sys.path.insert(0, {path!r})
import kmod

out, s = kmod.outer(np.arange(5.0))
loaded = sum(kmod.outer.stats.cache_hits.values())
before = len(refreshes)
try:
    kmod.outer(np.empty(0))
    message = None
except ValueError as exc:
    message = str(exc)

from numba import njit

@njit
def twice(a):  # compiled here, after the load: numba refreshes, then calls the loaded kernel
    return 2.0 * kmod.outer(a)[1]

print(json.dumps({{"s": s, "out": out.tolist(), "hits": loaded, "refreshes": before,
                  "message": message, "twice": twice(np.arange(5.0)),
                  "refreshed_for_compile": len(refreshes) > before}}))
'''


@needs_jit
def test_a_cached_kernel_loads_without_a_refresh_and_works(tmp_path):
    (tmp_path / "kmod.py").write_text(KERNELS)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = DRIVER.format(path=str(tmp_path))
    first = _run(code, env)  # compiles and writes the cache
    second = _run(code, env)  # loads it
    expected = sum(x ** 0.5 + 1.0 for x in range(5))
    assert first["hits"] == 0 and first["refreshes"] > 0
    assert second["hits"] == 1 and second["refreshes"] == 0
    for r in (first, second):
        assert r["s"] == pytest.approx(expected, rel=1e-15)
        assert r["message"] == "outer: empty input"
        assert r["twice"] == pytest.approx(2 * expected, rel=1e-15)
        assert r["refreshed_for_compile"]
    assert second["out"] == first["out"]


FITS = COUNT_REFRESHES + '''
import json, sys
import numpy as np
import scipy.sparse as sp
if {numbas_cache}:  # load with numba's own cache, which refreshes the context first
    from numba.core.caching import FunctionCache
    import penalized._jit as J
    J._KernelCache.load_overload = FunctionCache.load_overload

import penalized
from penalized import (CoxPH, ElasticNet, GroupLasso, Lasso, LogisticRegression,
                       MCPRegression, PoissonRegressor)

rng = np.random.default_rng(0)
X = rng.standard_normal((120, 30))
w = np.zeros(30); w[:4] = [1.5, -2.0, 1.0, 0.5]
y = X @ w + 0.3 * rng.standard_normal(120)
Xs = sp.random(120, 30, density=0.3, format="csc", random_state=0)
ys = Xs @ w + 0.1 * rng.standard_normal(120)
yb = (y > 0).astype(float)
y3 = np.digitize(y, [-1.0, 1.0])
yc = rng.poisson(np.exp(0.3 * (X[:, :3] @ [1.0, -1.0, 0.5])))
time = np.exp(-0.5 * X[:, 0] + 0.3 * rng.standard_normal(120))
event = rng.random(120) < 0.7

fits = {{
    "lasso": Lasso(alpha=0.05).fit(X, y).coef_,
    "enet_sparse": ElasticNet(alpha=0.01, l1_ratio=0.5).fit(
        Xs, ys, sample_weight=rng.uniform(0.5, 2, 120)).coef_,
    "logistic_l1": LogisticRegression(penalty="l1", C=0.5).fit(X, yb).coef_,
    "multinomial": LogisticRegression(penalty="l1", C=0.5).fit(X, y3).coef_,
    "poisson": PoissonRegressor(alpha=0.02, l1_ratio=1.0).fit(X, yc).coef_,
    "group": GroupLasso(groups=3, alpha=0.05).fit(X, y).coef_,
    "mcp": MCPRegression(alpha=0.05).fit(X, y).coef_,
    "cox": CoxPH(alpha=0.05).fit(X, np.column_stack([time, event])).coef_,
}}
out = {{k: np.asarray(v).ravel().tolist() for k, v in fits.items()}}
print(json.dumps(out | {{"refreshes": len(refreshes)}}))
'''


@needs_jit
def test_fits_loaded_without_a_refresh_equal_those_of_numbas_cache():
    """Every family's first fit in a fresh process, its kernels loaded from the cache (a
    first process compiles what is missing) with no refresh at all: the coefficients equal
    to the last bit those of a process whose kernels load through numba's own cache (a full
    refresh first)."""
    light = FITS.format(numbas_cache=False)
    _run(light)  # compiles what the cache lacks
    ours = _run(light)
    numbas = _run(FITS.format(numbas_cache=True))
    assert ours.pop("refreshes") == 0  # all loaded from the cache, none refreshed
    assert numbas.pop("refreshes") > 0
    assert ours.keys() == numbas.keys()
    for name in ours:
        assert ours[name] == numbas[name], name
        assert any(v != 0.0 for v in ours[name]), name
