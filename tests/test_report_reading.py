"""The reading of ``penalized compare`` says what its table says, claim by claim.

Each sentence of the reading is parsed with a pattern of its own (a sentence that matches
none fails the test), and every number and verdict in it is checked three ways: against
the rendered HTML table (the same cell text), against numbers recomputed here from the
reported coefficients and the test data (test metrics, paired differences and their
standard errors, written out below without the report's code), and against the verdict
those numbers imply (a difference within one standard error, or not). The data sets:
diabetes, a synthetic regression with a categorical column (one-hot encoded here),
breast_cancer (binary) and wine (three classes), with several seeds.
"""

import html as htmllib
import json
import re
from argparse import Namespace

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.model_selection import train_test_split

from penalized.report.compare import compare_models, run
from penalized.report.html import render

pytest.importorskip("matplotlib")

NAME = r"(?:Unpenalized|(?:Ridge|Lasso|ElasticNet) \((?:min|1se)\))"
NUM = r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?"
SIGNED = r"[-+]\d+(?:\.\d+)?(?:e[-+]\d+)?"
ITEM = rf"({NAME}) ({SIGNED}) \(SE ({NUM})\)"


# ------------------------------------------------------------------------------- data
def _diabetes(seed):
    X, y = load_diabetes(return_X_y=True, scaled=False)
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    return X, y, names, "regression", None


def _synthetic(seed):
    """Few rows, many noise columns and a categorical column: the unpenalized fit overfits."""
    rng = np.random.default_rng(seed)
    n = 90
    df = pd.DataFrame(rng.normal(size=(n, 25)), columns=[f"x{j}" for j in range(25)])
    df["region"] = rng.choice(["north", "south", "east", "west"], n)
    y = (2.0 * df["x0"] - df["x1"] + 1.5 * (df["region"] == "north")
         + rng.normal(scale=1.5, size=n)).to_numpy()
    X = pd.get_dummies(df, columns=["region"], dtype=float)
    return X.to_numpy(), y, list(X.columns), "regression", None


def _breast_cancer(seed):
    X, y = load_breast_cancer(return_X_y=True)
    return X, y, [f"f{j}" for j in range(X.shape[1])], "classification", ["malignant",
                                                                              "benign"]


def _wine(seed):
    X, y = load_wine(return_X_y=True)
    return X, y, [f"f{j}" for j in range(X.shape[1])], "classification", ["a", "b", "c"]


CASES = [("diabetes", _diabetes, s) for s in (0, 1, 2)] + \
        [("synthetic-categorical", _synthetic, s) for s in (0, 1, 2)] + \
        [("breast_cancer", _breast_cancer, s) for s in (0, 1)] + [("wine", _wine, 0)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-seed{c[2]}")
def case(request):
    _, make, seed = request.param
    X, y, names, task, classes = make(seed)
    strat = y if task == "classification" else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=strat)
    res = compare_models(Xtr, ytr, names, task, X_test=Xte, y_test=yte, cv=5, seed=seed,
                         classes=classes)
    return res, render(res), (Xtr, Xte, ytr, yte)


# ----------------------------------------------------------------------------- table
def _table(page):
    """{model name: {header: cell text}} of the page's comparison table."""
    block = re.search(r'<table id="comparison">(.*?)</table>', page, re.S).group(1)
    heads = [htmllib.unescape(h) for h in re.findall(r"<th>(.*?)</th>", block)]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", block.split("<tbody>")[1], re.S):
        cells = [htmllib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        row = dict(zip(heads, cells, strict=True))
        rows[row["model"]] = row
    return rows


def _reading(page):
    block = re.search(r'<ul class="reading">(.*?)</ul>', page, re.S).group(1)
    return [htmllib.unescape(s) for s in re.findall(r"<li>(.*?)</li>", block, re.S)]


# ------------------------------------------------------------ independent reference
def _losses(task, y, eta):
    if task == "regression":
        return (y - eta) ** 2
    if eta.ndim == 1:  # binary: -log p(y) with p = 1 / (1 + exp(-eta))
        return np.where(y == 1, np.log1p(np.exp(-eta)), np.log1p(np.exp(eta)))
    return logsumexp(eta, axis=1) - eta[np.arange(y.size), y.astype(int)]


class Reference:
    """Test metrics and paired comparisons recomputed from the reported coefficients."""

    def __init__(self, res, Xte, yte):
        self.task, self.metric = res["task"], res["primary_metric"]
        self.loss = {m["name"]: _losses(self.task, yte, Xte @ np.asarray(m["coef"])
                                        + np.asarray(m["intercept"]))
                     for m in res["models"]}

    def value(self, name):
        v = np.mean(self.loss[name])
        return float(np.sqrt(v) if self.metric == "rmse" else v)

    def compare(self, a, b):
        """(difference of the test metrics, its standard error paired over the samples)."""
        la, lb = self.loss[a], self.loss[b]
        n = la.size
        if self.metric == "log_loss":
            d = la - lb
            return float(d.mean()), float(d.std(ddof=1) / np.sqrt(n))
        # RMSE = sqrt(mean squared error): first-order expansion of each square root
        ra, rb = np.sqrt(la.mean()), np.sqrt(lb.mean())
        lin = (la - la.mean()) / (2 * ra) - (lb - lb.mean()) / (2 * rb)
        return float(ra - rb), float(lin.std(ddof=1) / np.sqrt(n))


def close(text, value):
    """A number printed with 4 significant digits equals ``value``."""
    x = float(text)
    return abs(x - value) <= 5e-4 * abs(value) + 1e-12


def check_pair(ref, table_cell, name, reference, d_text, se_text):
    d, se = ref.compare(name, reference)
    assert close(d_text, d) and close(se_text, se), (name, reference, d_text, se_text, d, se)
    assert table_cell == f"{d_text} ({se_text})", (table_cell, d_text, se_text)
    return float(d_text), float(se_text)


# ---------------------------------------------------------------------------- claims
def test_every_claim_matches_the_table_and_the_numbers(case):
    res, page, (Xtr, Xte, ytr, yte) = case
    check_claims(res, page, Xte, yte)


def test_the_issue_csv_through_the_command(tmp_path):
    """The issue's data: diabetes as a CSV with a categorical column and missing values."""
    X, y = load_diabetes(return_X_y=True, scaled=False, as_frame=True)
    df = X.copy()
    rng = np.random.default_rng(0)
    df.insert(2, "region", rng.choice(["north", "south", "east", "west"], len(df)))
    df.loc[[5, 300], "bmi"] = np.nan
    df["target"] = y
    df.to_csv(tmp_path / "d.csv", index=False)
    args = Namespace(data=str(tmp_path / "d.csv"), target="target", task="auto",
                     test_size=0.25, cv=5, seed=0, out=str(tmp_path / "r.html"),
                     json=str(tmp_path / "r.json"), impute="median", quiet=True)
    assert run(args) == 0
    res = json.loads((tmp_path / "r.json").read_text())
    # the test rows encoded by hand, columns in the file's order: region as one indicator
    # per sorted level, the missing bmi values as the median of the training rows
    train, test = train_test_split(np.arange(len(df)), test_size=0.25, random_state=0)
    feats = df.drop(columns="target")
    columns, names = [], []
    for c in feats.columns:
        if c == "region":
            for r in sorted(feats[c].unique()):
                columns.append((feats[c] == r).to_numpy(float))
                names.append(f"region={r}")
        else:
            columns.append(feats[c].fillna(feats[c].iloc[train].median()).to_numpy())
            names.append(c)
    design = np.column_stack(columns)
    assert res["feature_names"] == names
    check_claims(res, (tmp_path / "r.html").read_text(), design[test], y.to_numpy()[test])


def check_claims(res, page, Xte, yte):
    table, sentences = _table(page), _reading(page)
    assert sentences == res["reading"]
    ref = Reference(res, Xte, yte)
    label = {"rmse": "RMSE", "log_loss": "log-loss"}[res["primary_metric"]]
    test_col, gap_col = f"test {label}", f"gap (test − train {label})"
    best_col, ridge_col = f"test {label} − best's (SE)", f"test {label} − Ridge's, same rule (SE)"
    within_col = "within 1 SE of best"
    names = list(table)
    p = res["n_features"]
    best = min(names, key=ref.value)
    seen = set()

    for s in sentences:
        if m := re.fullmatch(rf"The best test {label} is ({NUM}), by ({NAME})\.", s):
            value, name = m.groups()
            assert name == best == res["best"]
            assert table[name][test_col] == value and close(value, ref.value(name))
            assert table[name][best_col] == "best"
            seen.add("best")
        elif m := re.fullmatch(
                rf"Within one standard error of ({NAME}) \(test {label} difference, paired "
                rf"over the (\d+) test samples\): (.*); on this test set these models cannot "
                r"be told apart from the best\.", s):
            reference, n_test, items = m.groups()
            assert reference == best and int(n_test) == len(yte)
            listed = re.findall(ITEM, items)
            assert ", ".join(f"{a} {b} (SE {c})" for a, b, c in listed) == items
            for name, d, se in listed:
                d, se = check_pair(ref, table[name][best_col], name, best, d, se)
                assert 0 <= d <= se and table[name][within_col] == "yes"
            assert {x[0] for x in listed} == {n for n in names
                                              if table[n][within_col] == "yes"} - {best}
            seen.add("close")
        elif m := re.fullmatch(rf"No other model is within one standard error of ({NAME}) "
                               rf"\(test {label} difference, paired over the (\d+) test "
                               r"samples\)\.", s):
            assert m.group(1) == best
            assert [n for n in names if table[n][within_col] == "yes"] == [best]
            seen.add("close")
        elif m := re.fullmatch(rf"Worse than ({NAME}) by more than one standard error: "
                               r"(.*)\.", s):
            reference, items = m.groups()
            assert reference == best
            listed = re.findall(ITEM, items)
            assert ", ".join(f"{a} {b} (SE {c})" for a, b, c in listed) == items
            for name, d, se in listed:
                d, se = check_pair(ref, table[name][best_col], name, best, d, se)
                assert d > se and table[name][within_col] == "no"
            assert {x[0] for x in listed} == {n for n in names
                                              if table[n][within_col] == "no"}
            seen.add("worse")
        elif m := re.fullmatch(
                rf"(Lasso \((min|1se)\)) kept (\d+) of (\d+) features \(selection stability "
                rf"across folds ({NUM})\); its test {label}, ({NUM}), vs (Ridge \(\2\))'s, "
                rf"({NUM}): difference ({SIGNED}) \(SE ({NUM})\), (.*?)\."
                rf"(?: Yet against the best, ({NAME}), its difference ({SIGNED}) \(SE ({NUM})\) "
                r"is within one standard error: the difference to Ridge \(\2\) is smaller but "
                r"less noisy\.)?", s):
            (lasso, rule, k, pp, stab, v, ridge, w, d, se, verdict, b_ref, b_d,
             b_se) = m.groups()
            row = table[lasso]
            assert row["nonzero"] == f"{k} / {p}" and int(pp) == p
            coef = np.asarray(next(x["coef"] for x in res["models"] if x["name"] == lasso))
            assert int(k) == np.count_nonzero(np.any(coef.reshape(p, -1) != 0, axis=1))
            assert row["stability"] == stab
            assert row[test_col] == v and table[ridge][test_col] == w
            assert close(v, ref.value(lasso)) and close(w, ref.value(ridge))
            d, se = check_pair(ref, row[ridge_col], lasso, ridge, d, se)
            expected = ("within one standard error of each other: L1 and L2 cannot be told "
                        "apart here" if abs(d) <= se else
                        f"{'better' if d < 0 else 'worse'} than Ridge's by more than one "
                        "standard error")
            assert verdict == expected
            if b_ref is not None:  # both comparisons are stated, with their own numbers
                assert b_ref == best and d > se
                b_d, b_se = check_pair(ref, row[best_col], lasso, best, b_d, b_se)
                assert b_d <= b_se and row[within_col] == "yes" and d <= b_d and se < b_se
            else:
                assert not (d > se and row[within_col] == "yes" and ridge != best)
            seen.add(f"l1-{rule}")
        elif m := re.fullmatch(rf"ElasticNet chose l1_ratio = ({NUM}) by cross-validation; "
                               r"ElasticNet \(min\) kept (\d+) of (\d+) features and "
                               r"ElasticNet \(1se\) (\d+)\.", s):
            ratio, k_min, pp, k_1se = m.groups()
            assert table["ElasticNet (min)"]["l1_ratio"] == ratio
            assert table["ElasticNet (1se)"]["l1_ratio"] == ratio
            assert table["ElasticNet (min)"]["nonzero"] == f"{k_min} / {p}"
            assert table["ElasticNet (1se)"]["nonzero"] == f"{k_1se} / {p}"
            seen.add("en")
        elif m := re.fullmatch(rf"Train-test gap \(test minus train {label}\): Unpenalized "
                               rf"({NUM}); (.*); (\d+) of the (\d+) penalized models have a "
                               r"smaller gap than the unpenalized one\.", s):
            g_ols, items, n_smaller, n_pen = m.groups()
            listed = re.findall(rf"({NAME}) ({NUM})", items)
            assert ", ".join(f"{a} {b}" for a, b in listed) == items
            assert [a for a, _ in listed] == [n for n in names if n != "Unpenalized"]
            assert table["Unpenalized"][gap_col] == g_ols
            for name, g in listed:
                assert table[name][gap_col] == g
            gaps = {m["name"]: m["gap"] for m in res["models"]}
            train = {m["name"]: m["train"][res["primary_metric"]] for m in res["models"]}
            for name in names:  # the gap is the test metric minus the train metric
                assert gaps[name] == pytest.approx(ref.value(name) - train[name], rel=1e-9,
                                                   abs=1e-12)
            assert int(n_pen) == len(listed)
            assert int(n_smaller) == sum(gaps[n] < gaps["Unpenalized"] for n, _ in listed)
            seen.add("gap")
        elif s == (f"The unpenalized model has the best test {label}: penalization does not "
                   "improve on it on this test set."):
            assert best == "Unpenalized"
            seen.add("ols")
        elif m := re.fullmatch(
                rf"The unpenalized model's test {label} is (within one standard error of the "
                rf"best's|worse than the best's), ({NAME}),? (?:by more than one standard "
                rf"error )?\(({SIGNED}) \(SE ({NUM})\)\): (.*)\.", s):
            how, reference, d, se, conclusion = m.groups()
            assert reference == best
            d, se = check_pair(ref, table["Unpenalized"][best_col], "Unpenalized", best, d, se)
            if how.startswith("within"):
                assert d <= se and table["Unpenalized"][within_col] == "yes"
                assert conclusion == ("whatever it overfits costs nothing measurable on this "
                                      "test set")
            else:
                assert d > se and table["Unpenalized"][within_col] == "no"
                assert conclusion == "it overfits, and penalization helps on this data"
            seen.add("ols")
        elif m := re.fullmatch(r"Note: the unpenalized fit does not exist here \((.*)\); "
                               rf"shown: the lasso at the smallest alpha of its path "
                               rf"\(({NUM})\)\.", s):
            assert table["Unpenalized"]["alpha"] == m.group(2)
            assert float(m.group(2)) == pytest.approx(res["paths"]["lasso"]["alphas"][-1],
                                                      rel=5e-4)
        elif m := re.fullmatch(r"(\d+) fit\(s\) along the paths stopped at max_iter before "
                               r"reaching the tolerance \(ConvergenceWarning\); their numbers "
                               r"are approximate\.", s):
            assert int(m.group(1)) == res["convergence_warnings"] > 0
        else:
            pytest.fail(f"a sentence of the reading matches no known claim: {s!r}")
    assert {"best", "close", "l1-min", "l1-1se", "en", "gap", "ols"} <= seen


def test_table_marks_follow_the_recomputed_comparisons(case):
    """The table alone: within 1 SE of the best iff the difference is at most its SE."""
    res, page, (Xtr, Xte, ytr, yte) = case
    table = _table(page)
    ref = Reference(res, Xte, yte)
    label = {"rmse": "RMSE", "log_loss": "log-loss"}[res["primary_metric"]]
    best = min(table, key=ref.value)
    for name, row in table.items():
        if name == best:
            assert row[f"test {label} − best's (SE)"] == "best"
            assert row["within 1 SE of best"] == "yes"
            continue
        d, se = ref.compare(name, best)
        assert row["within 1 SE of best"] == ("yes" if d <= se else "no")
        cell = row[f"test {label} − best's (SE)"]
        d_text, se_text = re.fullmatch(rf"({SIGNED}) \(({NUM})\)", cell).groups()
        assert close(d_text, d) and close(se_text, se)
        # the difference is that of the two test-metric cells (up to their rounding)
        a, b = float(row[f"test {label}"]), float(table[best][f"test {label}"])
        assert abs(a - b - float(d_text)) <= 5e-4 * (abs(a) + abs(b) + abs(d)) + 1e-12


def test_rmse_standard_error_is_a_standard_error():
    """The SE of a test-RMSE difference matches the spread of bootstrap replicates."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    res = compare_models(Xtr, ytr, [f"f{j}" for j in range(10)], "regression", X_test=Xte,
                         y_test=yte, cv=5, seed=0)
    models = {m["name"]: m for m in res["models"]}
    rng = np.random.default_rng(0)
    boots = rng.integers(0, yte.size, size=(4000, yte.size))
    for name in ("Lasso (1se)", "Unpenalized"):
        c = models[name].get("vs_ridge") or models[name]["vs_best"]
        ref = models[c["reference"]]

        def rmse(m, idx):
            e = (yte[idx] - Xte[idx] @ np.asarray(m["coef"]) - m["intercept"]) ** 2
            return np.sqrt(e.mean(axis=-1))

        reps = rmse(models[name], boots) - rmse(ref, boots)
        assert c["diff"] == pytest.approx(models[name]["test"]["rmse"] - ref["test"]["rmse"])
        assert c["se"] == pytest.approx(reps.std(), rel=0.15)
