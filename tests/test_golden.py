"""Golden masters: glmnet 4.1 and survival::coxph fits, written by
``benchmarks/glmnet_golden.R`` into ``tests/golden/`` (the tests never need R).

Each glmnet path point (lambda, glmnet's alpha) is refitted here with ``alpha = lambda``,
``l1_ratio`` = glmnet's alpha and glmnet's rescaled penalty factors
(``pf * n_features / sum(pf)``); both solutions are scored on this package's objective,
which must agree to 1e-6 relative (ours never worse). At lambda 0 the Cox coefficients
equal ``survival::coxph``'s (Efron and Breslow ties, weights, strata, offset) to 1e-6.

glmnet's gaussian family standardizes y internally: its elastic-net L2 part is
``lambda (1 - alpha) / (2 sd(y)) ||w||^2`` (sd weighted, 1/S), so the gaussian fits use
``alpha' = lambda (alpha + (1 - alpha) / sd(y))`` and ``l1_ratio = lambda alpha / alpha'``
(the lasso, and every other family, map as ``alpha = lambda``).
"""

from pathlib import Path

import numpy as np
import pytest

from penalized import BinomialRegressor, CoxPH, solve
from penalized.datafits import Binomial, Cox, Logistic, Poisson, Quadratic
from penalized.datafits.cox import survival_target
from penalized.penalties import ElasticNet

GOLDEN = Path(__file__).parent / "golden"
PF = np.array([1, 1, 0.5, 2, 1, 0], dtype=float)  # as in glmnet_golden.R
PF_GLMNET = PF * PF.size / PF.sum()


def _read(name):
    with open(GOLDEN / name) as f:
        header = [h.strip('"') for h in f.readline().strip().split(",")]
    rows = np.genfromtxt(GOLDEN / name, delimiter=",", skip_header=1, dtype=None,
                         encoding="utf-8")
    cols = {h: np.array([r[i] for r in np.atleast_1d(rows)]) for i, h in enumerate(header)}
    return cols


def _data(name):
    cols = _read(f"{name}_data.csv")
    X = np.column_stack([cols[f"x{j}"].astype(float) for j in range(1, 7)])
    return X, cols


def _problem(name):
    X, c = _data(name)
    w = c["w"].astype(float)
    if name == "gaussian":
        return X, c["y"].astype(float), w, None, Quadratic()
    if name == "binomial":
        return X, c["y"].astype(float), w, None, Logistic()
    if name == "binomial_counts":
        s, f = c["successes"].astype(float), c["failures"].astype(float)
        trials = s + f
        return X, s / trials, w * trials, None, Binomial()
    if name == "poisson_offset":
        return X, c["y"].astype(float), w, c["offset"].astype(float), Poisson()
    raise ValueError(name)


def _cox_problem(name):
    X, c = _data("cox")
    w = c["w"].astype(float)
    y = np.column_stack([c["time"], c["status"]]).astype(float)
    if name == "cox":
        return X, survival_target(y), w, c["offset"].astype(float), Cox()
    return X, survival_target(y, c["strata"]), w, None, Cox()  # cox_strata


def _penalty(name, lam, l1, y, w):
    """glmnet's (lambda, alpha) as this package's elastic net (see the module docstring)."""
    if name != "gaussian":
        return ElasticNet(lam, l1, PF_GLMNET)
    ybar = np.average(y, weights=w)
    sd = np.sqrt(np.average((y - ybar) ** 2, weights=w))
    alpha = lam * (l1 + (1 - l1) / sd)
    return ElasticNet(alpha, lam * l1 / alpha, PF_GLMNET)


def _objective(X, y, w, off, datafit, pen, coef, b):
    eta = X @ coef + b + (0.0 if off is None else off)
    return datafit.bind(y, w).value(y, eta, w) + pen.value(coef)


CASES = ["gaussian", "binomial", "binomial_counts", "poisson_offset", "cox", "cox_strata"]


@pytest.mark.parametrize("name", CASES)
def test_same_objective_as_glmnet(name):
    X, y, w, off, datafit = (_cox_problem if name.startswith("cox") else _problem)(name)
    path = _read(f"{name}_path.csv")
    has_b = "(Intercept)" in path
    worst = 0.0
    l1s = path["l1_ratio"].astype(float)
    assert set(l1s) == {1.0, 0.5}  # lasso and elastic net
    for i in range(l1s.size):
        lam, l1 = float(path["lambda"][i]), float(l1s[i])
        coef_g = np.array([float(path[f"x{j}"][i]) for j in range(1, 7)])
        b_g = float(path["(Intercept)"][i]) if has_b else 0.0
        pen_spec = _penalty(name, lam, l1, y, w)
        res = solve(X, y, datafit, pen_spec, sample_weight=w, offset=off, tol=1e-10,
                    fit_intercept=has_b, max_iter=100_000)
        pen = pen_spec.arrays(6)
        p_g = _objective(X, y, w, off, datafit, pen, coef_g, b_g)
        p_o = _objective(X, y, w, off, datafit, pen, res.coef, res.intercept)
        rel = (p_o - p_g) / abs(p_g)
        assert rel <= 1e-12, (name, lam, l1, p_o, p_g)  # never worse than glmnet
        worst = max(worst, abs(rel))
        np.testing.assert_allclose(res.coef, coef_g, atol=1e-4)  # the objective decides
    assert worst <= 1e-6, worst


def _coxph_rows():
    c = _read("coxph_lambda0.csv")
    for i in range(c["ties"].size):
        yield (str(c["ties"][i]).strip('"'), str(c["case"][i]).strip('"'),
               np.array([float(c[f"x{j}"][i]) for j in range(1, 7)]))


@pytest.mark.parametrize("ties,case,coef", list(_coxph_rows()))
def test_cox_lambda0_equals_survival_coxph(ties, case, coef):
    X, c = _data("cox")
    y = np.column_stack([c["time"], c["status"]]).astype(float)
    kw = {}
    if case == "weights":
        kw = dict(sample_weight=c["w"].astype(float))
    elif case == "weights_strata":
        kw = dict(sample_weight=c["w"].astype(float), strata=c["strata"])
    else:
        kw = dict(offset=c["offset"].astype(float))
    # survival's weighted Efron (penalized's default counts a weight as tied copies)
    model = CoxPH(alpha=0.0, ties=ties, efron_weights="survival", tol=1e-12,
                  max_iter=100_000).fit(X, y, **kw)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-6, atol=1e-8)


def test_binomial_counts_estimator_matches_glmnet_path():
    """BinomialRegressor on the [successes, failures] table gives glmnet's coefficients."""
    X, c = _data("binomial_counts")
    counts = np.column_stack([c["successes"], c["failures"]]).astype(float)
    path = _read("binomial_counts_path.csv")
    i = int(np.flatnonzero(path["l1_ratio"].astype(float) == 1.0)[-1])
    model = BinomialRegressor(alpha=float(path["lambda"][i]), l1_ratio=1.0,
                              penalty_factor=PF_GLMNET, tol=1e-10).fit(
        X, counts, sample_weight=c["w"].astype(float))
    coef_g = np.array([float(path[f"x{j}"][i]) for j in range(1, 7)])
    np.testing.assert_allclose(model.coef_, coef_g, atol=1e-5)
    np.testing.assert_allclose(model.intercept_, float(path["(Intercept)"][i]), atol=1e-5)
