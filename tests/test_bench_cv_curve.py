"""The CV-curve helpers of benchmarks/bench_cv.py (pure NumPy: no R, no shared data)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _cv_curve import (  # noqa: E402
    alpha_grid,
    curve_error,
    curve_from_predictions,
    first_reaching,
    fold_labels,
    per_sample_error,
    weighted_curve,
    window_mask,
)


def test_weighted_curve_is_the_mean_over_samples():
    rng = np.random.default_rng(0)
    n, m = 23, 7
    y = rng.standard_normal(n)
    pred = rng.standard_normal((n, m))
    foldid = np.arange(n) % 5 + 1  # sizes 5, 5, 5, 4, 4
    sizes = np.bincount(foldid)[1:]
    fold_mse = np.column_stack(
        [((y[foldid == k, None] - pred[foldid == k]) ** 2).mean(axis=0) for k in range(1, 6)]
    )
    w = weighted_curve(fold_mse, sizes)
    np.testing.assert_allclose(w, curve_from_predictions(y, pred, "mse"), rtol=1e-14)
    # the unweighted mean differs when the folds differ in size
    assert not np.allclose(w, fold_mse.mean(axis=1), rtol=1e-12, atol=0)
    with pytest.raises(ValueError):
        weighted_curve(fold_mse, sizes[:4])


def test_binomial_deviance_from_the_linear_predictor():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    eta = np.array([[-2.0, 800.0], [3.0, -800.0], [0.0, 800.0], [1.5, -800.0]])
    dev = per_sample_error(y, eta, "deviance")
    p = 1 / (1 + np.exp(-eta[:, 0]))
    expect0 = -2 * (y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(dev[:, 0], expect0, rtol=1e-13)
    # no overflow and no clipping: wrong by 800 on the linear scale costs 1600
    np.testing.assert_allclose(dev[:, 1], [1600.0, 1600.0, 0.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError):
        per_sample_error(y, eta, "auc")


def test_window_and_error():
    alphas = np.geomspace(1.0, 1e-2, 10)  # steps of 0.6
    exact = np.array([10.0, 8, 6, 4, 3, 3, 3.5, 4, 5, 6])  # minimum tied at indices 4 and 5
    win = window_mask(alphas, exact)
    # ties go to the larger alpha (index 4); its half lies between indices 5 and 6
    assert alphas[4] / 2 < alphas[5] and alphas[6] < alphas[4] / 2
    np.testing.assert_array_equal(win, np.arange(10) <= 5)

    curve = exact.copy()
    curve[5] *= 1 + 5e-4
    curve[9] *= 1.5  # outside the window: only in "full"
    err = curve_error(curve, exact, alphas)
    assert err["window"] == pytest.approx(5e-4)
    assert err["full"] == pytest.approx(0.5)
    assert err["argmin_shift"] == 0

    curve[7] = 2.0  # a new minimum three steps further down the grid
    assert curve_error(curve, exact, alphas)["argmin_shift"] == 3
    curve[2] = np.nan  # a point a library did not fit
    assert curve_error(curve, exact, alphas)["window"] == np.inf
    with pytest.raises(ValueError):
        curve_error(curve[:5], exact, alphas)


def test_first_reaching():
    errs = {1e-2: 0.1, 1e-3: 2e-3, 1e-4: 9e-4, 1e-5: 1e-6}
    assert first_reaching(errs) == 1e-4
    assert first_reaching(errs, 1e-7) is None
    assert first_reaching({}) is None


def test_alpha_grid_and_fold_labels():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 4))
    y = rng.standard_normal(30) + 5.0
    grid = alpha_grid(X, y, 5, 1e-2)
    Xc = X - X.mean(axis=0)
    assert grid[0] == pytest.approx(np.abs(Xc.T @ (y - y.mean())).max() / 30)
    assert grid[-1] == pytest.approx(1e-2 * grid[0])

    folds = [(np.r_[3:10], np.r_[0:3]), (np.r_[0:3], np.r_[3:10])]
    np.testing.assert_array_equal(fold_labels(folds, 10), [1, 1, 1] + [2] * 7)
    with pytest.raises(ValueError):
        fold_labels(folds, 11)
    with pytest.raises(ValueError):
        fold_labels([(None, np.r_[0:5]), (None, np.r_[4:10])], 10)
