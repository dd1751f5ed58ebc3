"""The ``penalized`` command: fit / predict against in-memory estimators, user errors.

Reference predictions come from penalized estimators fitted here on a design matrix built
by hand with pandas (not with the command's Preprocessor), on the folds the command
documents (``KFold`` / ``StratifiedKFold`` with ``shuffle=True, random_state=seed``).
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

from penalized import (
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
)
from penalized.cli import main

SRC = Path(__file__).resolve().parents[1] / "src"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01")


def _table(n=90, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.normal(size=n).round(4),
        "x2": (rng.normal(size=n) * 5 + 3).round(4),
        "color": rng.choice(["red", "green", "blue"], n),
    })
    eta = 1.5 * df.x1 - 0.3 * df.x2 + (df.color == "red") * 2.0
    df["y"] = (eta + rng.normal(size=n) * 0.5).round(4)
    df["cls"] = np.where(eta + rng.logistic(size=n) > eta.median(), "yes", "no")
    df["grade"] = pd.cut(eta + rng.normal(size=n), 3, labels=["lo", "mid", "hi"]).astype(str)
    return df


def _design(df):
    """The expected encoding, by hand: numeric columns, then color's sorted levels."""
    return np.column_stack([df.x1, df.x2] + [(df.color == c).to_numpy(float)
                                             for c in ("blue", "green", "red")])


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # one file per target: every other column is a feature
    table = _table()
    for target, name in (("y", "train.csv"), ("cls", "cls.csv"), ("grade", "grade.csv")):
        table[["x1", "x2", "color", target]].to_csv(name, index=False)
    _table(n=30, seed=1).drop(columns=["y", "cls", "grade"]).to_csv("new.csv", index=False)
    return tmp_path


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _read_predictions(path):
    return pd.read_csv(path)


def _kf(task, k=3, seed=0):
    cls = StratifiedKFold if task == "classification" else KFold
    return cls(n_splits=k, shuffle=True, random_state=seed)


FIT_CASES = {
    "lasso-min": (["--model", "lasso"], "y",
                  lambda: LassoCV(alphas=20, cv=_kf("r"), standardize=True)),
    "lasso-fixed": (["--model", "lasso", "--alpha", "0.05"], "y",
                    lambda: Lasso(alpha=0.05, standardize=True)),
    "ridge-1se": (["--model", "ridge", "--alpha", "1se"], "y",
                  lambda: ElasticNetCV(l1_ratio=0.0, alphas=20, cv=_kf("r"), alpha_rule="1se",
                                       standardize=True)),
    "elasticnet-grid": (["--model", "elasticnet", "--l1-ratio", "0.5,1", "--seed", "3",
                         "--no-standardize"], "y",
                        lambda: ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=20,
                                             cv=_kf("r", seed=3), standardize=False)),
    "logistic-l1-binary": (["--model", "logistic-l1"], "cls",
                           lambda: LogisticRegressionCV(l1_ratios=(1.0,), alphas=20,
                                                        measure="deviance",
                                                        use_legacy_attributes=False,
                                                        cv=_kf("classification"),
                                                        standardize=True)),
    "logistic-en-multi": (["--model", "logistic-elasticnet", "--l1-ratio", "0.5",
                           "--alpha", "1se"], "grade",
                          lambda: LogisticRegressionCV(l1_ratios=[0.5], alphas=20,
                                                       measure="deviance",
                                                       use_legacy_attributes=False,
                                                       cv=_kf("classification"),
                                                       alpha_rule="1se", standardize=True)),
    "logistic-l2-fixed": (["--model", "logistic-l2", "--alpha", "0.01"], "grade",
                          lambda: LogisticRegression(alpha=0.01, standardize=True)),
}


@pytest.mark.parametrize("name", list(FIT_CASES))
def test_fit_then_predict_matches_estimator(work, capsys, name):
    options, target, make = FIT_CASES[name]
    data = {"y": "train.csv", "cls": "cls.csv", "grade": "grade.csv"}[target]
    code, out, err = _run(["fit", data, "--target", target, "--cv", 3,
                           "--n-alphas", 20, "-o", "model.json", *options], capsys)
    assert code == 0, err
    assert out.startswith("wrote model.json")
    code, out, err = _run(["predict", "model.json", "new.csv", "-o", "pred.csv"], capsys)
    assert code == 0, err
    assert sorted(os.listdir(work)) == ["cls.csv", "grade.csv", "model.json", "new.csv",
                                        "pred.csv", "train.csv"]

    train, new = pd.read_csv(data), pd.read_csv("new.csv")
    est = make().fit(_design(train), train[target].to_numpy())
    got = _read_predictions("pred.csv")
    assert len(got) == len(new)
    if target == "y":
        assert got.columns.tolist() == ["prediction"]
        np.testing.assert_allclose(got["prediction"], est.predict(_design(new)),
                                   rtol=0, atol=1e-12)
    else:
        assert got.columns.tolist() == ["prediction"] + [f"proba_{c}" for c in est.classes_]
        np.testing.assert_array_equal(got["prediction"].astype(str),
                                      est.predict(_design(new)).astype(str))
        np.testing.assert_allclose(got.iloc[:, 1:].to_numpy(),
                                   est.predict_proba(_design(new)), rtol=0, atol=1e-12)
    model = json.loads(Path("model.json").read_text())
    assert model["standardize"] is est.standardize
    assert model["alpha"] == pytest.approx(getattr(est, "alpha_", None) or est.alpha, abs=0)


def test_predict_ignores_target_and_keeps_row_order(work, capsys):
    assert _run(["fit", "train.csv", "--target", "y", "--model", "lasso", "--cv", 3,
                 "--n-alphas", 10, "--quiet"], capsys)[:2] == (0, "")
    train = pd.read_csv("train.csv")
    shuffled = train.iloc[::-1]
    shuffled.to_csv("rev.csv", index=False)
    assert _run(["predict", "model.json", "rev.csv", "--quiet"], capsys)[0] == 0
    code, out, _ = _run(["predict", "model.json", "train.csv", "-o", "-"], capsys)
    forward = pd.read_csv(io.StringIO(out))
    backward = _read_predictions("predictions.csv")
    np.testing.assert_array_equal(backward["prediction"].to_numpy(),
                                  forward["prediction"].to_numpy()[::-1])


def test_subprocess_python_m_penalized(work):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    fit = subprocess.run([sys.executable, "-m", "penalized", "fit", "cls.csv", "--target",
                          "cls", "--model", "logistic-l1", "--cv", "3", "--n-alphas", "20",
                          "-o", "sub.json"], capture_output=True, text=True, env=env)
    assert fit.returncode == 0, fit.stderr
    pred = subprocess.run([sys.executable, "-m", "penalized", "predict", "sub.json", "new.csv",
                           "-o", "sub.csv"], capture_output=True, text=True, env=env)
    assert pred.returncode == 0, pred.stderr
    bad = subprocess.run([sys.executable, "-m", "penalized", "predict", "sub.json", "nope.csv",
                          "-o", "x.csv"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == ["penalized: error: file not found: nope.csv"]
    train, new = pd.read_csv("cls.csv"), pd.read_csv("new.csv")
    est = LogisticRegressionCV(l1_ratios=(1.0,), alphas=20, measure="deviance",
                               use_legacy_attributes=False, cv=_kf("classification"),
                               standardize=True).fit(_design(train), train["cls"].to_numpy())
    got = _read_predictions("sub.csv")
    np.testing.assert_allclose(got[["proba_no", "proba_yes"]].to_numpy(),
                               est.predict_proba(_design(new)), rtol=0, atol=1e-12)
    assert sorted(os.listdir(work)) == ["cls.csv", "grade.csv", "new.csv", "sub.csv",
                                        "sub.json", "train.csv"]


# ------------------------------------------------------------------ user errors


def _fit_good_model(capsys):
    assert _run(["fit", "train.csv", "--target", "y", "--model", "lasso", "--alpha", "0.1",
                 "-o", "good.json", "--quiet"], capsys)[0] == 0


def _tamper(path):
    text = path.read_text()
    doc = json.loads(text)
    old = repr(next(c for c in doc["coef"] if c != 0))
    i = next(k for k, ch in enumerate(old) if ch in "12345678")
    path.write_text(text.replace(old, old[:i] + str(int(old[i]) + 1) + old[i + 1:], 1))


def _newer(path):
    doc = json.loads(path.read_text())
    doc["format_version"] = 3
    path.write_text(json.dumps(doc))


def _write(name, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(name, mode) as fh:
        fh.write(content)


def _df_with(**columns):
    return _table().assign(**columns)


BAD = {
    "missing target": (None, ["fit", "train.csv", "--target", "price", "--model", "lasso"],
                       "target column 'price' not found"),
    "non-numeric target": (None, ["fit", "cls.csv", "--target", "cls", "--model", "lasso"],
                           "target column 'cls' is not numeric"),
    "single class": (lambda: _df_with(cls="yes").to_csv("d.csv", index=False),
                     ["fit", "d.csv", "--target", "cls", "--model", "logistic-l1"],
                     "single class ('yes')"),
    "rare class": (lambda: _df_with(grade=["a"] * 88 + ["b"] * 2).to_csv("d.csv", index=False),
                   ["fit", "d.csv", "--target", "grade", "--model", "logistic-l2"],
                   "classes with fewer than 5 samples: 'b' (2)"),
    "empty file": (lambda: _write("d.csv", ""), ["fit", "d.csv", "--target", "y", "--model",
                                                 "lasso"], "d.csv is empty"),
    "header only": (lambda: _write("d.csv", "x1,y\n"), ["fit", "d.csv", "--target", "y",
                                                        "--model", "lasso"],
                    "d.csv has a header but no data rows"),
    "all-missing column": (lambda: _df_with(gone=np.nan).to_csv("d.csv", index=False),
                           ["fit", "d.csv", "--target", "y", "--model", "lasso", "--impute",
                            "median"], "column 'gone' is entirely missing"),
    "missing values": (lambda: _df_with(x1=[np.nan] + [1.0] * 89).to_csv("d.csv", index=False),
                       ["fit", "d.csv", "--target", "y", "--model", "lasso"],
                       "missing values in columns 'x1' (1); use --impute median"),
    "non-CSV file": (lambda: _write("d.csv", PNG), ["fit", "d.csv", "--target", "y", "--model",
                                                    "lasso"], "d.csv is a binary file"),
    "missing data file": (None, ["fit", "nope.csv", "--target", "y", "--model", "lasso"],
                          "file not found: nope.csv"),
    "tampered model": (lambda: _tamper(Path("good.json")),
                       ["predict", "good.json", "new.csv", "-o", "out.csv"],
                       "good.json was modified or corrupted"),
    "newer model": (lambda: _newer(Path("good.json")),
                    ["predict", "good.json", "new.csv", "-o", "out.csv"],
                    "model file format version 3 is newer than this penalized (supports 2): "
                    "upgrade penalized"),
    "non-JSON model": (lambda: _write("good.json", PNG),
                       ["predict", "good.json", "new.csv", "-o", "out.csv"],
                       "good.json is not a penalized model file"),
    "data lacks a column": (lambda: pd.read_csv("new.csv").drop(columns="x2")
                            .to_csv("d.csv", index=False),
                            ["predict", "good.json", "d.csv", "-o", "out.csv"],
                            "the data lacks column 'x2' used by the model"),
    "bad option": (None, ["fit", "train.csv", "--target", "y", "--model", "lasso", "--cv", "1"],
                   "argument --cv: must be at least 2, got 1"),
    "unknown model": (None, ["fit", "train.csv", "--target", "y", "--model", "svm"],
                      "argument --model: invalid choice: 'svm'"),
    "task conflict": (None, ["fit", "train.csv", "--target", "y", "--model", "lasso", "--task",
                             "classification"], "--model lasso is a regression model"),
    "l1-ratio for lasso": (None, ["fit", "train.csv", "--target", "y", "--model", "lasso",
                                  "--l1-ratio", "0.5"], "--l1-ratio applies only to"),
    "no output directory": (None, ["fit", "train.csv", "--target", "y", "--model", "lasso",
                                   "-o", "nodir/model.json"],
                            "output directory does not exist: nodir"),
    "no command": (None, [], "choose a command"),
    "compare without target": (None, ["compare", "train.csv"],
                               "--target is required when a DATA file is given"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_user_errors_exit_2_with_one_line(work, capsys, name):
    prepare, argv, message = BAD[name]
    _fit_good_model(capsys)
    if prepare is not None:
        prepare()
    before = sorted(os.listdir(work))
    code, out, err = _run(argv, capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("penalized: error: ")
    assert message in lines[0]
    assert "Traceback" not in err and out == ""
    assert sorted(os.listdir(work)) == before


def test_compare_passes_its_options(work, capsys, monkeypatch):
    import types

    from penalized.tables.data import DataError

    seen = []

    def run(args):
        seen.append(args)
        if args.target == "bad":
            raise DataError("target column 'bad' not found")
        return 0

    monkeypatch.setitem(sys.modules, "penalized.report.compare",
                        types.SimpleNamespace(run=run))
    assert _run(["compare"], capsys)[0] == 0
    args = seen[-1]
    assert (args.data, args.target, args.task, args.test_size, args.cv, args.seed, args.out,
            args.json, args.impute, args.quiet) == (None, None, "auto", 0.25, 5, 0, "report.html",
                                                    None, None, False)
    assert _run(["compare", "train.csv", "--target", "y", "--task", "regression",
                 "--test-size", "0.3", "--cv", "4", "--seed", "7", "--out", "r.html", "--json",
                 "r.json", "--impute", "median", "--quiet"], capsys)[0] == 0
    args = seen[-1]
    assert (args.data, args.target, args.task, args.test_size, args.cv, args.seed, args.out,
            args.json, args.impute, args.quiet) == ("train.csv", "y", "regression", 0.3, 4, 7,
                                                    "r.html", "r.json", "median", True)
    code, out, err = _run(["compare", "train.csv", "--target", "bad"], capsys)
    assert (code, err) == (2, "penalized: error: target column 'bad' not found\n")
    code, out, err = _run(["compare", "--test-size", "1.5"], capsys)
    assert code == 2 and err.startswith("penalized: error: argument --test-size: must be")


def test_failed_write_leaves_previous_output(work, capsys, monkeypatch):
    _fit_good_model(capsys)
    Path("out.csv").write_text("old\n")

    def broken(self, fh, **kwargs):
        fh.write("prediction\n1.0\n")
        raise OSError(28, "No space left on device", "out.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    code, out, err = _run(["predict", "good.json", "new.csv", "-o", "out.csv"], capsys)
    assert code == 2
    assert err == "penalized: error: No space left on device: out.csv\n"
    assert Path("out.csv").read_text() == "old\n"
    assert sorted(os.listdir(work)) == ["cls.csv", "good.json", "grade.csv", "new.csv",
                                        "out.csv", "train.csv"]


def test_help_and_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("penalized ")
    assert main(["fit", "--help"]) == 0
    assert "--l1-ratio" in capsys.readouterr().out


# ------------------------------------------------------- continuous target, class model

CLASSIFIERS = ("logistic-l1", "logistic-l2", "logistic-elasticnet")


def _diabetes_csv(path, jitter=False):
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False, as_frame=True)
    if jitter:  # non-integer values
        y = y + np.random.default_rng(0).uniform(0, 0.5, len(y))
    X.assign(target=y).to_csv(path, index=False)
    return int(y.nunique())


@pytest.mark.parametrize("jitter", [False, True], ids=["integer", "non-integer"])
@pytest.mark.parametrize("argv", [["fit", "--model", m] for m in CLASSIFIERS]
                         + [["fit", "--model", "logistic-l1", "--alpha", "0.1"],
                            ["compare", "--task", "classification"]],
                         ids=lambda a: "-".join(a[::2] + a[1::2][1:]))
def test_continuous_target_with_a_classifier_is_short_and_says_what_to_do(
        work, capsys, argv, jitter):
    n_distinct = _diabetes_csv("diab.csv", jitter)
    assert n_distinct > 200  # what the old message listed, class by class
    before = sorted(os.listdir(work))
    code, out, err = _run([argv[0], "diab.csv", "--target", "target", *argv[1:]], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 200, err
    assert f"target column 'target' looks continuous ({n_distinct} distinct values" \
        in lines[0]
    if argv[0] == "fit":
        assert lines[0].endswith("use a regression model: --model lasso, ridge or elasticnet")
    else:
        assert lines[0].endswith("use --task regression")
    assert sorted(os.listdir(work)) == before


def test_many_rare_classes_are_listed_briefly(work, capsys):
    # 32 integer classes, 12 of them with 3 samples: classes (not continuous), too rare
    labels = np.repeat(np.arange(32), [6] * 20 + [3] * 12)
    table = _table(n=labels.size).assign(label=labels)
    table[["x1", "x2", "color", "label"]].to_csv("rare.csv", index=False)
    code, out, err = _run(["fit", "rare.csv", "--target", "label", "--model", "logistic-l2"],
                          capsys)
    assert code == 2
    (line,) = err.splitlines()
    assert "classes with fewer than 5 samples: 20 (3), 21 (3)" in line
    assert "... (12 classes in all)" in line and len(line) < 250
