"""plot_path / plot_cv: chosen alphas marked, CV estimators accepted, class names, the
elastic-net and relaxed choices shown, colours from the style, end labels that never overlap.

Everything is read back from the artists (vertical lines, legend texts, titles, rendered
text extents with the Agg backend) and compared with the estimators' own attributes or
with numbers computed here (L1 norms of the path's coefficients, scikit-learn's isotonic
regression for the label layout).
"""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import NotFittedError

import penalized
from penalized import ElasticNetCV, Lasso, LassoCV, LogisticRegressionCV

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from penalized.plotting import plot_cv, plot_path, spread  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def diabetes():
    d = load_diabetes()
    return d.data, d.target, list(d.feature_names)


@pytest.fixture(scope="module")
def lasso_cv(diabetes):
    X, y, _ = diabetes
    return LassoCV(cv=5).fit(X, y)


def vlines(ax):
    """The vertical lines of an Axes (x data of two equal values)."""
    return [line for line in ax.get_lines()
            if np.size(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ---------------------------------------------------------- CV estimators and marks
def test_plot_path_of_a_fitted_cv_estimator_marks_min_and_1se(lasso_cv, diabetes):
    cv = lasso_cv
    ax = plot_path(cv, labels=diabetes[2])
    ref = plot_path(cv.path_)  # the same lines as the estimator's path
    lines = [line for line in ax.get_lines() if line not in vlines(ax)]
    assert len(lines) == len(ref.get_lines())
    for a, b in zip(lines, ref.get_lines(), strict=True):
        np.testing.assert_array_equal(a.get_xdata(), b.get_xdata())
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    v = vlines(ax)
    assert len(v) == 2
    np.testing.assert_allclose([line.get_xdata()[0] for line in v],
                               np.log10([cv.alpha_min_, cv.alpha_1se_]), rtol=0, atol=1e-12)
    assert [line.get_linestyle() for line in v] == ["--", ":"]  # distinct
    assert legend_texts(ax) == [f"alpha_min = {cv.alpha_min_:.3g}",
                                f"alpha_1se = {cv.alpha_1se_:.3g}"]
    assert ax.get_title() == "LassoCV"


def test_plot_path_alpha_argument(lasso_cv):
    res = lasso_cv.path_
    alphas = np.asarray(res.alphas)
    W = res.coefs.toarray()
    a = float(np.sqrt(alphas[10] * alphas[11]))  # between two path points
    ax = plot_path(res, alpha=a)
    (v,) = vlines(ax)
    assert v.get_xdata()[0] == pytest.approx(np.log10(a))
    assert v.get_linestyle() == "-." and legend_texts(ax) == [f"alpha = {a:.3g}"]
    assert ax.get_title() == ""
    # on the L1-norm axis: at a path point its L1 norm, between two points in between
    ax = plot_path(res, x="l1_norm", alpha=alphas[20])
    assert vlines(ax)[0].get_xdata()[0] == pytest.approx(np.abs(W[:, 20]).sum())
    ax = plot_path(res, x="deviance", alpha=a)
    pos = vlines(ax)[0].get_xdata()[0]
    lo, hi = sorted(np.asarray(res.dev_explained)[[10, 11]])
    assert lo <= pos <= hi
    # both: the estimator's alphas and a given one
    ax = plot_path(lasso_cv, alpha=a)
    assert [line.get_linestyle() for line in vlines(ax)] == ["--", ":", "-."]
    with pytest.raises(ValueError, match="finite number >= 0"):
        plot_path(res, alpha=-1.0)
    with pytest.raises(ValueError, match="log axis"):
        plot_path(res, alpha=0.0)


def test_plot_path_refuses_what_it_cannot_draw(diabetes):
    X, y, _ = diabetes
    with pytest.raises(NotFittedError, match="LassoCV is not fitted"):
        plot_path(LassoCV())
    with pytest.raises(TypeError, match=r"penalized.path or a fitted \*CV estimator"):
        plot_path(Lasso(alpha=1.0).fit(X, y))


# ------------------------------------------------- classes, l1_ratio_ and gamma_ shown
def test_multinomial_panels_are_titled_with_the_class_labels():
    iris = load_iris()
    y = iris.target_names[iris.target]
    est = LogisticRegressionCV(l1_ratios=(1.0,), cv=3, alphas=12, measure="deviance",
                               use_legacy_attributes=False).fit(iris.data, y)
    axes = plot_path(est)
    assert [a.get_title() for a in axes] == [f"class {c}" for c in est.classes_]
    for a in axes:
        np.testing.assert_allclose([line.get_xdata()[0] for line in vlines(a)],
                                   np.log10([est.alpha_min_, est.alpha_1se_]))
    axes = plot_path(est.path_, class_names=["A", "B", "C"])
    assert [a.get_title() for a in axes] == ["class A", "class B", "class C"]
    assert [a.get_title() for a in plot_path(est.path_)] == ["class 0", "class 1", "class 2"]
    with pytest.raises(ValueError, match="class_names has 2 names for 3 classes"):
        plot_path(est.path_, class_names=["A", "B"])


def test_elastic_net_and_relaxed_choices_are_shown(diabetes):
    X, y, _ = diabetes
    en = ElasticNetCV(l1_ratio=[0.2, 0.6, 0.9], cv=4, alphas=20).fit(X, y)
    info = f"l1_ratio = {en.l1_ratio_:.3g}"
    assert plot_path(en).get_title() == f"ElasticNetCV ({info})"
    assert plot_cv(en).get_title() == f"4-fold cross-validation ({info})"
    relaxed = LassoCV(cv=4, alphas=20, relax=True, gammas=[0.0, 0.5, 1.0]).fit(X, y)
    info = f"gamma = {relaxed.gamma_:.3g}"
    ax = plot_path(relaxed)
    assert ax.get_title() == f"LassoCV ({info})"
    assert legend_texts(ax) == [
        f"alpha_min = {relaxed.alpha_min_:.3g} (gamma = {relaxed.gamma_min_:.3g})",
        f"alpha_1se = {relaxed.alpha_1se_:.3g} (gamma = {relaxed.gamma_1se_:.3g})"]
    ax = plot_cv(relaxed)
    assert ax.get_title() == f"4-fold cross-validation ({info})"
    assert legend_texts(ax)[1:] == legend_texts(plot_path(relaxed))


# ------------------------------------------------------------------------- colours
@pytest.mark.parametrize("style", ["ggplot", "dark_background", "seaborn-v0_8-colorblind"])
def test_plot_cv_colour_comes_from_the_style_cycle(lasso_cv, style):
    with plt.style.context(style):
        first = plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
        edge = plt.rcParams["axes.edgecolor"]
        ax = plot_cv(lasso_cv)
        path_ax = plot_path(lasso_cv)
    (data_line, *_), *_ = [c for c in ax.containers]
    assert to_rgba(data_line.get_color()) == to_rgba(first)
    assert to_rgba(data_line.get_color()) != to_rgba("tab:red")
    assert all(to_rgba(v.get_color()) == to_rgba(edge) for v in vlines(ax))
    assert to_rgba(path_ax.get_lines()[0].get_color()) == to_rgba(first)


# ---------------------------------------------------------------------- end labels
def _label_boxes(ax):
    ax.figure.canvas.draw()
    return {t.get_text(): t.get_window_extent() for t in ax.texts}


def _check_no_overlap(ax):
    boxes = _label_boxes(ax)
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            A, B = boxes[a], boxes[b]
            overlap_y = min(A.y1, B.y1) - max(A.y0, B.y0)
            overlap_x = min(A.x1, B.x1) - max(A.x0, B.x0)
            assert overlap_x <= 0 or overlap_y <= 0, (a, b, A, B)
    return boxes


def test_end_labels_of_the_diabetes_path_never_overlap(lasso_cv, diabetes):
    names = diabetes[2]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    plot_path(lasso_cv.path_, labels=names, ax=ax)
    boxes = _label_boxes(ax)
    # at the line ends themselves, s2 / bp and s3 / age would overlap (the issue)
    W = lasso_cv.path_.coefs.toarray()
    ends = ax.transData.transform(np.column_stack([np.full(W.shape[0],
                                                           np.log10(lasso_cv.path_.alphas[-1])),
                                                   W[:, -1]]))[:, 1]
    h = max(b.height for b in boxes.values())
    j = {n: names.index(n) for n in names}
    assert abs(ends[j["s2"]] - ends[j["bp"]]) < h and abs(ends[j["s3"]] - ends[j["age"]]) < h
    boxes = _check_no_overlap(ax)
    # the labels keep the order of the line ends, next to them
    order_ends = [n for n in sorted(names, key=lambda n: ends[j[n]])]
    order_labels = sorted(boxes, key=lambda n: boxes[n].y0)
    assert order_labels == order_ends
    right_end = ax.transData.transform((np.log10(lasso_cv.path_.alphas[-1]), 0))[0]
    assert all(b.x0 > right_end for b in boxes.values())
    # still apart in a smaller figure, and at another dpi (laid out again when drawn)
    fig.set_size_inches(4, 2.5)
    _check_no_overlap(ax)
    fig.set_dpi(150)
    _check_no_overlap(ax)


def test_many_crowded_end_labels_never_overlap():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 40))
    y = X @ rng.normal(scale=0.05, size=40) + rng.standard_normal(120)
    res = penalized.path(X, y, alphas=25)
    names = [f"feature_{j}" for j in range(40)]
    ax = plot_path(res, labels=names)
    assert len(ax.texts) > 20
    _check_no_overlap(ax)
    axes = plot_path(SimpleMulti.make(), labels=["a", "b", "c", "d", "e"])
    for a in axes:
        _check_no_overlap(a)


class SimpleMulti:
    @staticmethod
    def make():
        from types import SimpleNamespace

        n_alphas, p, K = 6, 5, 3
        coefs = [np.full((p, K), 1e-3) * np.arange(1, p + 1)[:, None] * (i + 1)
                 for i in range(n_alphas)]
        return SimpleNamespace(alphas=np.geomspace(1, 0.01, n_alphas), coefs=coefs,
                               df=np.full(n_alphas, p), dev_explained=np.linspace(0, .5, 6))


def test_spread_is_the_closest_layout_with_the_gaps():
    from sklearn.isotonic import isotonic_regression

    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(1, 15))
        y = rng.normal(scale=3.0, size=n)
        gaps = rng.uniform(0.5, 1.5, size=n - 1)
        got = spread(y, gaps)
        order = np.argsort(y, kind="stable")
        assert np.all(np.diff(got[order]) >= gaps - 1e-12)
        # reference: positions = cumulative gaps + an isotonic fit of what is left
        offsets = np.concatenate([[0.0], np.cumsum(gaps)])
        expected = np.empty(n)
        expected[order] = isotonic_regression(y[order] - offsets) + offsets
        np.testing.assert_allclose(got, expected, atol=1e-12)
