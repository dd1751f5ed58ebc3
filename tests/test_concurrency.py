"""Fits are deterministic and thread-safe: threads fitting at once, refits, ``n_jobs``,
forked children and interrupted CV fits all give bit-identical models, and leave no
process-wide state (warning filters, BLAS thread limits, the fold thread pool) changed."""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import penalized

N, P = 60, 8

SPECS = {
    "Lasso": (dict(alpha=0.05), "reg"),
    "ElasticNet": (dict(alpha=0.05), "reg"),
    "Ridge": (dict(alpha=1.0), "reg"),
    "RidgeCV": (dict(), "reg"),
    "LogisticRegression": (dict(C=1.0), "clf"),
    "PoissonRegressor": (dict(alpha=0.01), "count"),
    "GammaRegressor": (dict(alpha=0.01, l1_ratio=0.5), "positive"),
    "TweedieRegressor": (dict(power=1.5, alpha=0.01), "positive"),
    "BinomialRegressor": (dict(alpha=0.01, l1_ratio=0.5), "proportion"),
    "CoxPH": (dict(alpha=0.02), "survival"),
    "HuberRegressor": (dict(), "reg"),
    "MCPRegression": (dict(alpha=0.05), "reg"),
    "SCADRegression": (dict(alpha=0.05), "reg"),
    "AdaptiveLasso": (dict(alpha=0.05), "reg"),
    "GroupLasso": (dict(groups=2, alpha=0.05), "reg"),
    "SparseGroupLasso": (dict(groups=2, alpha=0.05), "reg"),
    "MultiTaskLasso": (dict(alpha=0.05), "multi"),
    "MultiTaskElasticNet": (dict(alpha=0.05), "multi"),
    "LassoCV": (dict(alphas=8, cv=3), "reg"),
    "ElasticNetCV": (dict(alphas=8, cv=3, l1_ratio=[0.5, 1.0]), "reg"),
    "LogisticRegressionCV": (dict(alphas=6, cv=3), "clf"),
    "PoissonRegressorCV": (dict(alphas=6, cv=3), "count"),
    "GammaRegressorCV": (dict(alphas=6, cv=3, l1_ratio=[0.5, 1.0]), "positive"),
    "TweedieRegressorCV": (dict(power=1.5, alphas=6, cv=3), "positive"),
    "BinomialRegressorCV": (dict(alphas=6, cv=3, l1_ratio=0.5), "proportion"),
    "CoxPHCV": (dict(alphas=6, cv=3), "survival"),
    "MCPRegressionCV": (dict(alphas=6, cv=3), "reg"),
    "SCADRegressionCV": (dict(alphas=6, cv=3), "reg"),
    "GroupLassoCV": (dict(groups=2, alphas=6, cv=3), "reg"),
    "SparseGroupLassoCV": (dict(groups=2, alphas=6, cv=3), "reg"),
    "MultiTaskLassoCV": (dict(alphas=6, cv=3), "multi"),
    "MultiTaskElasticNetCV": (dict(alphas=6, cv=3), "multi"),
}
NAMES = list(SPECS)
PARALLEL_CV = [name for name in NAMES if name.endswith("CV") and name != "RidgeCV"]


def _data():
    rng = np.random.default_rng(42)
    X = rng.standard_normal((N, P))
    X[:, 2] += 0.8 * X[:, 1]  # correlated columns: several epochs per fit
    eta = X @ np.array([1.0, -1.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.3])
    y = {"reg": eta + 0.5 * rng.standard_normal(N),
         "clf": (eta + rng.standard_normal(N) > 0).astype(int),
         "count": rng.poisson(np.exp(0.4 * eta)).astype(float)}
    y["multi"] = np.c_[y["reg"], eta[::-1] + rng.standard_normal(N)]
    Xs = np.where(rng.random((N, P)) < 0.5, X, 0.0)
    # the families' targets, from a generator of their own (the data above is unchanged)
    fam = np.random.default_rng(43)
    y["positive"] = fam.gamma(2.0, np.exp(0.3 * eta) / 2.0)
    trials = fam.integers(1, 7, N)
    y["proportion"] = fam.binomial(trials, 1.0 / (1.0 + np.exp(-0.5 * eta))) / trials
    t, c = fam.exponential(np.exp(-0.5 * eta)), fam.exponential(2.0, N)
    y["survival"] = np.empty(N, dtype=[("event", bool), ("time", np.float64)])
    y["survival"]["event"] = t <= c
    y["survival"]["time"] = np.round(np.minimum(t, c), 2)  # some tied times
    return X, sp.csc_matrix(Xs), y


X, XS, Y = _data()


def make(name, **extra):
    return getattr(penalized, name)(**{**SPECS[name][0], **extra})


def fitted(est):
    """The fitted attributes that define the model (arrays, bit for bit)."""
    out = {}
    for attr in ("coef_", "intercept_", "alpha_", "l1_ratio_", "scale_", "mse_path_",
                 "cv_scores_", "cv_results_", "dual_gap_", "n_iter_"):
        if hasattr(est, attr):
            value = getattr(est, attr)
            out[attr] = (dict(value) if isinstance(value, dict)
                         else np.array(value, dtype=object if isinstance(value, list)
                                       else None))
    if hasattr(est, "baseline_cumulative_hazard_"):  # Cox: [(times, hazards)] per stratum
        out["baseline_cumulative_hazard_"] = np.concatenate(
            [np.r_[t, h] for t, h in est.baseline_cumulative_hazard_])
    return out


def assert_identical(a, b):
    fa, fb = fitted(a), fitted(b)
    assert fa.keys() == fb.keys()
    for key in fa:
        if isinstance(fa[key], dict):
            assert fa[key].keys() == fb[key].keys()
            for k in fa[key]:
                assert_array_equal(fa[key][k], fb[key][k], err_msg=f"{key}[{k}]")
        else:
            assert fa[key].dtype == fb[key].dtype, key
            assert_array_equal(fa[key], fb[key], err_msg=key)


def fit_one(name, sparse=False, **extra):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make(name, **extra).fit(XS if sparse else X, Y[SPECS[name][1]])


def _quiet_fit(name, sparse=False, **extra):
    # no warnings.catch_warnings here: it is not thread-safe (the threads' fits must
    # not warn, and any ConvergenceWarning would only be printed)
    return make(name, **extra).fit(XS if sparse else X, Y[SPECS[name][1]])


@pytest.fixture(scope="module")
def sequential():
    return {(name, sparse): fit_one(name, sparse) for name in NAMES
            for sparse in (False, True)}


# --------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_refit_is_bit_identical(name, sequential):
    for sparse in (False, True):
        est = make(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            first = clone(est).fit(XS if sparse else X, Y[SPECS[name][1]])
            est.fit(XS if sparse else X, Y[SPECS[name][1]])
            est.fit(XS if sparse else X, Y[SPECS[name][1]])  # a refit of a fitted one
        assert_identical(est, first)
        assert_identical(est, sequential[name, sparse])


# (the GLM families and the Cox models have no ``selection``: their prox-Newton fits visit
# the coordinates in order)
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "MultiTaskLasso", "LassoCV",
                                  "MultiTaskElasticNetCV"])
def test_random_selection_with_a_seed_is_bit_identical(name):
    a = fit_one(name, selection="random", random_state=3)
    b = fit_one(name, selection="random", random_state=3)
    assert_identical(a, b)


# --------------------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------------------
def test_threads_fitting_at_once_match_sequential_fits(sequential):
    """Every estimator, dense and sparse, twice each, in 4 threads at once (CV estimators
    with n_jobs=2 too, so that several fits share the fold thread pool)."""
    jobs = [(name, sparse, extra) for name in NAMES for sparse in (False, True)
            for extra in ([{}, {"n_jobs": 2}] if name in PARALLEL_CV else [{}, {}])]
    order = np.random.default_rng(0).permutation(len(jobs))
    jobs = [jobs[i] for i in order]
    start = threading.Barrier(4)

    def run(job):
        name, sparse, extra = job
        try:
            start.wait(timeout=1)  # the first four start together
        except threading.BrokenBarrierError:
            pass
        return _quiet_fit(name, sparse, **extra)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, jobs))
    for (name, sparse, _), est in zip(jobs, results, strict=True):
        assert_identical(est, sequential[name, sparse])


def test_threads_fitting_one_estimator_object_each():
    """The same data fitted by many estimator objects in threads: no shared state
    between them (each object's fitted attributes are its own)."""
    ref = fit_one("Lasso")

    def run(alpha):
        return make("Lasso", alpha=alpha).fit(X, Y["reg"])

    alphas = [0.05, 0.2] * 8
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, alphas))
    other = fit_one("Lasso", alpha=0.2)
    for alpha, est in zip(alphas, results, strict=True):
        assert_identical(est, ref if alpha == 0.05 else other)


def test_concurrent_fits_leave_the_warning_filters_alone():
    """Fits in threads do not change the process's warning filters (a
    ``warnings.catch_warnings`` in one thread restores the filters it saw on entry,
    undoing or leaking another thread's): a ConvergenceWarning still warns afterwards."""
    before = list(warnings.filters)
    rng = np.random.default_rng(1)
    Xh = rng.standard_normal((80, 5))
    yh = Xh @ np.ones(5) + rng.standard_t(2, 80)

    def run(i):
        return penalized.HuberRegressor(alpha=1e-3 * (1 + i % 3)).fit(Xh, yh).scale_

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(run, range(32)))
    assert warnings.filters == before
    with pytest.warns(ConvergenceWarning):
        penalized.Lasso(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, Y["reg"])


def _blas_threads():
    from threadpoolctl import threadpool_info

    return sorted((i["filepath"], i["num_threads"]) for i in threadpool_info()
                  if i["user_api"] == "blas")


def test_concurrent_parallel_cv_fits_restore_the_blas_threads():
    """CV fits with n_jobs > 1 limit BLAS to one thread while their folds run; fits in
    several threads at once must not leave that limit behind (each restoring the limit
    the other had set on entry). In a fresh interpreter, whose BLAS limits no earlier
    test has touched."""
    pytest.importorskip("threadpoolctl")
    code = """
import numpy as np
from concurrent.futures import ThreadPoolExecutor
from threadpoolctl import threadpool_info
import penalized
rng = np.random.default_rng(0)
X = rng.standard_normal((60, 8))
y = X @ rng.standard_normal(8) + rng.standard_normal(60)
def blas():
    return sorted((i["filepath"], i["num_threads"]) for i in threadpool_info()
                  if i["user_api"] == "blas")
penalized.LassoCV(cv=3, alphas=5, n_jobs=2).fit(X, y)
before = blas()
def run(i):
    return penalized.LassoCV(cv=3, alphas=5, n_jobs=2, precompute=False).fit(X, y).alpha_
with ThreadPoolExecutor(4) as pool:
    assert len(set(pool.map(run, range(40)))) == 1
print(before == blas(), before, blas())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("True"), out.stdout


# --------------------------------------------------------------------------------------
# n_jobs
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", PARALLEL_CV)
def test_cv_n_jobs_is_bit_identical(name):
    one = fit_one(name, n_jobs=1)
    for n_jobs in (2, -1):
        assert_identical(fit_one(name, n_jobs=n_jobs), one)
    assert_identical(fit_one(name, sparse=True, n_jobs=2), fit_one(name, sparse=True))


def test_ridgecv_grid_search_n_jobs_free():
    """RidgeCV has no n_jobs (as scikit-learn's); its splitter path is deterministic."""
    a = make("RidgeCV", cv=3).fit(X, Y["reg"])
    b = make("RidgeCV", cv=3).fit(X, Y["reg"])
    assert_identical(a, b)


# --------------------------------------------------------------------------------------
# fork
# --------------------------------------------------------------------------------------
FORK_NAMES = ["Lasso", "LogisticRegression", "HuberRegressor", "MCPRegression",
              "GroupLasso", "MultiTaskLasso", "LassoCV", "LogisticRegressionCV",
              "GroupLassoCV", "MultiTaskLassoCV", "GammaRegressor", "TweedieRegressor",
              "BinomialRegressor", "CoxPH", "GammaRegressorCV", "TweedieRegressorCV",
              "BinomialRegressorCV", "CoxPHCV"]


def _child_fits(conn):
    try:
        out = {}
        for name in FORK_NAMES:
            extra = {"n_jobs": 2} if name in PARALLEL_CV else {}
            for sparse in (False, True):
                out[name, sparse] = fitted(fit_one(name, sparse, **extra))
        conn.send(("ok", out))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_fits_like_the_parent(sequential):
    """Estimators fitted in the parent (kernels compiled and loaded, the fold thread pool
    started) fit in a forked child too, with the same results (CV with n_jobs=2)."""
    fit_one("LassoCV", n_jobs=2)  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() with threads: the point of the test
        warnings.simplefilter("ignore", DeprecationWarning)
        child = ctx.Process(target=_child_fits, args=(send,))
        child.start()
    send.close()
    try:
        assert recv.poll(120), "the forked child did not answer in 120 s (a hang)"
        state, out = recv.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
    assert state == "ok", out
    assert child.exitcode == 0
    for (name, sparse), attrs in out.items():
        ref = fitted(sequential[name, sparse])
        assert attrs.keys() == ref.keys()
        for key in attrs:
            if isinstance(ref[key], dict):
                continue
            assert_array_equal(attrs[key], ref[key], err_msg=f"{name} {key}")


# --------------------------------------------------------------------------------------
# KeyboardInterrupt in a CV fit
# --------------------------------------------------------------------------------------
def _interrupt_on_call(monkeypatch, module, name, when):
    """Make ``module.name`` raise KeyboardInterrupt on its ``when``-th call."""
    real = getattr(module, name)
    calls = []
    lock = threading.Lock()

    def wrapper(*args, **kwargs):
        with lock:
            calls.append(1)
            k = len(calls)
        if k == when:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.mark.parametrize("name, n_jobs", [("LassoCV", 2), ("LassoCV", 1),
                                          ("ElasticNetCV", 2),
                                          ("LogisticRegressionCV", 2),
                                          ("GroupLassoCV", 2),
                                          ("MultiTaskLassoCV", 2),
                                          ("BinomialRegressorCV", 2),
                                          ("CoxPHCV", 2)])
def test_keyboard_interrupt_in_a_fold_leaves_cv_usable(name, n_jobs, monkeypatch):
    from penalized.model_selection import _cv, cox_cv, penalty_cv

    module = penalty_cv if name in ("GroupLassoCV", "MultiTaskLassoCV") else _cv
    fold_job = "_fold_job"
    if name == "CoxPHCV":  # its own fold function (the partial likelihood's scores)
        module, fold_job = cox_cv, "_fold"
    pytest.importorskip("threadpoolctl")
    fresh = fit_one(name, n_jobs=n_jobs)
    blas = _blas_threads()
    with monkeypatch.context() as m:
        calls = _interrupt_on_call(m, module, fold_job, 2)
        with pytest.raises(KeyboardInterrupt):
            fit_one(name, n_jobs=n_jobs, precompute=False) if name in (
                "LassoCV", "ElasticNetCV") else fit_one(name, n_jobs=n_jobs)
        assert len(calls) >= 2
    time.sleep(0.05)  # let the interrupted fit's running folds finish
    assert _blas_threads() == blas
    for _ in range(2):
        assert_identical(fit_one(name, n_jobs=n_jobs), fresh)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill")
def test_sigint_during_a_parallel_cv_fit_leaves_the_pool_usable():
    """A real Ctrl-C (SIGINT to the main thread) while it waits on the fold threads."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals go to the main thread")
    rng = np.random.default_rng(5)
    big = rng.standard_normal((400, 40))
    yb = big @ np.r_[np.ones(8), np.zeros(32)] + rng.standard_normal(400)
    est = penalized.ElasticNetCV(l1_ratio=[0.2, 0.5, 0.8, 1.0], alphas=40, cv=8, n_jobs=2,
                                 tol=1e-10, precompute=False)
    fresh = clone(est).fit(big, yb)
    armed = {"on": False}

    def handler(signum, frame):
        if armed["on"]:  # only while the fit runs (never in pytest's own code)
            raise KeyboardInterrupt

    def attempt(delay):
        timer = threading.Timer(delay, signal.pthread_kill,
                                (threading.main_thread().ident, signal.SIGINT))
        try:
            try:
                armed["on"] = True
                timer.start()
                clone(est).fit(big, yb)
                return False
            finally:
                armed["on"] = False
        except KeyboardInterrupt:
            return True
        finally:
            timer.join()

    old = signal.signal(signal.SIGINT, handler)
    try:
        interrupted = [attempt(delay) for delay in (0.01, 0.05, 0.1)]
    finally:
        signal.signal(signal.SIGINT, old)
    time.sleep(0.2)  # the interrupted fits' running folds finish in the pool
    assert_identical(clone(est).fit(big, yb), fresh)
    assert_identical(clone(est).fit(big, yb), fresh)
    if not any(interrupted):
        pytest.skip("every fit ended before the signal arrived")
