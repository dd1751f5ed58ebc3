"""``penalized compare``: the analysis against independent references, the page, the errors.

References are computed here without the report code: scikit-learn's LinearRegression for
the unpenalized fit, RMSE / accuracy / log-loss recomputed by hand from the reported
coefficients, penalized's CV estimators refitted on the documented folds
(``KFold`` / ``StratifiedKFold`` with ``shuffle=True, random_state=seed``).
"""

import json
import re
import time
from argparse import Namespace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, make_classification
from sklearn.linear_model import LinearRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import KFold, train_test_split

from penalized import LassoCV
from penalized.cli import main
from penalized.report.compare import compare_models, run
from penalized.report.html import render

pytest.importorskip("matplotlib")

NAMES = ["Unpenalized", "Ridge (min)", "Ridge (1se)", "Lasso (min)", "Lasso (1se)",
         "ElasticNet (min)", "ElasticNet (1se)"]
DIAMONDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "diamonds_plotnine"
DIAMONDS = DIAMONDS if DIAMONDS.exists() else Path("/work/shared/data/diamonds_plotnine")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    res = compare_models(Xtr, ytr, names, "regression", X_test=Xte, y_test=yte, cv=5, seed=0)
    return res, (Xtr, Xte, ytr, yte)


@pytest.fixture(scope="module")
def classif():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=3,
                               n_redundant=0, flip_y=0.1, random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    names = [f"f{j}" for j in range(8)]
    res = compare_models(Xtr, ytr, names, "classification", X_test=Xte, y_test=yte, cv=4,
                         seed=3, classes=["no", "yes"])
    return res, (Xtr, Xte, ytr, yte)


def _models(res):
    return {m["name"]: m for m in res["models"]}


def test_one_row_per_model_and_json(diabetes, classif):
    for res, _ in (diabetes, classif):
        assert [m["name"] for m in res["models"]] == NAMES
        text = json.dumps(res, allow_nan=False)  # strict JSON
        assert json.loads(text)["best"] in NAMES
        for m in res["models"]:
            if m["stability"] is not None:
                assert 0.0 <= m["stability"] <= 1.0
            assert all(0.0 <= f <= 1.0 for f in m["selection_frequency"].values())
            assert m["n_nonzero"] == len(m["selected"]) == np.count_nonzero(m["coef"])
            assert m["fit_time"] >= 0


def test_unpenalized_is_least_squares(diabetes):
    res, (Xtr, Xte, ytr, yte) = diabetes
    ols = _models(res)["Unpenalized"]
    ref = LinearRegression().fit(Xtr, ytr)
    np.testing.assert_allclose(ols["coef"], ref.coef_, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ols["intercept"], ref.intercept_, rtol=1e-8)
    assert ols["note"] is None and ols["alpha"] is None


def test_metrics_recomputed_from_coefficients(diabetes):
    res, (Xtr, Xte, ytr, yte) = diabetes
    for m in res["models"]:
        pred_te = Xte @ np.asarray(m["coef"]) + m["intercept"]
        pred_tr = Xtr @ np.asarray(m["coef"]) + m["intercept"]
        rmse_te = np.sqrt(np.mean((yte - pred_te) ** 2))
        rmse_tr = np.sqrt(np.mean((ytr - pred_tr) ** 2))
        assert m["test"]["rmse"] == pytest.approx(rmse_te, rel=1e-10)
        assert m["train"]["rmse"] == pytest.approx(rmse_tr, rel=1e-10)
        assert m["gap"] == pytest.approx(rmse_te - rmse_tr, rel=1e-8, abs=1e-10)
        r2 = 1 - np.mean((yte - pred_te) ** 2) / np.var(yte)
        assert m["test"]["r2"] == pytest.approx(r2, rel=1e-10)


def test_lasso_matches_lassocv_on_the_documented_folds(diabetes):
    res, (Xtr, Xte, ytr, yte) = diabetes
    folds = list(KFold(5, shuffle=True, random_state=0).split(Xtr))
    ref = LassoCV(cv=folds, standardize=True).fit(Xtr, ytr)
    lasso = _models(res)
    assert lasso["Lasso (min)"]["alpha"] == pytest.approx(ref.alpha_min_, rel=1e-12)
    assert lasso["Lasso (1se)"]["alpha"] == pytest.approx(ref.alpha_1se_, rel=1e-12)
    rmse = np.sqrt(np.mean((yte - ref.predict(Xte, alpha=ref.alpha_min_)) ** 2))
    assert lasso["Lasso (min)"]["test"]["rmse"] == pytest.approx(rmse, rel=1e-6)
    assert lasso["Lasso (1se)"]["n_nonzero"] <= lasso["Lasso (min)"]["n_nonzero"]
    path = res["paths"]["lasso"]
    np.testing.assert_allclose(path["alphas"], ref.alphas_)
    np.testing.assert_allclose(path["cv_mean"], ref.cv_mean_, rtol=1e-6)


def test_stability_by_hand(diabetes):
    """Selection frequency of each Lasso (min) feature over per-fold refits, by hand."""
    from penalized import path

    res, (Xtr, Xte, ytr, yte) = diabetes
    m = _models(res)["Lasso (min)"]
    alphas = np.asarray(res["paths"]["lasso"]["alphas"])
    i = int(np.argmin(np.abs(alphas - m["alpha"])))
    supports = []
    for tr, _ in KFold(5, shuffle=True, random_state=0).split(Xtr):
        fold = path(Xtr[tr], ytr[tr], alphas=alphas[:i + 1], standardize=True)
        supports.append(fold.coef_at(i) != 0)
    supports = np.array(supports)
    names = res["feature_names"]
    for name, freq in m["selection_frequency"].items():
        assert freq == pytest.approx(supports[:, names.index(name)].mean())
    pairs = [(a & b).sum() / max((a | b).sum(), 1) for k, a in enumerate(supports)
             for b in supports[k + 1:]]
    assert m["stability"] == pytest.approx(np.mean(pairs))


def test_classification_metrics(classif):
    res, (Xtr, Xte, ytr, yte) = classif
    assert res["task"] == "classification" and res["primary_metric"] == "log_loss"
    for m in res["models"]:
        eta = Xte @ np.asarray(m["coef"]) + m["intercept"]
        p = 1 / (1 + np.exp(-eta))
        assert m["test"]["accuracy"] == pytest.approx(np.mean((p > 0.5) == yte))
        assert m["test"]["log_loss"] == pytest.approx(log_loss(yte, p), rel=1e-8)
        assert m["test"]["auc"] == pytest.approx(roc_auc_score(yte, eta))
    assert res["paths"]["lasso"]["error_name"] == "log_loss"


def test_reading_mentions_the_numbers(diabetes):
    res, _ = diabetes
    text = " ".join(res["reading"])
    lasso = _models(res)["Lasso (1se)"]
    assert f"kept {lasso['n_nonzero']} of 10 features" in text
    assert res["best"] in text


def test_html_is_self_contained_and_escapes(diabetes):
    res, _ = diabetes
    res = json.loads(json.dumps(res))
    evil = "<script>alert('x')</script>"
    res["feature_names"][2] = evil
    for m in res["models"]:
        m["selected"] = [evil if s == "bmi" else s for s in m["selected"]]
        m["selection_frequency"] = {(evil if k == "bmi" else k): v
                                    for k, v in m["selection_frequency"].items()}
    res["source"] = "<b>data</b>.csv"
    page = render(res)
    assert "<script" not in page and evil not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;data&lt;/b&gt;.csv" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "http://" not in page.replace("http://www.w3.org", "")  # SVG namespaces only
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', page)) == 4
    rows = re.search(r'<table id="comparison">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    assert rows.count("<tr") == len(NAMES)


def _args(tmp_path, data=None, target=None, **kw):
    base = dict(data=data, target=target, task="auto", test_size=0.25, cv=5, seed=0,
                out=str(tmp_path / "report.html"), json=str(tmp_path / "results.json"),
                impute=None, quiet=True)
    base.update(kw)
    return Namespace(**base)


def test_run_example_writes_both_files(tmp_path, capsys):
    assert run(_args(tmp_path)) == 0
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["source"].startswith("diabetes") and res["n_rows"] == 442
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "results.json"]


def test_categorical_columns_and_names(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"x": rng.normal(size=n), "color": rng.choice(["red", "<blue>"], n),
                       "noise": rng.normal(size=n)})
    df["y"] = 2 * df["x"] + (df["color"] == "red") * 1.5 + rng.normal(scale=0.5, size=n)
    df.to_csv(tmp_path / "d.csv", index=False)
    assert run(_args(tmp_path, str(tmp_path / "d.csv"), "y")) == 0
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["feature_names"] == ["x", "color=<blue>", "color=red", "noise"]
    assert "color=&lt;blue&gt;" in (tmp_path / "report.html").read_text()
    # all one-hot levels next to the intercept: least squares is not unique, the
    # minimum-norm solution predicts like any other
    ols = _models(res)["Unpenalized"]
    X = pd.get_dummies(df.drop(columns="y"), dtype=float)
    assert ols["test"]["rmse"] < 0.7 and ols["note"] is None and X.shape[1] == 4


BAD = {
    "missing_target": ("a,b\n1,2\n3,4\n", ["--target", "y"], "not found"),
    "text_target": ("a,y\n1,x\n2,y\n3,z\n4,x\n", ["--target", "y", "--task", "regression"],
                    "not numeric"),
    "single_class": ("a,y\n1,1\n2,1\n3,1\n4,1\n", ["--target", "y", "--task",
                                                     "classification"], "single class"),
    "empty": ("", ["--target", "y"], "empty"),
    "all_missing": ("a,b,y\n" + "".join(f"{i},,{i * 1.5 + 0.1}\n" for i in range(12)),
                    ["--target", "y"], "entirely missing"),
    "binary": (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00",
               ["--target", "y"], "binary"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_no_file(case, tmp_path, capsys):
    content, extra, words = BAD[case]
    data = tmp_path / "data.csv"
    data.write_bytes(content if isinstance(content, bytes) else content.encode())
    out, js = tmp_path / "report.html", tmp_path / "results.json"
    code = main(["compare", str(data), *extra, "--out", str(out), "--json", str(js)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("penalized: error:"), err
    assert words in lines[0] and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_unreadable_file(tmp_path, capsys):
    code = main(["compare", str(tmp_path / "nope.csv"), "--target", "y",
                 "--out", str(tmp_path / "r.html")])
    assert code == 2 and "nope.csv" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    import penalized.report.compare as compare

    def boom(results, callback=None):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("penalized.report.html.render", boom)
    with pytest.raises(RuntimeError):
        compare.run(_args(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not DIAMONDS.exists(), reason="shared diamonds data not available")
def test_diamonds_under_60_seconds(tmp_path, capsys):
    d = np.load(DIAMONDS / "data.npz")
    df = pd.DataFrame(d["X"], columns=[f"x{j}" for j in range(d["X"].shape[1])])
    df["price_log"] = d["y"]
    df.to_csv(tmp_path / "diamonds.csv", index=False)
    start = time.perf_counter()
    code = main(["compare", str(tmp_path / "diamonds.csv"), "--target", "price_log",
                 "--out", str(tmp_path / "report.html"), "--json", str(tmp_path / "r.json")])
    elapsed = time.perf_counter() - start
    assert code == 0
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["n_rows"] == 53940 and len(res["models"]) == len(NAMES)
    assert _models(res)["Unpenalized"]["test"]["r2"] > 0.95
    print(f"diamonds compare: {elapsed:.1f} s")
    assert elapsed < 60


def test_missing_values_counted_over_the_whole_table(tmp_path, capsys):
    """compare names the same count as fit: every row of the file, not the training part."""
    X, y = load_diabetes(return_X_y=True, scaled=False, as_frame=True)
    df = X.assign(target=y)
    rows = [3, 50, 120, 200, 333, 400]
    df.loc[rows, "bmi"] = np.nan
    df.to_csv(tmp_path / "d.csv", index=False)
    # the split compare makes (documented: train_test_split, seed 0, test_size 0.25)
    train, _ = train_test_split(np.arange(len(df)), test_size=0.25, random_state=0)
    assert 0 < np.isin(rows, train).sum() < len(rows)  # the old count would differ
    expected = f"missing values in columns 'bmi' ({int(df['bmi'].isna().sum())})"
    for argv in (["compare", str(tmp_path / "d.csv"), "--target", "target",
                  "--out", str(tmp_path / "r.html")],
                 ["fit", str(tmp_path / "d.csv"), "--target", "target", "--model", "lasso",
                  "-o", str(tmp_path / "m.json")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert expected in err and "(6)" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_ridge_paths_have_no_exact_zeros(diabetes, classif):
    """The report's ridge paths (least squares and logistic) never show an exact zero:
    a fit without an L1 part has none."""
    for res, _ in (diabetes, classif):
        coefs = np.asarray(res["paths"]["ridge"]["std_coefs"])
        assert np.all(coefs != 0)
        assert min(res["paths"]["ridge"]["n_nonzero"]) == coefs.shape[0]
