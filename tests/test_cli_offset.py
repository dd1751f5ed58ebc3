"""``penalized fit / predict / compare --offset COL --exposure COL``: the model file records
the columns (format_version 2), predict reads them from the data, and the fits equal the
estimators' fits with ``offset=`` (the columns are not features)."""

import json

import numpy as np
import pandas as pd
import pytest

from penalized import Lasso, LogisticRegression
from penalized.cli import main
from penalized.model_io import load_model


def _table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n).round(4), "x2": rng.normal(size=n).round(4)})
    df["off"] = (0.5 * rng.normal(size=n)).round(4)
    df["expo"] = rng.uniform(0.5, 3.0, n).round(4)
    eta = 1.2 * df.x1 - 0.5 * df.x2 + df.off + np.log(df.expo)
    df["y"] = (eta + 0.3 * rng.normal(size=n)).round(4)
    df["cls"] = np.where(eta + rng.logistic(size=n) > 0, "yes", "no")
    return df


def _std_design(df):
    return df[["x1", "x2"]].to_numpy(float)


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = _table()
    df.drop(columns=["cls"]).to_csv("reg.csv", index=False)
    df.drop(columns=["y"]).to_csv("cls.csv", index=False)
    return df


def test_fit_predict_round_trip_with_offset_and_exposure(work, capsys):
    df = work
    assert main(["fit", "reg.csv", "--target", "y", "--model", "lasso", "--alpha", "0.01",
                 "--offset", "off", "--exposure", "expo", "-o", "m.json", "--quiet"]) == 0
    model = load_model("m.json")
    assert model["format_version"] == 2
    assert (model["offset"], model["exposure"]) == ("off", "expo")
    assert model["feature_names"] == ["x1", "x2"]  # the offset columns are not features
    offset = df.off.to_numpy() + np.log(df.expo.to_numpy())
    ref = Lasso(alpha=0.01, standardize=True).fit(_std_design(df), df.y, offset=offset)
    np.testing.assert_allclose(model["coef"], ref.coef_, atol=1e-8)
    assert main(["predict", "m.json", "reg.csv", "-o", "p.csv", "--quiet"]) == 0
    pred = pd.read_csv("p.csv")["prediction"].to_numpy()
    np.testing.assert_allclose(pred, ref.predict(_std_design(df), offset=offset), atol=1e-8)
    # renamed columns at prediction time
    df.rename(columns={"off": "o2"}).drop(columns=["y"]).to_csv("new.csv", index=False)
    assert main(["predict", "m.json", "new.csv", "--offset", "o2", "-o", "p2.csv",
                 "--quiet"]) == 0
    np.testing.assert_allclose(pd.read_csv("p2.csv")["prediction"], pred, atol=1e-12)
    # a missing offset column is a one-line user error
    df.drop(columns=["off", "y"]).to_csv("nooff.csv", index=False)
    assert main(["predict", "m.json", "nooff.csv", "-o", "p3.csv"]) == 2
    assert "--offset column 'off' not found" in capsys.readouterr().err


def test_fit_cv_logistic_with_offset(work):
    df = work
    assert main(["fit", "cls.csv", "--target", "cls", "--model", "logistic-l1", "--offset",
                 "off", "--cv", "3", "--n-alphas", "10", "-o", "c.json", "--quiet"]) == 0
    model = load_model("c.json")
    assert model["offset"] == "off" and model["exposure"] is None
    clf = LogisticRegression(penalty="l1", alpha=model["alpha"], standardize=True,
                             tol=1e-10).fit(
        np.column_stack([df.x1, df.x2, df.expo]), df.cls, offset=df.off.to_numpy())
    np.testing.assert_allclose(model["coef"], clf.coef_[0], atol=1e-3)  # CV path tol 1e-4
    assert main(["predict", "c.json", "cls.csv", "-o", "p.csv", "--quiet"]) == 0
    proba = pd.read_csv("p.csv")["proba_yes"].to_numpy()
    ref = clf.predict_proba(np.column_stack([df.x1, df.x2, df.expo]),
                            offset=df.off.to_numpy())[:, 1]
    np.testing.assert_allclose(proba, ref, atol=1e-3)


def test_offset_errors(work, capsys):
    assert main(["fit", "reg.csv", "--target", "y", "--model", "lasso", "--offset", "nope",
                 "-o", "m.json"]) == 2
    assert "--offset column 'nope' not found" in capsys.readouterr().err
    df = work.drop(columns=["cls"]).copy()
    df.loc[0, "expo"] = -1.0
    df.to_csv("bad.csv", index=False)
    assert main(["fit", "bad.csv", "--target", "y", "--model", "lasso", "--exposure",
                 "expo", "-o", "m.json"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert main(["fit", "reg.csv", "--target", "y", "--model", "lasso", "--alpha", "0.1",
                 "-o", "plain.json", "--quiet"]) == 0
    assert load_model("plain.json")["format_version"] == 1
    assert main(["predict", "plain.json", "reg.csv", "--offset", "off", "-o", "p.csv"]) == 2
    assert "fitted with them" in capsys.readouterr().err


def test_compare_with_offset(work, tmp_path):
    pytest.importorskip("matplotlib")
    assert main(["compare", "reg.csv", "--target", "y", "--offset", "off", "--exposure",
                 "expo", "--cv", "3", "--out", "r.html", "--json", "r.json", "--quiet"]) == 0
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["offset"] == "off" and res["exposure"] == "expo"
    assert res["feature_names"] == ["x1", "x2"]
    # with the true offset the unpenalized fit recovers the coefficients
    ols = next(m for m in res["models"] if m["kind"] == "unpenalized")
    np.testing.assert_allclose(ols["coef"], [1.2, -0.5], atol=0.1)
    assert ols["test"]["r2"] > 0.9
