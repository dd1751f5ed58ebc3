"""Tests for penalized.plotting (plot_path, plot_cv) and penalized._progress.

The plots are checked through their artists (lines, error bars, vertical lines, labels, the
top axis with the nonzero counts), not only for running without error. The CV plot is
tested on a stand-in object with the attributes of a fitted ``*CV`` estimator.
"""

import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

import penalized
from penalized import _progress
from penalized._progress import progress

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from penalized.plotting import plot_cv, plot_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def fake_path(n_alphas=12):
    """A PathResult stand-in: 5 features, feature 2 is zero on the whole path."""
    alphas = np.geomspace(10.0, 0.01, n_alphas)
    t = np.linspace(0.0, 1.0, n_alphas)
    coefs = np.zeros((5, n_alphas))
    coefs[0] = np.maximum(t - 0.1, 0) * 3.0
    coefs[1] = -np.maximum(t - 0.4, 0) * 2.0
    coefs[3] = np.maximum(t - 0.6, 0)
    coefs[4] = np.maximum(t - 0.8, 0) * -5.0
    df = np.count_nonzero(coefs, axis=0)
    return SimpleNamespace(alphas=alphas, coefs=sp.csc_matrix(coefs), df=df,
                           dev_explained=0.9 * t ** 0.5), coefs


def fake_cv(n_alphas=25):
    alphas = np.geomspace(5.0, 0.005, n_alphas)
    mean = (np.log10(alphas) + 0.5) ** 2 + 2.0
    se = np.linspace(0.1, 0.4, n_alphas)
    return SimpleNamespace(alphas_=alphas, cv_mean_=mean, cv_se_=se, alpha_min_=alphas[12],
                           alpha_1se_=alphas[9], n_nonzero_=np.arange(n_alphas) // 2,
                           score_name_="mse")


def top_axis(ax):
    (top,) = ax.child_axes
    return top


def check_df_axis(ax, x, df):
    """Top ticks lie within the bottom limits; each label is df at the nearest path point."""
    top = top_axis(ax)
    ax.figure.canvas.draw()  # the secondary axis takes the parent's limits when drawn
    ticks = top.get_xticks()
    labels = [t.get_text() for t in top.get_xticklabels()]
    assert len(ticks) >= 2 and len(labels) == len(ticks)
    lo, hi = sorted(ax.get_xlim())
    assert np.all((ticks >= lo - 1e-9) & (ticks <= hi + 1e-9))
    expected = [str(int(df[np.argmin(np.abs(x - t))])) for t in ticks]
    assert labels == expected
    assert top.get_xlabel() == "Nonzero coefficients"
    assert top.get_xlim() == ax.get_xlim()


# --------------------------------------------------------------------------- plot_path


def test_plot_path_log_alpha_lines_and_axes():
    res, coefs = fake_path()
    ax = plot_path(res)
    lines = ax.get_lines()
    ever = [0, 1, 3, 4]
    assert len(lines) == len(ever)  # the all-zero feature 2 is not drawn
    x = np.log10(res.alphas)
    for line, j in zip(lines, ever, strict=True):
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), coefs[j])
        assert line.get_label() == f"x{j}"
    assert ax.get_xlabel() == "log10(alpha)"
    assert ax.get_ylabel() == "Coefficients"
    assert ax.xaxis_inverted()  # largest alpha on the left
    check_df_axis(ax, x, res.df)


@pytest.mark.parametrize("x", ["l1_norm", "deviance"])
def test_plot_path_other_x(x):
    res, coefs = fake_path()
    ax = plot_path(res, x=x)
    expected = np.abs(coefs).sum(axis=0) if x == "l1_norm" else res.dev_explained
    lines = ax.get_lines()
    assert len(lines) == 4
    for line in lines:
        np.testing.assert_allclose(line.get_xdata(), expected)
    label = {"l1_norm": "L1 norm of coefficients", "deviance": "Fraction of deviance explained"}
    assert ax.get_xlabel() == label[x]
    assert not ax.xaxis_inverted()
    check_df_axis(ax, expected, res.df)


def test_plot_path_labels_annotate_line_ends():
    res, coefs = fake_path()
    names = ["age", "bmi", "never", "bp", "s1"]
    ax = plot_path(res, labels=names)
    texts = [t for t in ax.texts]
    assert [t.get_text() for t in texts] == ["age", "bmi", "bp", "s1"]
    x_end = np.log10(res.alphas[-1])
    for t, j in zip(texts, [0, 1, 3, 4], strict=True):
        np.testing.assert_allclose(t.xy, (x_end, coefs[j, -1]))
    assert [line.get_label() for line in ax.get_lines()] == ["age", "bmi", "bp", "s1"]
    with pytest.raises(ValueError, match="labels has 2 names for 5 features"):
        plot_path(res, labels=["a", "b"])


def test_plot_path_uses_given_axes_and_kwargs():
    res, _ = fake_path()
    fig, ax = plt.subplots()
    out = plot_path(res, ax=ax, linewidth=3.5, linestyle=":")
    assert out is ax and fig.axes == [ax] and len(ax.child_axes) == 1  # the top axis
    assert all(line.get_linewidth() == 3.5 for line in ax.get_lines())
    assert all(line.get_linestyle() == ":" for line in ax.get_lines())
    plot_path(res, ax=ax)  # drawing twice must not flip the inverted axis back
    assert ax.xaxis_inverted()


def test_plot_path_errors():
    res, _ = fake_path()
    with pytest.raises(ValueError, match="x must be one of"):
        plot_path(res, x="lambda")
    zero = SimpleNamespace(**{**vars(res), "alphas": np.append(res.alphas[:-1], 0.0)})
    with pytest.raises(ValueError, match="log axis"):
        plot_path(zero)
    assert len(plot_path(zero, x="l1_norm").get_lines()) == 4
    bad = SimpleNamespace(**{**vars(res), "coefs": res.coefs[:, :5]})
    with pytest.raises(ValueError, match="shape"):
        plot_path(bad)


def test_plot_path_real_path():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8))
    y = X[:, 0] * 2.0 - X[:, 3] + 0.1 * rng.standard_normal(50)
    res = penalized.path(X, y, alphas=15, eps=0.05)
    ax = plot_path(res)
    ever = np.flatnonzero(np.abs(res.coefs).sum(axis=1).A1 > 0)
    assert ever.size >= 2
    assert len(ax.get_lines()) == ever.size
    for line, j in zip(ax.get_lines(), ever, strict=True):
        np.testing.assert_allclose(line.get_ydata(), res.coefs[[j]].toarray().ravel())
    check_df_axis(ax, np.log10(res.alphas), res.df)


def test_plot_path_multinomial_one_axes_per_class():
    n_alphas, p, K = 8, 4, 3
    rng = np.random.default_rng(1)
    coefs = [rng.standard_normal((p, K)) * (i / n_alphas) for i in range(n_alphas)]
    for c in coefs:
        c[2] = 0.0  # feature 2 never enters
    coefs[0][:] = 0.0
    res = SimpleNamespace(alphas=np.geomspace(1, 0.01, n_alphas), coefs=coefs,
                          df=np.array([int(np.any(c != 0, axis=1).sum()) for c in coefs]),
                          dev_explained=np.linspace(0, 0.8, n_alphas))
    axes = plot_path(res, x="l1_norm")
    assert axes.shape == (K,)
    stack = np.stack(coefs, axis=-1)
    colors = None
    for k, ax in enumerate(axes):
        lines = ax.get_lines()
        assert len(lines) == 3
        assert ax.get_title() == f"class {k}"
        for line, j in zip(lines, [0, 1, 3], strict=True):
            np.testing.assert_allclose(line.get_ydata(), stack[j, k])
            np.testing.assert_allclose(line.get_xdata(), np.abs(stack[:, k]).sum(axis=0))
        line_colors = [line.get_color() for line in lines]
        assert len(set(line_colors)) == 3
        colors = colors or line_colors
        assert line_colors == colors  # a feature keeps its color across classes
        check_df_axis(ax, np.abs(stack[:, k]).sum(axis=0), res.df)
    # class 1 loses feature 3 entirely: drawn (for the shared colors) but not annotated
    for c in coefs:
        c[3, 1] = 0.0
    axes = plot_path(res, labels=["a", "b", "c", "d"])
    assert [t.get_text() for t in axes[0].texts] == ["a", "b", "d"]
    assert [t.get_text() for t in axes[1].texts] == ["a", "b"]
    assert len(axes[1].get_lines()) == 3
    fig, given = plt.subplots(1, K)
    assert list(plot_path(res, ax=given)) == list(given)
    with pytest.raises(ValueError, match="needs 3 Axes"):
        plot_path(res, ax=given[:2])


# --------------------------------------------------------------------------- plot_cv


def errorbar_container(ax):
    (cont,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    return cont


def vlines(ax):
    out = []
    for line in ax.get_lines():
        xs = np.asarray(line.get_xdata(), dtype=float)
        if xs.size == 2 and xs[0] == xs[1]:
            out.append(line)
    return out


def check_cv_plot(ax, alphas, mean, se, a_min, a_1se, nnz, score, title="Cross-validation"):
    cont = errorbar_container(ax)
    data_line, _, (bars,) = cont.lines
    x = np.log10(alphas)
    np.testing.assert_allclose(data_line.get_xdata(), x)
    np.testing.assert_allclose(data_line.get_ydata(), mean)
    segs = np.array(bars.get_segments())
    assert segs.shape == (alphas.size, 2, 2)
    np.testing.assert_allclose(segs[:, 0, 1], mean - se)
    np.testing.assert_allclose(segs[:, 1, 1], mean + se)
    v = vlines(ax)
    assert len(v) == 2
    np.testing.assert_allclose([line.get_xdata()[0] for line in v],
                               [np.log10(a_min), np.log10(a_1se)])
    # distinct styles, each named in the legend with its alpha
    assert [line.get_linestyle() for line in v] == ["--", ":"]
    assert [line.get_label() for line in v] == [f"alpha_min = {a_min:.3g}",
                                                f"alpha_1se = {a_1se:.3g}"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["mean CV error ± 1 SE", f"alpha_min = {a_min:.3g}",
                      f"alpha_1se = {a_1se:.3g}"]
    assert ax.get_title() == title
    assert ax.get_ylabel() == score
    assert ax.get_xlabel() == "log10(alpha)"
    assert ax.xaxis_inverted()
    check_df_axis(ax, x, nnz)


def test_plot_cv_stand_in():
    cv = fake_cv()
    ax = plot_cv(cv)
    check_cv_plot(ax, cv.alphas_, cv.cv_mean_, cv.cv_se_, cv.alpha_min_, cv.alpha_1se_,
                  cv.n_nonzero_, "mse")
    fig, ax2 = plt.subplots()
    assert plot_cv(cv, ax=ax2) is ax2


def test_plot_cv_2d_picks_chosen_l1_ratio():
    base = fake_cv()
    means = np.stack([base.cv_mean_ + 1.0, base.cv_mean_, base.cv_mean_ + 2.0])
    ses = np.stack([base.cv_se_ * 2, base.cv_se_, base.cv_se_ * 3])
    nnz = np.stack([base.n_nonzero_ + 1, base.n_nonzero_, base.n_nonzero_ * 0 + 7])
    cv = SimpleNamespace(**{**vars(base), "cv_mean_": means, "cv_se_": ses, "n_nonzero_": nnz,
                            "l1_ratio": [0.2, 0.5, 1.0], "l1_ratio_": 0.5,
                            "score_name_": "deviance"})
    ax = plot_cv(cv)
    check_cv_plot(ax, base.alphas_, means[1], ses[1], base.alpha_min_, base.alpha_1se_,
                  nnz[1], "deviance", "Cross-validation (l1_ratio = 0.5)")
    # one alpha grid per l1_ratio and no l1_ratio sequence: the row holding alpha_min_
    grids = np.stack([base.alphas_ * 3, base.alphas_ * 2, base.alphas_])
    cv2 = SimpleNamespace(**{**vars(cv), "alphas_": grids, "l1_ratio_": 1.0})
    del cv2.l1_ratio
    ax = plot_cv(cv2)
    check_cv_plot(ax, base.alphas_, means[2], ses[2], base.alpha_min_, base.alpha_1se_,
                  nnz[2], "deviance")
    cv3 = SimpleNamespace(**{**vars(cv), "l1_ratio_": 0.7})
    with pytest.raises(ValueError, match="chosen l1_ratio_"):
        plot_cv(cv3)


def test_plot_cv_errors():
    from sklearn.exceptions import NotFittedError

    cv = fake_cv()
    del cv.cv_se_
    with pytest.raises(NotFittedError, match="cv_se_"):
        plot_cv(cv)
    cv = fake_cv()
    cv.cv_se_ = cv.cv_se_[:-1]
    with pytest.raises(ValueError, match="same shape"):
        plot_cv(cv)
    cv = fake_cv()
    del cv.n_nonzero_  # the top axis is optional
    ax = plot_cv(cv)
    assert ax.child_axes == [] and len(errorbar_container(ax).lines[0].get_xdata()) == 25


def test_plot_cv_lasso_cv_integration():
    try:
        LassoCV = penalized.LassoCV
    except (AttributeError, ImportError):
        pytest.skip("penalized.LassoCV is not available yet")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 6))
    y = X[:, 0] - 2.0 * X[:, 1] + 0.5 * rng.standard_normal(80)
    est = LassoCV().fit(X, y)
    ax = plot_cv(est)
    alphas = np.asarray(est.alphas_)
    check_cv_plot(ax, alphas, np.asarray(est.cv_mean_), np.asarray(est.cv_se_),
                  est.alpha_min_, est.alpha_1se_, np.asarray(est.n_nonzero_),
                  str(est.score_name_), f"{est.n_folds_}-fold cross-validation")


# --------------------------------------------------------------------------- optional dep


def test_import_penalized_does_not_import_matplotlib():
    code = ("import sys, penalized, penalized.plotting, penalized._progress; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_error(monkeypatch):
    res, _ = fake_path()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "penalized\[plot\]"'):
        plot_path(res)
    with pytest.raises(ImportError, match=r'pip install "penalized\[plot\]"'):
        plot_cv(fake_cv())


def test_example_writes_pngs(tmp_path):
    spec = importlib.util.spec_from_file_location("path_and_cv", ROOT / "examples" /
                                                  "path_and_cv.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["cv.png", "path_deviance.png", "path_l1_norm.png", "path_log_alpha.png"]
    assert all((tmp_path / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


# --------------------------------------------------------------------------- progress


def test_progress_disabled_returns_iterable():
    items = [1, 2, 3]
    assert progress(items, 3, "x", enabled=False) is items
    assert progress(items, 3, "x", enabled=0) is items


def test_progress_tqdm(capsys):
    pytest.importorskip("tqdm")
    out = list(progress(iter(range(5)), total=5, desc="path", enabled=True))
    assert out == [0, 1, 2, 3, 4]
    err = capsys.readouterr().err
    assert "path" in err and "/5" in err  # a transient bar (leave=False)


def test_progress_fallback(monkeypatch, capsys):
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)
    assert list(progress(range(4), desc="cv", enabled=1)) == [0, 1, 2, 3]
    err = capsys.readouterr().err
    assert "cv: 4/4" in err and err.endswith("\n")
    # unknown length: a plain counter
    assert list(progress((i for i in range(3)), desc="fold", enabled=True)) == [0, 1, 2]
    assert "fold: 3 (" in capsys.readouterr().err


def test_progress_fallback_without_tqdm_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert _progress._tqdm() is None
    stream = io.StringIO()
    gen = _progress._fallback(range(250), 250, "big", stream=stream)
    assert sum(gen) == sum(range(250))
    text = stream.getvalue()
    assert text.count("\r") <= 130 and "big: 250/250" in text
