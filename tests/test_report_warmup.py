"""``penalized compare`` keeps the kernels' first-run compilation out of the fit times.

The compilation is simulated: the first ``fit`` of a CV estimator in the process sleeps
(as a first numba call compiles) before fitting. With the warm-up, that time must land in
``warmup_time`` and in no model's ``fit_time``; without it (``warmup=False``), it lands in
the first timed fit, which shows the test can tell the two apart. The warm-up problem is
checked to be of the same kind as the real one (dtype, memory layout, classes, shape
regime).
"""

import json
import re
from argparse import Namespace

import numpy as np
import pytest

import penalized.model_selection._cv as cv_module
from penalized.report._warmup import MAX_COLUMNS, warmup_problem
from penalized.report.compare import compare_models, run

pytest.importorskip("matplotlib")

COMPILE = 5.0  # seconds of simulated compilation (each fit here takes about 1 s at most)


# ----------------------------------------------------------------- the warm-up problem
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(1000, 10), (300, 140), (120, 100), (50, 1000), (60, 61)])
@pytest.mark.parametrize("task,k", [("regression", 0), ("classification", 2),
                                    ("classification", 3)])
def test_warmup_problem_is_of_the_same_kind(order, shape, task, k):
    cv = 5
    X = np.asarray(np.random.default_rng(0).standard_normal(shape), order=order)
    Xw, yw, Xt, yt = warmup_problem(X, task, k, cv)
    n, p = shape
    nw, pw = Xw.shape
    assert Xw.dtype == X.dtype == Xt.dtype and Xt.shape[1] == pw
    assert Xw.flags.f_contiguous == (order == "F") and Xw.flags.c_contiguous == (order == "C")
    assert 1 <= pw <= min(p, MAX_COLUMNS)
    # the regimes the solvers choose by: p >= n, p >= 2n, folds' rows >= 2p
    for regime in ((lambda a, b: b >= a), (lambda a, b: b >= 2 * a),
                   (lambda a, b: a * (cv - 1) / cv >= 2 * b)):
        assert regime(n, p) == regime(nw, pw), (shape, (nw, pw))
    if task == "classification":
        assert sorted(set(yw.tolist())) == sorted(set(yt.tolist())) == list(range(k))
        assert np.bincount(yw).min() >= 2 * cv
    else:
        assert yw.dtype == np.float64 and np.unique(yw).size == nw


# ----------------------------------------------------------- compilation out of timing
@pytest.fixture
def simulated_compilation(monkeypatch):
    """The first CV fit of the process sleeps COMPILE seconds; every fit is recorded."""
    calls = []
    original = cv_module.BaseCV.fit

    def fit(self, X, y, *args, **kwargs):
        if not calls:
            import time

            time.sleep(COMPILE)
        name = type(self).__name__
        calls.append((name, np.shape(X), np.unique(y).size if "Logistic" in name else 0))
        return original(self, X, y, *args, **kwargs)

    monkeypatch.setattr(cv_module.BaseCV, "fit", fit)
    return calls


def _data(task, seed=0, n=160, p=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eta = X[:, 0] - 0.5 * X[:, 1]
    if task == "regression":
        return X, eta + 0.5 * rng.standard_normal(n), None
    return X, (eta + rng.logistic(size=n) > 0).astype(int), ["no", "yes"]


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_fit_times_exclude_the_first_run_compilation(simulated_compilation, task):
    X, y, classes = _data(task)
    Xtr, ytr, Xte, yte = X[:120], y[:120], X[120:], y[120:]
    res = compare_models(Xtr, ytr, [f"x{j}" for j in range(6)], task, X_test=Xte,
                         y_test=yte, cv=4, seed=0, classes=classes)
    calls = simulated_compilation
    assert res["warmup_time"] >= COMPILE
    assert max(m["fit_time"] for m in res["models"]) < COMPILE
    # the warm-up fits come first, on the tiny problem, with the real run's estimators
    # and number of classes; the timed fits come after them, on the real data
    real = [i for i, c in enumerate(calls) if c[1] == Xtr.shape]
    warm = [i for i, c in enumerate(calls) if c[1] != Xtr.shape]
    assert warm and real and max(warm) < min(real)
    assert [c[0] for c in calls[:len(warm)]] == [calls[i][0] for i in real]
    assert {c[2] for c in calls[:len(warm)]} == {calls[i][2] for i in real}


def test_without_warmup_the_compilation_lands_in_a_fit_time(simulated_compilation):
    X, y, _ = _data("regression")
    res = compare_models(X[:120], y[:120], [f"x{j}" for j in range(6)], "regression",
                         X_test=X[120:], y_test=y[120:], cv=4, seed=0, warmup=False)
    assert res["warmup_time"] == 0.0
    models = {m["name"]: m for m in res["models"]}
    assert models["Ridge (min)"]["fit_time"] >= COMPILE  # the first CV fit of the run


def test_report_and_json_label_the_warmup(simulated_compilation, tmp_path, capsys):
    args = Namespace(data=None, target=None, task="auto", test_size=0.25, cv=5, seed=0,
                     out=str(tmp_path / "report.html"), json=str(tmp_path / "r.json"),
                     impute=None, quiet=False)
    assert run(args) == 0
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["warmup_time"] >= COMPILE
    assert all(m["fit_time"] < COMPILE for m in res["models"])
    label = f"first-run compilation: {res['warmup_time']:.2f} s"
    page = (tmp_path / "report.html").read_text()
    assert re.search(rf'<span id="warmup">{re.escape(label)} \(kernel warm-up', page)
    assert label in capsys.readouterr().out
