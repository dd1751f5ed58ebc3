"""BLAS on one thread for a design's column means (penalized._blas)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import penalized
from penalized.solvers.design import Design

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    return sorted((i["filepath"], i["num_threads"])
                  for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")


def test_column_means_run_on_one_blas_thread_and_the_limit_is_restored(monkeypatch):
    if not _blas_threads():
        pytest.skip("no BLAS library found by threadpoolctl")
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((300, 40)))
    y = X[:, 0] + 0.1 * rng.standard_normal(300)
    seen = []
    orig = Design.rmatvec_raw

    def spy(self, u):
        seen.append([n for _, n in _blas_threads()])
        return orig(self, u)

    before = _blas_threads()
    with monkeypatch.context() as m:
        m.setattr(Design, "rmatvec_raw", spy)
        Design(X, None, True)
        Design(X, rng.random(300), True)
        Design(X, None, True, blas_threads=True)
    assert seen[0] == [1] * len(seen[0]) and seen[1] == [1] * len(seen[1])
    assert seen[2] == [n for _, n in before]  # a prox-Newton step's design: BLAS's threads
    assert _blas_threads() == before
    est = penalized.Lasso(alpha=0.01).fit(X, y)
    assert _blas_threads() == before
    # the means themselves: the plain product's
    s = rng.random(300)
    d = Design(X, s, True)
    assert_allclose(d.mu, X.T @ s / s.sum(), rtol=1e-14, atol=0)
    assert_allclose(est.intercept_, np.mean(y - X @ est.coef_), rtol=0, atol=1e-8)


def test_one_blas_thread_blocks_share_one_limit():
    from penalized._blas import one_blas_thread

    before = _blas_threads()
    if not before:
        pytest.skip("no BLAS library found by threadpoolctl")
    outer = one_blas_thread()
    outer.__enter__()
    inner = one_blas_thread()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first to enter leaves first: still limited
    assert all(n == 1 for _, n in _blas_threads())
    inner.__exit__(None, None, None)
    assert _blas_threads() == before
