"""Model files: JSON round trip, refusal of bad files, predictions equal to the estimator's.

The reference predictions are those of the in-memory penalized estimators (their own
``predict`` / ``predict_proba``), the reference digest is recomputed here from the
documented canonical form.
"""

import hashlib
import json
import os
import re

import numpy as np
import pandas as pd
import pytest

from penalized import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
)
from penalized.model_io import (
    FORMAT_VERSION,
    ModelFileError,
    ModelPredictor,
    load_model,
    model_payload,
    predict_frame,
    save_model,
)
from penalized.tables.data import Preprocessor


def _frame(n=80, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.normal(size=n),
        "x2": rng.normal(size=n) * 5 + 3,
        "color": rng.choice(["red", "green", "blue"], n),
        "x3": rng.integers(0, 4, n),
    })
    eta = 1.5 * df.x1 - 0.3 * df.x2 + (df.color == "red") * 2.0
    df["y"] = eta + rng.normal(size=n) * 0.5
    df["yb"] = np.where(eta + rng.logistic(size=n) > eta.median(), 1, 0)
    df["yc"] = pd.cut(eta + rng.normal(size=n), 3, labels=["lo", "mid", "hi"]).astype(str)
    df["ybool"] = df["yb"] == 1
    return df


def _resign(doc):
    body = {k: v for k, v in doc.items() if k != "sha256"}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["sha256"] = hashlib.sha256(canon.encode("utf-8")).hexdigest()
    return doc


def _write_json(path, doc):
    with open(path, "w") as fh:
        json.dump(doc, fh)
    return path


CASES = {
    "lasso-cv": ("lasso", "y", lambda: LassoCV(alphas=20, cv=3), "min"),
    "lasso": ("lasso", "y", lambda: Lasso(alpha=0.05), "value"),
    "ridge-cv": ("ridge", "y", lambda: ElasticNetCV(l1_ratio=0.0, alphas=20, cv=3,
                                                    alpha_rule="1se"), "1se"),
    "ridge": ("ridge", "y", lambda: Ridge(alpha=0.3, standardize=True), "value"),
    "elasticnet-cv": ("elasticnet", "y",
                      lambda: ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=15, cv=3), "min"),
    "elasticnet": ("elasticnet", "y", lambda: ElasticNet(alpha=0.1, l1_ratio=0.3), "value"),
    "logistic-l1-binary-cv": ("logistic-l1", "yb",
                              lambda: LogisticRegressionCV(l1_ratios=(1.0,), alphas=15, cv=3,
                                                           measure="deviance",
                                                           use_legacy_attributes=False),
                              "min"),
    "logistic-l2-bool": ("logistic-l2", "ybool",
                         lambda: LogisticRegression(alpha=0.05), "value"),
    "logistic-l2-multi": ("logistic-l2", "yc",
                          lambda: LogisticRegression(alpha=0.02), "value"),
    "logistic-en-multi-cv": ("logistic-elasticnet", "yc",
                             lambda: LogisticRegressionCV(l1_ratios=[0.5], alphas=10, cv=3,
                                                          measure="deviance",
                                                          use_legacy_attributes=False,
                                                          alpha_rule="1se"), "1se"),
}


def _fit_case(name, df):
    kind, target, make, rule = CASES[name]
    X_df = df.drop(columns=["y", "yb", "yc", "ybool"])
    pre = Preprocessor().fit(X_df)
    est = make().fit(pre.transform(X_df), df[target].to_numpy())
    return kind, pre, est, rule


@pytest.mark.parametrize("name", list(CASES))
def test_loaded_model_predicts_like_the_estimator(tmp_path, name):
    df = _frame()
    kind, pre, est, rule = _fit_case(name, df)
    path = tmp_path / "model.json"
    written = save_model(path, model_payload(est, pre, kind, alpha_rule=rule, target="y"))
    model = load_model(path)
    assert model == written
    assert model["format"] == "penalized-model" and model["format_version"] == 1
    assert model["alpha_rule"] == rule and model["kind"] == kind
    assert model["feature_names"] == ["x1", "x2", "color=blue", "color=green", "color=red",
                                      "x3"]
    # new rows, with an unseen level, in another column order and with the target
    new = _frame(n=25, seed=1)[["color", "x3", "y", "x2", "x1"]]
    new.loc[0, "color"] = "purple"
    X_new = pre.transform(new)
    out = predict_frame(model, new)
    assert list(out.index) == list(new.index)
    if model["task"] == "regression":
        assert out.columns.tolist() == ["prediction"]
        np.testing.assert_allclose(out["prediction"], est.predict(X_new), rtol=0, atol=1e-12)
        return
    assert out.columns.tolist() == ["prediction"] + [f"proba_{c}" for c in est.classes_]
    np.testing.assert_array_equal(out["prediction"].to_numpy(), est.predict(X_new))
    # labels keep their type: ints stay ints, bools bools, strings strings
    kind = np.asarray(est.classes_.tolist()).dtype.kind
    assert np.asarray(out["prediction"].tolist()).dtype.kind == kind
    np.testing.assert_allclose(out.iloc[:, 1:].to_numpy(), est.predict_proba(X_new),
                               rtol=0, atol=1e-12)
    pred = ModelPredictor(model)
    np.testing.assert_array_equal(pred.classes_, est.classes_)
    np.testing.assert_allclose(pred.decision_function(new), est.decision_function(X_new),
                               rtol=0, atol=1e-12)


def test_model_file_contents(tmp_path):
    df = _frame()
    kind, pre, est, rule = _fit_case("logistic-l2-multi", df)
    save_model(tmp_path / "m.json", model_payload(est, pre, kind, alpha_rule=rule))
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["classes"] == ["hi", "lo", "mid"] and doc["classes_kind"] == "O"
    assert np.array(doc["coef"]).shape == (3, 6) and len(doc["intercept"]) == 3
    assert doc["alpha"] == 0.02 and doc["l1_ratio"] == 0.0
    # the digest is SHA-256 of the canonical JSON of every other field
    assert doc["sha256"] == _resign(dict(doc))["sha256"]
    np.testing.assert_array_equal(np.array(doc["coef"]), est.coef_)
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.fixture
def model_path(tmp_path):
    kind, pre, est, rule = _fit_case("lasso", _frame())
    path = tmp_path / "model.json"
    save_model(path, model_payload(est, pre, kind, alpha_rule=rule))
    return path


def test_tampered_coefficient_is_refused(model_path):
    text = model_path.read_text()
    doc = json.loads(text)
    coef = next(c for c in doc["coef"] if c != 0)
    old = repr(coef)
    digit = re.search(r"[1-8]", old).start()
    new = old[:digit] + str(int(old[digit]) + 1) + old[digit + 1:]
    assert text.count(old) == 1
    model_path.write_text(text.replace(old, new))
    with pytest.raises(ModelFileError, match=r"^model\.json was modified or corrupted"):
        load_model(model_path)


def test_newer_format_version_is_refused(model_path):
    doc = json.loads(model_path.read_text())
    doc["format_version"] = FORMAT_VERSION + 1
    for d in (doc, _resign(dict(doc))):
        _write_json(model_path, d)
        with pytest.raises(ModelFileError, match=rf"^model file format version "
                                                 rf"{FORMAT_VERSION + 1} is newer than this "
                                                 rf"penalized \(supports {FORMAT_VERSION}\): "
                                                 r"upgrade penalized$"):
            load_model(model_path)


@pytest.mark.parametrize("content", [b"", b"hello", b"\x89PNG\r\n\x1a\n\x00\x00", b"[1, 2]",
                                     b'{"format": "penalized-model"'])
def test_not_json_is_refused(tmp_path, content):
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=r"^model\.json is not a penalized model file"):
        load_model(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match=r"^model file not found: .*nope\.json$"):
        load_model(tmp_path / "nope.json")


@pytest.mark.parametrize("edit, match", [
    (lambda d: d.update(format="other"), r"is not a penalized model file"),
    (lambda d: d.update(format_version="1"), r"format_version must be a positive integer"),
    (lambda d: d.pop("kind"), r"field 'kind' is missing"),
    (lambda d: d.update(kind="svm"), r"unknown model kind 'svm'"),
    (lambda d: d.update(task="classification"), r"does not match model kind"),
    (lambda d: d.update(coef=d["coef"][:-1]), r"coef has 5 values, expected 6"),
    (lambda d: d.update(coef=[str(c) for c in d["coef"]]), r"coef must be a list of finite"),
    (lambda d: d.update(intercept=None), r"intercept must be a finite number"),
    (lambda d: d.update(alpha=-1.0), r"alpha must be a finite number"),
    (lambda d: d.update(alpha_rule="best"), r"alpha_rule must be one of"),
    (lambda d: d.update(feature_names=d["feature_names"][::-1]),
     r"features do not match feature_names"),
    (lambda d: d["preprocessor"]["columns"][2].update(kind="text"), r"bad preprocessor"),
    (lambda d: d.update(classes=[0, 1]), r"regression model has no classes"),
])
def test_ill_formed_fields_are_refused(model_path, edit, match):
    doc = json.loads(model_path.read_text())
    edit(doc)
    _write_json(model_path, _resign(doc))
    with pytest.raises(ModelFileError, match=match):
        load_model(model_path)


def test_non_finite_numbers_are_refused(model_path):
    text = model_path.read_text()
    doc = json.loads(text)
    doc["intercept"] = float("nan")
    body = {k: v for k, v in doc.items() if k != "sha256"}
    doc["sha256"] = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                                   .encode()).hexdigest()
    model_path.write_text(json.dumps(doc))
    assert "NaN" in model_path.read_text()
    with pytest.raises(ModelFileError, match=r"not valid JSON"):
        load_model(model_path)


def test_save_refuses_bad_payload_and_writes_nothing(tmp_path):
    kind, pre, est, rule = _fit_case("lasso", _frame())
    payload = model_payload(est, pre, kind, alpha_rule=rule)
    payload["coef"][0] = float("inf")
    with pytest.raises(ModelFileError, match=r"coef must be a list of finite numbers"):
        save_model(tmp_path / "m.json", payload)
    with pytest.raises(ValueError, match=r"kind must be one of"):
        model_payload(est, pre, "svm", alpha_rule=rule)
    assert os.listdir(tmp_path) == []


def test_predict_checks_columns(model_path):
    model = load_model(model_path)
    from penalized.tables.data import DataError

    with pytest.raises(DataError, match=r"lacks column 'color' used by the model"):
        predict_frame(model, _frame().drop(columns="color"))
