"""What a user sees at the defaults: no spurious exact zeros without an L1 part, CV
curves at least as accurate as scikit-learn's at its defaults, certificates >= 0."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from penalized import (
    ElasticNet,
    ElasticNetCV,
    HuberRegressor,
    Lasso,
    LassoCV,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
    path,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_ridge_cv_path_has_no_exact_zeros():
    """ElasticNetCV(l1_ratio=0): every coefficient of every alpha is nonzero (the
    solution of a ridge problem has no exact zero), and each path point is Ridge's."""
    X, y = load_diabetes(return_X_y=True)
    cv = ElasticNetCV(l1_ratio=0.0, cv=5).fit(X, y)
    W = cv.path_.coefs.toarray()
    assert np.all(W != 0)
    for i in (0, 40, 99):
        alpha = cv.path_.alphas[i]
        ref = Ridge(alpha=alpha * len(y), tol=1e-12).fit(X, y)  # scikit-learn scale
        np.testing.assert_allclose(W[:, i], ref.coef_, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("container", [np.asarray, sp.csc_matrix])
def test_bounded_ridge_path_has_no_exact_zeros(container):
    """With bounds the ridge path runs by coordinate descent: the first alphas, whose
    gap at zero is already below tol, still move every coordinate off zero."""
    X, y = load_diabetes(return_X_y=True)
    alphas = np.geomspace(2e3, 2e-3, 30)
    res = path(container(X), y, l1_ratio=0.0, alphas=alphas, lower_bounds=-1e4,
               upper_bounds=1e4, tol=1e-4)
    W = res.coefs.toarray()
    assert np.all(W != 0)
    big = ElasticNet(alpha=2e3, l1_ratio=0.0, lower_bounds=-1e4).fit(X, y)
    assert np.all(big.coef_ != 0)


def _mse_path_error(X, y, est_pen, est_sk):
    cv = KFold(5)
    exact = LassoCV(cv=cv, tol=1e-12, max_iter=100_000).fit(X, y)
    ours = est_pen(cv=cv).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = est_sk(cv=cv, alphas=exact.alphas_).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, exact.alphas_)
    return (np.abs(ours.mse_path_ - exact.mse_path_).max(),
            np.abs(theirs.mse_path_ - exact.mse_path_).max())


def test_default_cv_curve_at_least_as_accurate_as_scikit_learn_diabetes():
    X, y = load_diabetes(return_X_y=True)
    ours, theirs = _mse_path_error(X, y, LassoCV, sklm.LassoCV)
    assert ours <= theirs, (ours, theirs)


@pytest.mark.skipif(not (DATA / "riboflavin").is_dir(), reason="riboflavin data absent")
def test_default_cv_curve_at_least_as_accurate_as_scikit_learn_riboflavin():
    d = np.load(DATA / "riboflavin" / "data.npz")
    ours, theirs = _mse_path_error(d["X"], d["y"], LassoCV, sklm.LassoCV)
    assert ours <= theirs, (ours, theirs)


def test_certificates_are_never_negative():
    """The gap of every estimator, at loose and tight tolerances, is >= 0."""
    X, y = load_diabetes(return_X_y=True)
    yb = (y > np.median(y)).astype(int)
    yk = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    yp = np.round(y / 30)
    for tol in (1e-2, 1e-8, 1e-14):
        fits = [Lasso(0.1, tol=tol).fit(X, y), ElasticNet(0.1, tol=tol).fit(X, y),
                Ridge(0.1, tol=tol).fit(X, y),
                LogisticRegression(tol=tol, max_iter=10_000).fit(X, yb),
                LogisticRegression(tol=tol, max_iter=10_000).fit(X, yk),
                PoissonRegressor(alpha=0.01, tol=tol, max_iter=10_000).fit(X, yp),
                HuberRegressor(tol=tol, max_iter=10_000).fit(X, y)]
        for est in fits:
            assert est.dual_gap_ >= 0.0, (type(est).__name__, tol, est.dual_gap_)
    res = path(X, y, alphas=20, tol=1e-14)
    assert np.all(res.dual_gaps >= 0)
