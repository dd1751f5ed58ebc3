"""Paths and cross-validation of the penalties beyond the elastic net: the grid from each
penalty's alpha_max, warm starts, the 1-SE rule, agreement with scikit-learn's
MultiTaskLassoCV, plot_path on the fitted paths."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from penalized import MCPRegression, path
from penalized.datafits.multitask import MultiTaskQuadratic
from penalized.model_selection import (
    GroupLassoCV,
    MCPRegressionCV,
    MultiTaskElasticNetCV,
    MultiTaskLassoCV,
    SparseGroupLassoCV,
)
from penalized.penalties import L21, MCP, GroupLasso


def _data(n=100, p=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:4] = [2.0, -1.5, 1.0, 0.5]
    return X, X @ w + rng.standard_normal(n)


def test_path_points_are_the_single_fits_warm_started():
    X, y = _data()
    res = path(X, y, penalty=MCP(3.0), alphas=15, tol=1e-12)
    assert res.df[0] == 0
    # the first alpha is the smallest with all zeros: just below it, something enters
    below = MCPRegression(alpha=res.alphas[0] * 0.99, tol=1e-12).fit(X, y)
    assert np.count_nonzero(below.coef_) > 0
    # each point is a critical point reached from the previous one
    w_prev = res.coef_at(6)
    fit = MCPRegression(alpha=res.alphas[7], tol=1e-12, warm_start=True)
    fit.coef_ = w_prev
    np.testing.assert_allclose(fit.fit(X, y).coef_, res.coef_at(7), atol=1e-6)


def test_path_explicit_alphas_and_options():
    X, y = _data()
    res = path(X, y, penalty=MCP(3.0), alphas=[0.5, 0.1, 0.2], positive=True,
               standardize=True)
    np.testing.assert_array_equal(res.alphas, [0.5, 0.2, 0.1])
    assert all(np.all(res.coef_at(i) >= 0) for i in range(3))
    with pytest.raises(ValueError, match="alphas"):
        path(X, y, penalty=MCP(3.0), alphas=[-1.0])


def test_multitask_lasso_cv_matches_scikit_learn():
    import sklearn.linear_model as lm

    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 15))
    Y = X[:, :3] @ rng.standard_normal((3, 2)) + rng.standard_normal((90, 2))
    cv = KFold(3)
    ours = MultiTaskLassoCV(alphas=20, cv=cv, tol=1e-10).fit(X, Y)
    theirs = lm.MultiTaskLassoCV(n_alphas=20, cv=cv, tol=1e-10, max_iter=100_000).fit(X, Y) \
        if "n_alphas" in lm.MultiTaskLassoCV().get_params() else \
        lm.MultiTaskLassoCV(alphas=20, cv=cv, tol=1e-10, max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-9)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-5)
    assert ours.alpha_ == pytest.approx(theirs.alpha_)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)


def test_one_standard_error_rule():
    X, y = _data(seed=1)
    m = MCPRegressionCV(alphas=30, cv=5, alpha_rule="1se").fit(X, y)
    assert m.alpha_ == m.alpha_1se_ >= m.alpha_min_
    i0 = int(np.flatnonzero(m.alphas_ == m.alpha_min_)[0])
    thr = m.cv_mean_[i0] + m.cv_se_[i0]
    i1 = int(np.flatnonzero(m.alphas_ == m.alpha_1se_)[0])
    assert m.cv_mean_[i1] <= thr
    assert np.all(m.cv_mean_[:i1] > thr)
    np.testing.assert_allclose(m.coef_, m.path_.coef_at(i1))
    assert hasattr(m, "stop_crit_")


def test_group_cv_with_foldid_and_prediction_off_the_grid():
    X, y = _data(seed=2)
    foldid = np.arange(len(y)) % 4
    m = GroupLassoCV(groups=2, alphas=15).fit(X, y, foldid=foldid)
    assert m.n_folds_ == 4 and m.cv_scores_.shape == (15, 4)
    G = m.coef_.reshape(-1, 2)
    assert np.all(np.all(G == 0, axis=1) | np.all(G != 0, axis=1))
    a = 0.5 * (m.alphas_[3] + m.alphas_[4])
    assert m.predict(X[:5], alpha=a).shape == (5,)
    np.testing.assert_allclose(m.predict(X[:5], alpha=m.alphas_[3]),
                               X[:5] @ m.path_.coef_at(3) + m.path_.intercepts[3])


def test_sparse_group_and_multitask_elastic_net_cv_pick_among_l1_ratios():
    X, y = _data(seed=3)
    m = SparseGroupLassoCV(groups=4, l1_ratio=[0.1, 0.9], alphas=10).fit(X, y)
    assert m.l1_ratio_ in (0.1, 0.9) and m.mse_path_.shape == (2, 10, 5)
    Y = np.column_stack([y, y + np.random.default_rng(0).standard_normal(len(y))])
    mt = MultiTaskElasticNetCV(l1_ratio=[0.3, 1.0], alphas=10).fit(X, Y)
    assert mt.coef_.shape == (2, 20) and mt.alphas_grid_.shape == (2, 10)
    # alpha_max scales as 1 / l1_ratio
    assert mt.alphas_grid_[0, 0] == pytest.approx(mt.alphas_grid_[1, 0] / 0.3)


def test_plot_path_of_the_new_penalties():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from penalized import plot_path

    X, y = _data()
    for res in (path(X, y, penalty=MCP(3.0), alphas=10),
                path(X, y, penalty=GroupLasso(2), alphas=10),
                path(X, np.column_stack([y, -y]), MultiTaskQuadratic(), penalty=L21(),
                     alphas=10)):
        axes = np.atleast_1d(plot_path(res))  # one panel per task for multi-task paths
        assert all(ax.lines for ax in axes.ravel())


def test_multitask_path_with_unpenalized_rows():
    """The null model of a path fits the unpenalized rows (penalty factor 0) first."""
    X, y = _data(seed=4)
    Y = np.column_stack([y, X[:, 5] + y])
    pf = np.ones(20)
    pf[5] = 0.0
    m = MultiTaskLassoCV(alphas=10, penalty_factor=pf).fit(X, Y)
    assert np.all(m.path_.coef_at(0)[np.arange(20) != 5] == 0)
    assert np.all(m.path_.coef_at(0)[5] != 0)


def test_alpha_rule_and_the_old_selection_values():
    """``alpha_rule`` picks the rule; on the multi-task classes ``selection`` is
    scikit-learn's coordinate order, and its old rule values warn as on LassoCV."""
    X, y = _data(seed=5)
    Y = np.column_stack([y, -y + X[:, 3]])
    with pytest.warns(FutureWarning, match="alpha_rule"):
        old = MultiTaskLassoCV(alphas=10, selection="1se").fit(X, Y)
    new = MultiTaskLassoCV(alphas=10, alpha_rule="1se").fit(X, Y)
    assert old.alpha_ == new.alpha_ == new.alpha_1se_ >= new.alpha_min_
    with pytest.raises(ValueError, match="selection"):
        MultiTaskLassoCV(alphas=10, selection="shuffle").fit(X, Y)
    with pytest.raises(ValueError, match="alpha_rule"):
        MCPRegressionCV(alphas=10, alpha_rule="max").fit(X, y)
