"""Property tests over random problems for every public estimator of ``penalized``.

Each property is a hypothesis test (``derandomize=True``: CI sees the same examples on
every run) parametrized over the estimators it applies to. A drawn case is a random
problem: dense or sparse X, float64 or float32, n and p from 1 to 50, with or without
sample weights, intercept, penalty factors, bounds, standardization, as the estimator
offers them. Every reference is computed here in float64 numpy from the problem's
objective as the estimator's docstring writes it, never by penalized:

* optimality: no coordinate (or block, or intercept) step lowers the objective by more
  than the reported certificate (the prox-gradient KKT residual ``v_j``, recomputed by
  hand from ``coef_``/``intercept_``, bounds the suboptimality from below by
  ``v_j^2 / (2 L_j)``, ``L_j`` a curvature bound along the step), and the certificate
  meets its ``tol`` target; for MCP/SCAD the critical-point criterion, recomputed;
* ``alpha >= alpha_max`` (computed here from the null model) gives zero coefficients;
* permuting the features permutes the solution; a duplicated sample is a weight of 2;
  scaling y (and alpha as the objective requires) scales least-squares coefficients:
  each compared through the objective (both solutions within their certificates) and,
  where the problem is strongly convex, the coefficients' distance bound;
* refitting gives bit-identical coefficients; fit never modifies X, y or sample_weight;
* float32 fits are within float32 accuracy of the float64 ones (the objective of the
  float64 problem at both solutions, with the exact difference of the two problems).
"""

import os
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy.optimize import minimize_scalar
from scipy.special import expit, logsumexp, xlogy
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import penalized

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)

# Bounded example counts: the whole file runs in well under 3 minutes (warm numba cache).
N_FIT = int(os.environ.get("PENALIZED_PROPS_N_FIT", 16))  # per (property, estimator)
N_CV = int(os.environ.get("PENALIZED_PROPS_N_CV", 6))  # per (property, CV estimator)


def _settings(n):
    extra = {}
    if os.environ.get("PENALIZED_PROPS_NO_SHRINK"):  # while investigating: report fast
        extra["phases"] = [Phase.explicit, Phase.reuse, Phase.generate]
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture], **extra)


# --------------------------------------------------------------------------------------
# Random problems
# --------------------------------------------------------------------------------------
@dataclass
class Case:
    seed: int
    n: int
    p: int
    sparse: bool
    f32: bool
    weighted: bool
    intercept: bool
    frac: float  # alpha as a fraction of alpha_max
    l1: float  # l1_ratio where the estimator has one
    pf: str  # "none", "random", "with_zero"
    bounded: bool
    standardize: bool


def cases(min_p=1):
    return st.builds(
        Case,
        seed=st.integers(0, 2**31 - 1),
        n=st.integers(1, 50),
        p=st.integers(min_p, 50),
        sparse=st.booleans(),
        f32=st.booleans(),
        weighted=st.booleans(),
        intercept=st.booleans(),
        frac=st.sampled_from([0.01, 0.05, 0.2, 0.5, 0.9]),
        l1=st.sampled_from([1.0, 0.7, 0.3]),
        pf=st.sampled_from(["none", "random", "with_zero"]),
        bounded=st.booleans(),
        standardize=st.booleans(),
    )


@dataclass
class Problem:
    X: np.ndarray  # float64 values of what is fitted (float32-rounded when f32)
    y: np.ndarray  # targets as fitted (labels, counts, 2-D for multi-task)
    sw: np.ndarray  # None or float64
    Xfit: object  # the container passed to fit
    rng: np.random.Generator = field(repr=False)


def make_problem(case, target, min_n=1):
    rng = np.random.default_rng(case.seed)
    n, p = max(case.n, min_n), case.p
    X = rng.standard_normal((n, p)) * rng.uniform(0.3, 3.0, p) + rng.uniform(-2, 2, p)
    if case.sparse:
        X = X * (rng.uniform(size=(n, p)) < 0.5)
    w = rng.standard_normal(p) * (rng.uniform(size=p) < 0.5)
    eta = X @ w / np.sqrt(p)
    if target == "reg":
        y = 1.5 + eta + 0.5 * rng.standard_normal(n)
    elif target == "mt":
        W = rng.standard_normal((p, 3)) * (rng.uniform(size=(p, 1)) < 0.5)
        y = X @ W / np.sqrt(p) + 0.5 * rng.standard_normal((n, 3))
    elif target == "bin":
        y = (eta + 0.8 * rng.standard_normal(n) > 0).astype(int)
        y[: 2] = [0, 1]  # both classes present (three of each for 3-fold CV)
        if n >= 6:
            y[: 6] = [0, 1, 0, 1, 0, 1]
    elif target == "multi":
        y = rng.integers(0, 3, n)
        y[: 3] = [0, 1, 2]
        if n >= 9:
            y[: 9] = np.tile([0, 1, 2], 3)
    elif target == "count":
        y = rng.poisson(np.exp(np.clip(0.5 * eta, -3, 3))).astype(float)
        y[0] = max(y[0], 1.0)  # not all zero
    elif target == "gamma":  # positive, continuous
        y = rng.gamma(2.0, np.exp(np.clip(0.5 * eta, -3, 3)) / 2.0)
    elif target == "tweedie":  # compound Poisson-Gamma (power in (1, 2)): zeros and positives
        counts = rng.poisson(np.exp(np.clip(0.5 * eta, -3, 3)))
        y = np.array([rng.gamma(2.0, 0.5, c).sum() for c in counts])
        y[0] = max(y[0], 0.7)  # not all zero
    elif target in ("prop", "table"):  # binomial: successes of trials (0 to 9 per row)
        trials = rng.integers(0 if target == "table" else 1, 10, n)
        succ = rng.binomial(trials, expit(eta))
        trials[0], succ[0] = 2, 1  # a proportion strictly inside (0, 1)
        if target == "table":  # [successes, failures], rows of zero trials included
            y = np.column_stack([succ, trials - succ])
        else:  # proportions, the trials are sample weights (times the drawn weights)
            y = succ / trials
    elif target == "surv":  # [time, event], times rounded (ties), events at both ends
        t = rng.exponential(np.exp(-np.clip(0.5 * eta, -3, 3)))
        c = rng.exponential(2.0, n)
        time, event = np.round(np.minimum(t, c), 1), (t <= c).astype(float)
        event[[0, n // 2, n - 1]] = 1.0  # every fold of a 3-fold CV has events
        if case.seed % 3 == 0:  # scikit-survival's structured array (event, time)
            y = np.zeros(n, dtype=[("event", bool), ("time", float)])
            y["event"], y["time"] = event > 0, time
        else:
            y = np.column_stack([time, event])
    else:
        raise AssertionError(target)
    if case.f32:
        X = X.astype(np.float32)
        if target in ("reg", "mt"):
            y = y.astype(np.float32)
    Xfit = sp.csc_matrix(X) if case.sparse else np.asfortranarray(X)
    sw = rng.uniform(0.2, 3.0, n) if case.weighted else None
    if target == "prop" and case.weighted:
        sw = sw * trials
    return Problem(np.asarray(X, dtype=np.float64), y, sw, Xfit, rng)


def container(X, sparse, f32):
    X = X.astype(np.float32 if f32 else np.float64)
    return sp.csc_matrix(X) if sparse else np.asfortranarray(X)


# --------------------------------------------------------------------------------------
# The objective, written here (mean-loss form, float64)
# --------------------------------------------------------------------------------------
@dataclass
class Pen:
    """The penalty of a fitted model, at its strength.

    kind "sep": sum_jk a_j |W_jk| + bw_j / 2 W_jk^2, lo_j <= W_jk <= up_j;
    "rows": sum_j a_j ||W_j|| + bw_j / 2 ||W_j||^2;
    "group": sum_g wg_g ||w_g|| + sum_j a_j |w_j| (w >= 0 when positive);
    "mcp"/"scad": sum_j P(scale_j |w_j|; lam_j, gamma), lo_j <= w_j <= up_j.
    """
    kind: str
    a: np.ndarray = None
    bw: np.ndarray = None
    lo: np.ndarray = None
    up: np.ndarray = None
    groups: list = None
    wg: np.ndarray = None
    positive: bool = False
    gamma: float = None
    scale: np.ndarray = None


@dataclass
class Model:
    """A fitted model on the problem it claims to solve, in penalized's mean-loss form
    ``1/S sum_i s_i l(y_i, x_i W + b) + pen(W)`` (W of shape (p, K))."""
    loss: str  # quad, logistic, poisson, huber, multinomial, gamma, tweedie, binomial, cox
    X: np.ndarray
    Y: np.ndarray  # (n, K) (one-hot for multinomial)
    s: np.ndarray
    intercept: bool
    W: np.ndarray
    b: np.ndarray
    pen: Pen
    gap: float  # the reported certificate, in the units of this objective
    tol: float
    criterion: str = "gap"  # or "kkt"
    delta: float = None  # Huber threshold
    coef_eps: float = 0.0  # EPS32 when W, b are a float32 coef_, intercept_
    power: float = None  # Tweedie power
    time: np.ndarray = None  # Cox: the times (Y holds the events)

    @property
    def S(self):
        return float(self.s.sum())


def _eta(m, W=None, b=None):
    W = m.W if W is None else W
    b = m.b if b is None else b
    return m.X @ W + b


def _risk_sets(m):
    """Cox (Breslow): R[i, k] = 1 when k is in i's risk set (t_k >= t_i)."""
    return (m.time[None, :] >= m.time[:, None]).astype(float)


def _cox_terms(m, eta):
    """Per-event normalizers Z_i = sum_{k in R_i} s_k exp(eta_k) (shifted by the largest
    eta: exp(c) Z_i), with the shift c."""
    c = float(np.max(eta))
    return _risk_sets(m) @ (m.s * np.exp(eta - c)), c


def loss_terms(m, eta):
    """Per-sample loss, its derivative in eta, and a bound on its curvature (per sample,
    (n, K)), or None where the curvature is unbounded (Poisson, Gamma, Tweedie) or not
    per sample (Cox): see ``curvature_sup``. Cox: the partial likelihood L is not a sum
    over samples, but L = sum_i s_i d_i (log Z_i - eta_i) and dL/deta_k = s_k G_k with
    G_k = exp(eta_k) sum_i R_ik s_i d_i / Z_i - d_k are written per sample."""
    Y = m.Y
    if m.loss == "quad":
        r = eta - Y
        return 0.5 * np.sum(r * r, axis=1), r, np.ones_like(eta)
    if m.loss == "logistic":
        return (np.logaddexp(0.0, eta) - Y * eta)[:, 0], expit(eta) - Y, 0.25 + 0 * eta
    if m.loss == "poisson":
        mu = np.exp(eta)
        return (mu - Y * eta)[:, 0], mu - Y, None
    if m.loss == "binomial":  # proportions: the logistic loss
        return (np.logaddexp(0.0, eta) - Y * eta)[:, 0], expit(eta) - Y, 0.25 + 0 * eta
    if m.loss == "gamma":  # y exp(-eta) + eta
        t = Y * np.exp(-eta)
        return (t + eta)[:, 0], 1.0 - t, None
    if m.loss == "tweedie":  # -y mu^(1-p)/(1-p) + mu^(2-p)/(2-p), 1 < p < 2
        p = m.power
        a, b = np.exp((1 - p) * eta), np.exp((2 - p) * eta)
        return (-Y * a / (1 - p) + b / (2 - p))[:, 0], b - Y * a, None
    if m.loss == "cox":
        e = eta[:, 0]
        Z, c = _cox_terms(m, e)
        d = Y[:, 0]
        val = np.where(d > 0, np.log(np.where(d > 0, Z, 1.0)) + c - e, 0.0)
        G = np.exp(e - c) * (_risk_sets(m).T @ np.where(d > 0, m.s * d / Z, 0.0)) - d
        return val, G[:, None], None
    if m.loss == "huber":
        r = (Y - eta)[:, 0]
        d = m.delta
        a = np.abs(r)
        val = np.where(a <= d, 0.5 * r * r, d * a - 0.5 * d * d)
        return val, -np.clip(r, -d, d)[:, None], np.ones_like(eta)
    if m.loss == "multinomial":
        lse = logsumexp(eta, axis=1)
        P = np.exp(eta - lse[:, None])
        return lse - np.sum(Y * eta, axis=1), P - Y, 0.25 + 0 * eta
    raise AssertionError(m.loss)


def mcp_value(t, lam, g):
    return np.where(t <= g * lam, lam * t - t * t / (2 * g), 0.5 * g * lam * lam)


def mcp_deriv(t, lam, g):
    return np.maximum(lam - t / g, 0.0)


def scad_value(t, lam, g):
    return np.where(t <= lam, lam * t,
                    np.where(t <= g * lam, (2 * g * lam * t - t * t - lam * lam) / (2 * (g - 1)),
                             0.5 * lam * lam * (g + 1)))


def scad_deriv(t, lam, g):
    return np.where(t <= lam, lam, np.maximum(g * lam - t, 0.0) / (g - 1))


def pen_value(pen, W):
    if pen.kind == "sep":
        a, bw = pen.a[:, None], pen.bw[:, None]
        return float(np.sum(a * np.abs(W) + 0.5 * bw * W * W))
    if pen.kind == "rows":
        nrm = np.sqrt(np.sum(W * W, axis=1))
        return float(np.sum(pen.a * nrm + 0.5 * pen.bw * nrm * nrm))
    w = W[:, 0]
    if pen.kind == "group":
        return float(sum(pen.wg[g] * np.linalg.norm(w[idx]) for g, idx in enumerate(pen.groups))
                     + np.sum(pen.a * np.abs(w)))
    t = pen.scale * np.abs(w)
    f = mcp_value if pen.kind == "mcp" else scad_value
    return float(np.sum(f(t, pen.a, pen.gamma)))


def objective(m, W=None, b=None):
    W = m.W if W is None else W
    val, _, _ = loss_terms(m, _eta(m, W, b))
    return float(m.s @ val) / m.S + pen_value(m.pen, W)


def tol_scale(m):
    """What tol is relative to (docstrings): the null model's mean loss above the
    saturated loss (least squares: the weighted variance of y)."""
    s, S, Y = m.s, m.S, m.Y
    if m.loss == "quad":
        Yc = Y - (s @ Y / S if m.intercept else 0.0)
        return float(s @ np.sum(Yc * Yc, axis=1)) / S
    if m.loss == "logistic":
        p0 = float(s @ Y[:, 0]) / S if m.intercept else 0.5
        e0 = np.log(p0 / (1 - p0))
        return float(s @ (np.logaddexp(0.0, e0) - Y[:, 0] * e0)) / S
    if m.loss == "multinomial":
        pi = s @ Y / S if m.intercept else np.full(Y.shape[1], 1.0 / Y.shape[1])
        return float(-(s @ (Y @ np.log(pi)))) / S
    if m.loss == "binomial":  # above the saturated loss, the entropy of the proportions
        y = Y[:, 0]
        p0 = float(s @ y) / S if m.intercept else 0.5
        e0 = np.log(p0 / (1 - p0))
        sat = -(xlogy(y, y) + xlogy(1 - y, 1 - y))
        return float(s @ (np.logaddexp(0.0, e0) - y * e0 - sat)) / S
    if m.loss in ("gamma", "tweedie"):
        # the null mean is the weighted mean of y (the intercept's equation:
        # sum_i s_i mu^(1-p) (mu - y_i) = 0), 1 without an intercept; the saturated loss
        # is the loss at mu = y: 1 + log y (Gamma), -y^(2-p) / ((1-p)(2-p)) (Tweedie)
        y = Y[:, 0]
        mu0 = float(s @ y) / S if m.intercept else 1.0
        e0 = np.full((y.size, 1), np.log(mu0))
        null, _, _ = loss_terms(m, e0)
        if m.loss == "gamma":
            sat = 1.0 + np.log(y)
        else:
            p = m.power
            sat = -(y ** (2 - p)) / ((1 - p) * (2 - p))
        return float(s @ (null - sat)) / S
    if m.loss == "cox":
        # L(0) - L_sat: the saturated partial likelihood puts each event time's events
        # alone at risk, D_t log D_t for their total weight D_t (Breslow)
        d = Y[:, 0]
        null, _, _ = loss_terms(m, np.zeros((d.size, 1)))
        ev = d > 0
        times, inv = np.unique(m.time[ev], return_inverse=True)
        D = np.bincount(inv, weights=s[ev] * d[ev], minlength=times.size)
        return float(s @ null - np.sum(xlogy(D, D))) / S
    if m.loss == "poisson":
        y = Y[:, 0]
        mu0 = float(s @ y) / S if m.intercept else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            sat = np.where(y > 0, y - y * np.log(y), 0.0)
        return float(s @ (mu0 - y * np.log(mu0) - sat)) / S
    if m.loss == "huber":
        y, d = m.Y[:, 0], m.delta

        def null(b0):
            a = np.abs(y - b0)
            return np.where(a <= d, 0.5 * a * a, d * a - 0.5 * d * d)
        b0 = (minimize_scalar(lambda c: float(s @ null(c)), bracket=(y.min(), y.max() + 1e-12),
                              tol=1e-12).x if m.intercept else 0.0)
        loss = null(b0)
        live = s > 0  # the weighted median (a weight of 2 is a repeated sample)
        order = np.argsort(loss[live])
        v, cum = loss[live][order], np.cumsum(s[live][order])
        med = 0.5 * (v[np.searchsorted(cum, 0.5 * cum[-1], side='left')]
                     + v[min(np.searchsorted(cum, 0.5 * cum[-1], side='right'), v.size - 1)])
        cap = 10 * med if med > 0 else 0.5 * (d / 1.0) ** 2
        return float(s @ np.minimum(loss, cap)) / S
    raise AssertionError(m.loss)


# --------------------------------------------------------------------------------------
# Optimality, recomputed by hand
# --------------------------------------------------------------------------------------
def _soft(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def _poisson_curvature(m, eta, x, step):
    """sup of the Poisson loss's curvature along direction x over steps of size <= step."""
    return float(m.s @ (x * x * np.exp(eta[:, 0] + np.abs(x) * step))) / m.S


def curvature_sup(m, eta, x, step):
    """sup of the mean loss's second derivative along direction x over steps of size
    <= step, for the losses of unbounded (or not per-sample) curvature."""
    e, y, dx = eta[:, 0], m.Y[:, 0], np.abs(x) * step
    if m.loss == "poisson":
        return _poisson_curvature(m, eta, x, step)
    if m.loss == "gamma":  # l'' = y exp(-eta), largest at the smallest eta
        return float(m.s @ (x * x * y * np.exp(-e + dx))) / m.S
    if m.loss == "tweedie":
        # l'' = (2-p) mu^(2-p) + (p-1) y mu^(1-p): the first term increases with eta, the
        # second decreases (1 < p < 2)
        p = m.power
        h = (2 - p) * np.exp((2 - p) * (e + dx)) + (p - 1) * y * np.exp((1 - p) * (e - dx))
        return float(m.s @ (x * x * h)) / m.S
    if m.loss == "cox":
        # along x, event i contributes s_i d_i Var_i(x), the variance of x over R_i with
        # weights s_k exp(eta_k + t x_k); for |t| <= step it is at most both
        # range_i(x)^2 / 4 and exp(step range_i(x)) Var_i(x) at t = 0 (the tilted
        # weights' numerator grows by at most exp(t max x), their sum shrinks by at most
        # exp(t min x); and Var <= E[(x - c)^2] for the t = 0 mean c)
        R = _risk_sets(m)
        Z, c = _cox_terms(m, e)
        q = R * (m.s * np.exp(e - c))[None, :] / Z[:, None]
        mean = q @ x
        var = np.maximum(q @ (x * x) - mean * mean, 0.0)
        var = np.maximum(var, np.sum(q * (x[None, :] - mean[:, None]) ** 2, axis=1))
        big = np.where(R > 0, x[None, :], -np.inf).max(axis=1)
        small = np.where(R > 0, x[None, :], np.inf).min(axis=1)
        rng_ = big - small
        with np.errstate(over="ignore", invalid="ignore"):
            tilt = np.where(var > 0, np.exp(step * rng_) * var, 0.0)
        bound = np.minimum(rng_ * rng_ / 4, tilt)
        return float(m.s @ (y * bound)) / m.S
    raise AssertionError(m.loss)


def step_decreases(m):
    """Lower bounds on P(W, b) - P*: the decrease a prox-gradient step along each
    coordinate (block, intercept) is guaranteed to make (``(L_j + bw_j)/2 |u - w|^2`` with
    ``L_j`` a curvature bound over the step). Returns the largest and where."""
    X, s, S = m.X, m.s, m.S
    eta = _eta(m)
    _, G, curv = loss_terms(m, eta)
    grad = X.T @ (s[:, None] * G) / S  # (p, K)
    W = m.W
    p, K = W.shape
    pen = m.pen
    best, where = 0.0, None

    def consider(dec, label):
        nonlocal best, where
        if dec > best:
            best, where = dec, label

    def curvature(x, k, step):
        if curv is None:  # Poisson, Gamma, Tweedie, Cox: the sup over the step
            return curvature_sup(m, eta, x, step)
        return float(s @ (curv[:, k] * x * x)) / S

    def sep_step(g, w, L, a, bw, lo, up):
        u = np.clip(_soft(L * w - g, a) / (L + bw), lo, up)
        return u, 0.5 * (L + bw) * (u - w) ** 2

    if pen.kind == "sep":
        for j in range(p):
            for k in range(K):
                x = X[:, j]
                L = curvature(x, k, 0.0)
                if L <= 0 and pen.bw[j] == 0:
                    continue
                for _ in range(50):  # Poisson: enlarge L until it bounds the step's curvature
                    u, dec = sep_step(grad[j, k], W[j, k], L, pen.a[j], pen.bw[j], pen.lo[j],
                                      pen.up[j])
                    L2 = curvature(x, k, abs(u - W[j, k]))
                    if L2 <= L * (1 + 1e-12):
                        break
                    L = L2
                consider(dec, ("coef", j, k))
    elif pen.kind in ("rows", "group"):
        blocks = ([np.array([j]) for j in range(p)] if pen.kind == "rows" else pen.groups)
        for g, idx in enumerate(blocks):
            Xg = X[:, idx]
            if pen.kind == "rows":
                # the Hessian of row j is (sum_i s_i x_ij^2 h_ik)/S on the diagonal
                # (multinomial: + off-diagonal terms, bounded by 1/2 in all)
                c = 0.5 if m.loss == "multinomial" else float(np.max(curv))
                L = c * float(s @ (Xg[:, 0] ** 2)) / S
                v = W[idx[0]] - grad[idx[0]] / max(L, 1e-300)
                nv = np.linalg.norm(v)
                a, bw = pen.a[idx[0]], pen.bw[idx[0]]
                f = max(1.0 - a / (L * nv), 0.0) * L / (L + bw) if nv > 0 and L > 0 else 0.0
                u = f * v
                dec = 0.5 * (L + bw) * float(np.sum((u - W[idx[0]]) ** 2))
            else:
                H = (Xg * s[:, None]).T @ Xg / S
                L = float(np.linalg.eigvalsh(H)[-1]) * float(np.max(curv))
                if L <= 0:
                    continue
                v = W[idx, 0] - grad[idx, 0] / L
                v = _soft(v, pen.a[idx] / L)
                if pen.positive:
                    v = np.maximum(v, 0.0)
                nv = np.linalg.norm(v)
                u = max(1.0 - pen.wg[g] / (L * nv), 0.0) * v if nv > 0 else v
                dec = 0.5 * L * float(np.sum((u - W[idx, 0]) ** 2))
            consider(dec, ("block", g))
    if m.intercept:
        gb = s @ G / S
        for k in range(K):
            one = np.ones(X.shape[0])
            L = curvature(one, k, 0.0)
            for _ in range(50):
                step = abs(gb[k]) / L
                L2 = curvature(one, k, step)
                if L2 <= L * (1 + 1e-12):
                    break
                L = L2
            consider(gb[k] ** 2 / (2 * L), ("intercept", k))
    return best, where


def critical_point_criterion(m):
    """MCP/SCAD: sum_j kkt_j^2 / (2 L_j), kkt_j the distance of minus the gradient to
    the penalty's (Frechet) subdifferential, L_j the loss's curvature along feature j
    (centered with an intercept); and the intercept's gradient."""
    X, s, S = m.X, m.s, m.S
    r = _eta(m)[:, 0] - m.Y[:, 0]
    g = X.T @ (s * r) / S
    w = m.W[:, 0]
    pen = m.pen
    lam, sc, gam = pen.a, pen.scale, pen.gamma
    deriv = mcp_deriv if pen.kind == "mcp" else scad_deriv
    t = sc * np.abs(w)
    d = sc * deriv(t, lam, gam)  # the derivative of P(sc |w|) in |w|
    kkt = np.where(w != 0, np.abs(g + np.sign(w) * d), np.maximum(np.abs(g) - sc * lam, 0.0))
    at_up = (w == pen.up) & (w != 0)
    at_lo = (w == pen.lo) & (w != 0)
    kkt = np.where(at_up, np.maximum(g + d, 0.0), kkt)
    kkt = np.where(at_lo, np.maximum(-(g - d), 0.0), kkt)
    zero_up = (w == 0) & (pen.up == 0) & (pen.lo < 0)
    zero_lo = (w == 0) & (pen.lo == 0) & (pen.up > 0)
    kkt = np.where(zero_up, np.maximum(g - sc * lam, 0.0), kkt)
    kkt = np.where(zero_lo, np.maximum(-g - sc * lam, 0.0), kkt)
    kkt = np.where((pen.lo == 0) & (pen.up == 0), 0.0, kkt)
    Xc = X - (s @ X / S if m.intercept else 0.0)
    L = s @ (Xc * Xc) / S
    crit = float(np.sum(np.where(L > 0, kkt * kkt / np.where(L > 0, 2 * L, 1.0), 0.0)))
    gb = float(s @ r) / S if m.intercept else 0.0
    return crit, kkt, gb


def rounding_floor(m, eps=EPS):
    """What rounding of the objective's terms allows (the engines stop at a gap of
    16 eps max(|P|, |D|) when that is above the tol target); and the resolution of the
    fitted values: a residual is known to eps max(|y|, |eta|) only, so a model that fits
    exactly (P = 0 and no variance: one sample with an intercept, y = 1.51, an intercept
    one ulp off) leaves a step of that residual squared (2.5e-32)."""
    top = max(float(np.max(np.abs(m.Y), initial=0.0)),
              float(np.max(np.abs(_eta(m)), initial=0.0))) if m.loss == "quad" else 0.0
    return 32 * eps * (abs(objective(m)) + tol_scale(m)) + (4 * eps * top) ** 2 + 1e-300


def assert_optimal(m, eps=EPS, warned=False):
    """The returned point is optimal within its certificate, the certificate within tol."""
    scale = tol_scale(m)
    floor = rounding_floor(m, eps)
    if m.pen.lo is not None:
        # exact: rounding is monotone, so a float32 coefficient is within its bounds as
        # rounded to float32 (read() stores them so)
        assert np.all(m.W >= m.pen.lo[:, None]) and np.all(m.W <= m.pen.up[:, None]), (
            "bounds", m.W.ravel(), m.pen.lo, m.pen.up)
    if m.pen.kind in ("mcp", "scad"):
        crit, _, gb = critical_point_criterion(m)
        target = m.tol * scale
        assert crit <= max(target, m.gap) * (1 + 1e-6) + 2 * floor, (crit, target, m.gap)
        assert abs(gb) <= np.sqrt(2 * (target + floor)) + 1e-7, gb
        return
    if not warned:
        assert m.gap <= m.tol * scale * (1 + 1e-9) + floor, (m.gap, m.tol * scale, floor)
    dec, where = step_decreases(m)
    # the certificate is an upper bound on P - P*: no single step can beat it
    assert dec <= m.gap * (1 + 1e-6) + floor, (dec, where, m.gap, floor)


# --------------------------------------------------------------------------------------
# Reading a fitted estimator into its Model
# --------------------------------------------------------------------------------------
def _arr(v, p, default):
    if v is None:
        return np.full(p, default, dtype=np.float64)
    return np.broadcast_to(np.asarray(v, dtype=np.float64), (p,)).copy()


def _bounds(est, p):
    lo = _arr(getattr(est, "lower_bounds", None), p, -np.inf)
    up = _arr(getattr(est, "upper_bounds", None), p, np.inf)
    if getattr(est, "positive", False):
        lo = np.maximum(lo, 0.0)
    if getattr(est, "coef_", None) is not None and np.asarray(est.coef_).dtype == np.float32:
        # a float32 coef_ is the rounding of the solution: a coefficient at a bound is at
        # the bound's float32 rounding (e.g. -1.90340421 -> -1.90340424, half an ulp
        # outside), which is the bound of the float32 problem, like its X
        lo = lo.astype(np.float32).astype(np.float64)
        up = up.astype(np.float32).astype(np.float64)
    return lo, up


def _sd(X, s, intercept):
    """glmnet's standardization: the weighted sd of each column (0 for a constant one)."""
    S = s.sum()
    mu = s @ X / S if intercept else np.zeros(X.shape[1])
    var = s @ ((X - mu) ** 2) / S
    sd = np.sqrt(var)
    return np.where(sd <= 64 * EPS * (np.abs(mu) + sd), 0.0, sd)


def _weights(prob):
    return np.ones(prob.X.shape[0]) if prob.sw is None else np.asarray(prob.sw, float)


def _groups(labels):
    return [np.flatnonzero(labels == g) for g in np.unique(labels)]


def _binomial_target(y, s):
    """(proportions, weights): a [successes, failures] table is the proportions with the
    trials multiplied into the weights (BinomialRegressor's docstring)."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        return y, s
    trials = y.sum(axis=1)
    return np.where(trials > 0, y[:, 0] / np.where(trials > 0, trials, 1.0), 0.0), s * trials


def _surv(y):
    """(time, event) of a survival target: [time, event] rows or a structured array."""
    if getattr(y, "dtype", None) is not None and y.dtype.names is not None:
        return np.asarray(y["time"], float), np.asarray(y["event"], float)
    y = np.asarray(y, dtype=np.float64)
    return y[:, 0], y[:, 1]


def read(est, prob, base=None):
    """The Model of a fitted estimator (``base``: the plain estimator class whose
    objective a CV estimator's final model minimizes)."""
    X, s = prob.X, _weights(prob)
    n, p = X.shape
    name = base or type(est).__name__
    cox = name.startswith("CoxPH")
    if name.startswith("Binomial"):
        y, s = _binomial_target(prob.y, s)
    elif cox:
        time, y = _surv(prob.y)
    else:
        y = np.asarray(prob.y, dtype=np.float64)
    S = float(s.sum())
    icpt = bool(getattr(est, "fit_intercept", False))  # Cox: none
    std = bool(getattr(est, "standardize", False))
    # Cox standardizes by the standard deviations of the centered design (glmnet)
    sd = _sd(X, s, icpt or cox) if std else np.ones(p)
    pf = _arr(getattr(est, "penalty_factor", None), p, 1.0)
    lo, up = _bounds(est, p)
    gap = float(np.max(getattr(est, "dual_gap_", getattr(est, "stop_crit_", 0.0))))
    common = dict(X=X, s=s, intercept=icpt, tol=float(getattr(est, "tol", 0.0)), gap=gap,
                  coef_eps=EPS32 if np.asarray(est.coef_).dtype == np.float32 else 0.0)
    alpha = float(getattr(est, "alpha_", getattr(est, "alpha", 0.0)) or 0.0)
    l1 = float(getattr(est, "l1_ratio_", getattr(est, "l1_ratio", 1.0)))

    def sep(a, bw):
        return Pen("sep", a=a * sd, bw=bw * sd * sd, lo=lo, up=up)

    def single(loss, pen, **kw):
        return Model(loss=loss, Y=y.reshape(n, -1), W=np.asarray(est.coef_, float).reshape(p, 1),
                     b=np.atleast_1d(np.asarray(est.intercept_, float)).reshape(1), pen=pen,
                     **{**common, **kw})

    if name in ("Lasso", "ElasticNet", "LassoCV", "ElasticNetCV"):
        l1 = 1.0 if name.startswith("Lasso") else l1
        return single("quad", sep(alpha * l1 * pf, alpha * (1 - l1) * pf))
    if name in ("Ridge", "RidgeCV"):
        # closed form: exact up to rounding (no certificate is reported by RidgeCV)
        return single("quad", sep(0 * pf, alpha / S * pf), tol=getattr(est, "tol", 1e-12),
                      gap=getattr(est, "dual_gap_", 0.0))
    if name == "AdaptiveLasso":
        v = est.weights_
        held = ~np.isfinite(v)
        m = single("quad", sep(alpha * pf * np.where(held, 1.0, v), 0 * pf))
        m.pen.lo = np.where(held, 0.0, lo)
        m.pen.up = np.where(held, 0.0, up)
        return m
    if name in ("MCPRegression", "SCADRegression", "MCPRegressionCV", "SCADRegressionCV"):
        kind = "mcp" if name.startswith("MCP") else "scad"
        return single("quad", Pen(kind, a=alpha * pf, gamma=float(est.gamma), scale=sd, lo=lo,
                                  up=up), criterion="kkt")
    if name in ("GroupLasso", "SparseGroupLasso", "GroupLassoCV", "SparseGroupLassoCV"):
        groups = _groups(np.asarray(est.groups))
        wg = (np.sqrt([len(g) for g in groups]) if est.weights is None
              else np.asarray(est.weights, float))
        if name.startswith("Sparse"):
            a, wg = alpha * l1 * pf, alpha * (1 - l1) * wg
        else:
            a, wg = np.zeros(p), alpha * wg
        pos = bool(est.positive)
        return single("quad", Pen("group", a=a, groups=groups, wg=wg, positive=pos,
                                  lo=np.full(p, 0.0 if pos else -np.inf), up=np.full(p, np.inf)))
    if name in ("MultiTaskLasso", "MultiTaskElasticNet", "MultiTaskLassoCV",
                "MultiTaskElasticNetCV"):
        l1 = 1.0 if "Lasso" in name else l1
        return Model(loss="quad", Y=y, W=np.asarray(est.coef_, float).T,
                     b=np.asarray(est.intercept_, float),
                     pen=Pen("rows", a=alpha * l1 * pf * sd, bw=alpha * (1 - l1) * pf * sd * sd),
                     **common)
    if name == "PoissonRegressor" or name == "PoissonRegressorCV":
        return single("poisson", sep(alpha * l1 * pf, alpha * (1 - l1) * pf))
    if name in ("GammaRegressor", "GammaRegressorCV"):
        return single("gamma", sep(alpha * l1 * pf, alpha * (1 - l1) * pf))
    if name in ("TweedieRegressor", "TweedieRegressorCV"):
        if float(est.power) == 0:  # the identity link: least squares
            return single("quad", sep(alpha * l1 * pf, alpha * (1 - l1) * pf))
        return single("tweedie", sep(alpha * l1 * pf, alpha * (1 - l1) * pf),
                      power=float(est.power))
    if name in ("BinomialRegressor", "BinomialRegressorCV"):
        return single("binomial", sep(alpha * l1 * pf, alpha * (1 - l1) * pf))
    if cox:
        return single("cox", sep(alpha * l1 * pf, alpha * (1 - l1) * pf), time=time)
    if name in ("LogisticRegression", "LogisticRegressionCV"):
        if name == "LogisticRegression":
            alpha = est.alpha if est.alpha is not None else 1.0 / (est.C * S)
        classes = est.classes_
        W = np.asarray(est.coef_, float).T
        b = np.asarray(est.intercept_, float)
        if classes.size == 2:
            return Model(loss="logistic", Y=(prob.y == classes[1]).astype(float)[:, None],
                         W=W, b=b, pen=sep(alpha * l1 * pf, alpha * (1 - l1) * pf), **common)
        Y = (np.asarray(prob.y)[:, None] == classes[None, :]).astype(float)
        if est.grouped:
            pen = Pen("rows", a=alpha * l1 * pf * sd, bw=alpha * (1 - l1) * pf * sd * sd)
        else:
            pen = sep(alpha * l1 * pf, alpha * (1 - l1) * pf)
        return Model(loss="multinomial", Y=Y, W=W, b=b, pen=pen, **common)
    if name == "HuberRegressor":
        sigma = float(est.scale_)
        return single("huber", sep(alpha * sigma * l1 / (2 * S) * pf,
                                   alpha * sigma * (1 - l1) / S * pf),
                      delta=float(est.epsilon) * sigma, gap=gap * sigma / (2 * S))
    raise AssertionError(name)


# --------------------------------------------------------------------------------------
# alpha_max from the null model, by hand
# --------------------------------------------------------------------------------------
def _null_gradient(loss, X, Y, s, intercept, unpen=None, absolute=False, lo=None,
                   power=None, time=None):
    """Gradient of the mean loss in the coefficients at the null model (intercept and
    unpenalized features fitted: least squares only; ``lo``: lower bounds of the
    unpenalized features, 0 for the group penalties' ``positive``). ``absolute``: the
    sums of the absolute values of its terms instead (what the rounding of each term
    scales with)."""
    S = s.sum()
    if loss == "quad":
        cols = [np.ones(X.shape[0])] if intercept else []
        if unpen is not None and unpen.size:
            cols += [X[:, j] for j in unpen]
        R = Y.copy()
        if cols:
            A = np.column_stack(cols) * np.sqrt(s)[:, None]
            if lo is not None and unpen.size:
                from scipy.optimize import lsq_linear

                low = np.r_[[-np.inf] * int(intercept), lo]
                coef = np.column_stack([
                    lsq_linear(A, Y[:, k] * np.sqrt(s), bounds=(low, np.inf), tol=1e-14,
                               lsmr_tol="auto").x for k in range(Y.shape[1])])
            else:
                coef = np.linalg.lstsq(A, Y * np.sqrt(s)[:, None], rcond=None)[0]
            R = Y - np.column_stack(cols) @ coef
        D = -R
    elif loss in ("logistic", "poisson", "binomial"):
        m0 = s @ Y[:, 0] / S if intercept else (1.0 if loss == "poisson" else 0.5)
        D = (m0 - Y[:, 0])[:, None]
    elif loss in ("gamma", "tweedie"):
        # l'(eta) = mu^(1-p) (mu - y) (Gamma: p = 2) at the null mean
        m0 = s @ Y[:, 0] / S if intercept else 1.0
        p = 2.0 if loss == "gamma" else power
        D = (m0 ** (1 - p) * (m0 - Y[:, 0]))[:, None]
    elif loss == "cox":  # no intercept: eta = 0
        m = Model(loss="cox", X=X, Y=Y, s=s, intercept=False, W=None, b=None, pen=None,
                  gap=0.0, tol=0.0, time=time)
        D = loss_terms(m, np.zeros((X.shape[0], 1)))[1]
    elif loss == "multinomial":
        pi = s @ Y / S if intercept else np.full(Y.shape[1], 1.0 / Y.shape[1])
        D = pi[None, :] - Y
    else:
        raise AssertionError(loss)
    D = s[:, None] * D / S
    if not absolute:
        return X.T @ D
    out = np.abs(X).T @ np.abs(D)
    if intercept:  # centered columns: |x_ij - mu_j| <= |x_ij| + |mu_j|
        out += (np.abs(X).T @ s / S)[:, None] * np.abs(D).sum(axis=0)[None, :]
    return out


def sep_alpha_max(G, l1, pf, lo, up, sd):
    """Smallest alpha with every penalized coordinate at zero (only the signs the bounds
    allow count)."""
    up_ok = (up > 0)[:, None]
    lo_ok = (lo < 0)[:, None]
    viol = np.maximum(np.where(up_ok, -G, 0.0), np.where(lo_ok, G, 0.0))
    viol = np.max(np.maximum(viol, 0.0), axis=1)
    w = l1 * pf * sd
    live = w > 0
    return float(np.max(viol[live] / w[live], initial=0.0))


def sgl_alpha_max(g, groups, l1, pf, wg, positive):
    """Per group, the smallest alpha with ||soft(-g, alpha l1 pf)|| <= alpha (1-l1) wg."""
    out = 0.0
    for k, idx in enumerate(groups):
        z = -g[idx] if positive else np.abs(g[idx])
        z = np.maximum(z, 0.0)
        lo_, hi_ = 0.0, float(np.max(z / np.maximum(l1 * pf[idx], 1e-300), initial=0.0)) + 1e-300
        if wg[k] * (1 - l1) > 0:
            hi_ = min(hi_, float(np.linalg.norm(z)) / ((1 - l1) * wg[k]) + 1e-300)
        for _ in range(200):
            mid = 0.5 * (lo_ + hi_)
            if np.linalg.norm(np.maximum(z - mid * l1 * pf[idx], 0.0)) <= mid * (1 - l1) * wg[k]:
                hi_ = mid
            else:
                lo_ = mid
        out = max(out, hi_)
    return out


# --------------------------------------------------------------------------------------
# The estimators
# --------------------------------------------------------------------------------------
@dataclass
class Spec:
    name: str
    make: object  # () -> estimator with its fixed options
    target: str
    options: tuple = ()  # of "pf", "bounds", "std", "l1", "groups", "positive"
    loss: str = "quad"
    pen: str = "sep"  # sep, rows, group, sgl, mcp, scad, ridge, huber
    cv: bool = False
    min_n: int = 1
    base: str = None  # for CV: the plain estimator whose objective the final model has
    scale: str = None  # how alpha follows a scaling of y (least squares), or None

    def __repr__(self):
        return self.name


CV = dict(cv=3, alphas=8)
TIGHT = dict(tol=1e-10)
P = penalized
SPECS = [
    Spec("Lasso", lambda: P.Lasso(max_iter=100_000), "reg", ("pf", "bounds", "std"),
         scale="alpha"),
    Spec("ElasticNet", lambda: P.ElasticNet(max_iter=100_000), "reg",
         ("pf", "bounds", "std", "l1"), scale="enet"),
    Spec("Ridge", lambda: P.Ridge(max_iter=100_000), "reg", ("pf", "bounds", "std"),
         pen="ridge", scale="same"),
    Spec("LogisticRegression", lambda: P.LogisticRegression(max_iter=1000), "bin",
         ("pf", "bounds", "std", "l1"), loss="logistic", min_n=2),
    Spec("LogisticRegression-multinomial", lambda: P.LogisticRegression(max_iter=1000),
         "multi", ("pf", "bounds", "std", "l1"), loss="multinomial", min_n=3),
    Spec("LogisticRegression-grouped", lambda: P.LogisticRegression(max_iter=5000, grouped=True),
         "multi", ("pf", "std", "l1"), loss="multinomial", pen="rows", min_n=3),
    Spec("PoissonRegressor", lambda: P.PoissonRegressor(max_iter=1000), "count",
         ("pf", "bounds", "std", "l1"), loss="poisson"),
    Spec("GammaRegressor", lambda: P.GammaRegressor(max_iter=1000), "gamma",
         ("pf", "bounds", "std", "l1"), loss="gamma"),
    Spec("TweedieRegressor", lambda: P.TweedieRegressor(power=1.5, max_iter=1000), "tweedie",
         ("pf", "bounds", "std", "l1"), loss="tweedie"),
    # power 0, the identity link: least squares (scaling y scales the solution)
    Spec("TweedieRegressor-identity", lambda: P.TweedieRegressor(power=0.0, max_iter=1000),
         "reg", ("pf", "bounds", "std", "l1"), scale="enet"),
    Spec("BinomialRegressor", lambda: P.BinomialRegressor(max_iter=1000), "prop",
         ("pf", "bounds", "std", "l1"), loss="binomial"),
    Spec("BinomialRegressor-table", lambda: P.BinomialRegressor(max_iter=1000), "table",
         ("pf", "bounds", "std", "l1"), loss="binomial"),
    Spec("CoxPH", lambda: P.CoxPH(max_iter=1000), "surv", ("pf", "bounds", "std", "l1"),
         loss="cox"),
    Spec("HuberRegressor", lambda: P.HuberRegressor(), "reg",
         ("pf", "bounds", "l1"), loss="huber", pen="huber", scale="huber"),
    Spec("MCPRegression", lambda: P.MCPRegression(max_iter=100_000), "reg",
         ("pf", "bounds", "std"), pen="mcp", scale="alpha"),
    Spec("SCADRegression", lambda: P.SCADRegression(max_iter=100_000), "reg",
         ("pf", "bounds", "std"), pen="scad", scale="alpha"),
    Spec("AdaptiveLasso", lambda: P.AdaptiveLasso(max_iter=100_000), "reg",
         ("pf", "bounds", "std"), scale="adaptive"),
    Spec("GroupLasso", lambda: P.GroupLasso(groups=None, max_iter=100_000), "reg",
         ("groups", "positive"), pen="group", scale="alpha"),
    Spec("SparseGroupLasso", lambda: P.SparseGroupLasso(groups=None, max_iter=100_000), "reg",
         ("groups", "positive", "pf", "l1"), pen="sgl", scale="alpha"),
    Spec("MultiTaskLasso", lambda: P.MultiTaskLasso(max_iter=100_000), "mt", ("pf", "std"),
         pen="rows", scale="alpha"),
    Spec("MultiTaskElasticNet", lambda: P.MultiTaskElasticNet(max_iter=100_000), "mt",
         ("pf", "std", "l1"), pen="rows", scale="enet"),
    # CV estimators: the final model is the plain estimator's at alpha_ (and l1_ratio_)
    Spec("LassoCV", lambda: P.LassoCV(**CV), "reg", ("pf", "bounds", "std"), cv=True,
         min_n=6, base="Lasso", scale="grid"),
    Spec("ElasticNetCV", lambda: P.ElasticNetCV(l1_ratio=[0.5, 1.0], **CV), "reg",
         ("pf", "bounds", "std"), cv=True, min_n=6, base="ElasticNet", scale="grid"),
    Spec("RidgeCV", lambda: P.RidgeCV(alphas=(0.01, 0.1, 1.0, 10.0)), "reg", (), pen="ridge",
         cv=True, min_n=6, base="RidgeCV", scale="grid"),
    Spec("LogisticRegressionCV", lambda: P.LogisticRegressionCV(l1_ratios=(1.0,), scoring=None,
                                                                  use_legacy_attributes=False,
                                                                  **CV),
         "bin", ("pf", "std"), loss="logistic", cv=True, min_n=8, base="LogisticRegressionCV"),
    Spec("PoissonRegressorCV", lambda: P.PoissonRegressorCV(l1_ratio=0.5, **CV), "count",
         ("pf", "std"), loss="poisson", cv=True, min_n=6, base="PoissonRegressorCV"),
    Spec("GammaRegressorCV", lambda: P.GammaRegressorCV(l1_ratio=0.5, **CV), "gamma",
         ("pf", "std"), loss="gamma", cv=True, min_n=6, base="GammaRegressorCV"),
    Spec("TweedieRegressorCV", lambda: P.TweedieRegressorCV(power=1.5, l1_ratio=0.5, **CV),
         "tweedie", ("pf", "std"), loss="tweedie", cv=True, min_n=6, base="TweedieRegressorCV"),
    Spec("BinomialRegressorCV", lambda: P.BinomialRegressorCV(l1_ratio=0.5, **CV), "table",
         ("pf", "std"), loss="binomial", cv=True, min_n=6, base="BinomialRegressorCV"),
    Spec("CoxPHCV", lambda: P.CoxPHCV(**CV), "surv", ("pf", "std"), loss="cox", cv=True,
         min_n=6, base="CoxPHCV"),
    Spec("MCPRegressionCV", lambda: P.MCPRegressionCV(**CV), "reg", ("pf", "std"), pen="mcp",
         cv=True, min_n=6, base="MCPRegressionCV", scale="grid"),
    Spec("SCADRegressionCV", lambda: P.SCADRegressionCV(**CV), "reg", ("pf", "std"),
         pen="scad", cv=True, min_n=6, base="SCADRegressionCV", scale="grid"),
    Spec("GroupLassoCV", lambda: P.GroupLassoCV(groups=None, **CV), "reg", ("groups",),
         pen="group", cv=True, min_n=6, base="GroupLassoCV", scale="grid"),
    Spec("SparseGroupLassoCV", lambda: P.SparseGroupLassoCV(groups=None, **CV), "reg",
         ("groups",), pen="sgl", cv=True, min_n=6, base="SparseGroupLassoCV", scale="grid"),
    Spec("MultiTaskLassoCV", lambda: P.MultiTaskLassoCV(**CV), "mt", ("pf", "std"), pen="rows",
         cv=True, min_n=6, base="MultiTaskLassoCV", scale="grid"),
    Spec("MultiTaskElasticNetCV", lambda: P.MultiTaskElasticNetCV(**CV), "mt", ("pf", "std"),
         pen="rows", cv=True, min_n=6, base="MultiTaskElasticNetCV", scale="grid"),
]
BY_NAME = {s.name: s for s in SPECS}
PLAIN = [s for s in SPECS if not s.cv]


def test_every_public_estimator_has_a_spec():
    names = {s.name.split("-")[0] for s in SPECS}
    public = {n for n in penalized.__all__ if n[0].isupper() and n not in (
        "SolveResult", "PathResult") and hasattr(getattr(penalized, n), "fit")}
    assert public <= names, public - names


def _options(spec, case, prob):
    """The estimator's per-feature options drawn for this case."""
    rng = np.random.default_rng(case.seed + 1)
    p = prob.X.shape[1]
    kw = {}
    opts = spec.options
    glm = spec.loss != "quad"
    if "pf" in opts and case.pf != "none":
        pf = rng.uniform(0.2, 2.0, p)
        if case.pf == "with_zero" and not glm and spec.pen not in ("mcp", "scad"):
            pf[0] = 0.0
        kw["penalty_factor"] = pf
    if "bounds" in opts and case.bounded:
        lo = -rng.uniform(0.05, 2.0, p) * (rng.uniform(size=p) < 0.8)
        up = rng.uniform(0.05, 2.0, p) * (rng.uniform(size=p) < 0.8)
        if "penalty_factor" in kw:  # unpenalized features unbounded (null model: OLS)
            free = kw["penalty_factor"] == 0
            lo[free], up[free] = -np.inf, np.inf
        kw["lower_bounds"], kw["upper_bounds"] = lo, up
    if "std" in opts:
        kw["standardize"] = case.standardize
    if "l1" in opts:
        kw["l1_ratio"] = case.l1
    if "groups" in opts:
        size = int(rng.integers(1, 5))
        labels = np.repeat(np.arange(p), size)[:p]
        kw["groups"] = rng.permutation(labels)
    if "positive" in opts:
        kw["positive"] = case.bounded
    kw["fit_intercept"] = case.intercept
    return kw


def hand_alpha_max(spec, est, prob, rounding=False):
    """The smallest alpha giving zero penalized coefficients, from the null model (on
    the estimator's own scale of alpha: scikit-learn's for Ridge, mean loss otherwise).

    ``rounding``: instead, a bound on the error of an alpha_max whose null gradient is
    computed in float32 (each entry a sum of n products, its inputs rounded once: an
    error of at most (n + 2) eps32 times the sum of the terms' absolute values). alpha_max
    is a gauge of the null gradient (sublinear, monotone in its entries' magnitudes), so
    its error is at most its value at that bound, every sign allowed.
    """
    X, s = prob.X, _weights(prob)
    p = X.shape[1]
    icpt = bool(getattr(est, "fit_intercept", False))
    time = None
    if spec.target in ("prop", "table"):
        y, s = _binomial_target(prob.y, s)
    elif spec.target == "surv":
        time, y = _surv(prob.y)
    else:
        y = np.asarray(prob.y, dtype=np.float64)
    std = bool(getattr(est, "standardize", False))
    sd = _sd(X, s, icpt or spec.loss == "cox") if std else np.ones(p)
    pf = _arr(getattr(est, "penalty_factor", None), p, 1.0)
    lo, up = _bounds(est, p)
    power = float(est.power) if spec.loss == "tweedie" else None
    l1 = float(getattr(est, "l1_ratio", 1.0)) if "l1" in spec.options else 1.0
    if spec.pen in ("group", "sgl"):
        l1 = 1.0 if spec.pen == "group" else float(getattr(est, "l1_ratio", 0.5))
    if spec.loss == "multinomial":
        Y = (y[:, None] == np.unique(y)[None, :]).astype(float)
    elif spec.target == "mt":
        Y = y
    else:
        Y = y[:, None]
    if spec.loss == "huber":
        assert not rounding
        # the null model of the estimator itself (intercept and scale jointly)
        null = clone(est).set_params(alpha=1e12, l1_ratio=1.0).fit(prob.Xfit, prob.y,
                                                                    sample_weight=prob.sw)
        sigma, b0 = float(null.scale_), float(null.intercept_)
        r0 = y - b0
        G = -(X.T @ (s * np.clip(r0, -est.epsilon * sigma, est.epsilon * sigma)))[:, None] / s.sum()
        return sep_alpha_max(G, l1 * sigma / (2 * s.sum()), pf, lo, up, sd)
    # features with penalty factor 0 are in the null model (the sparse-group lasso's:
    # those with no L1 part in a group with no norm part, l1_ratio 1 or weight 0)
    if spec.pen in ("group", "sgl"):
        groups = _groups(np.asarray(est.groups))
        wg = np.sqrt([len(g) for g in groups]) if est.weights is None else np.asarray(
            est.weights, float)
        wg_of = np.empty(p)
        for k, idx in enumerate(groups):
            wg_of[idx] = wg[k]
        a1 = l1 * pf if spec.pen == "sgl" else np.zeros(p)
        norm_part = (1 - l1) * wg_of if spec.pen == "sgl" else wg_of
        unpen = np.flatnonzero((a1 == 0) & (norm_part == 0))
    else:
        unpen = np.flatnonzero(pf == 0)
    positive = bool(getattr(est, "positive", False))
    low = np.zeros(unpen.size) if spec.pen in ("group", "sgl") and positive else None
    G = _null_gradient(spec.loss, X, Y, s, icpt, unpen, lo=low, power=power, time=time)
    if rounding:
        G = (X.shape[0] + 2) * EPS32 * _null_gradient(spec.loss, X, Y, s, icpt, unpen,
                                                       absolute=True, lo=low, power=power,
                                                       time=time)
        lo, up, positive = np.full(p, -np.inf), np.full(p, np.inf), False
    if spec.pen in ("group", "sgl"):
        if spec.pen == "group":
            z = np.maximum(-G[:, 0], 0.0) if positive else np.abs(G[:, 0])
            return float(max((np.linalg.norm(z[idx]) / wg[k] for k, idx in enumerate(groups)
                              if wg[k] > 0), default=0.0))
        return sgl_alpha_max(G[:, 0], groups, l1, pf, wg, positive)
    if spec.pen == "rows":
        nrm = np.linalg.norm(G, axis=1)
        w = l1 * pf * sd
        return float(np.max(nrm[w > 0] / w[w > 0], initial=0.0))
    if spec.name == "AdaptiveLasso":
        v = clone(est).set_params(alpha=1.0).fit(prob.Xfit, prob.y,
                                                  sample_weight=prob.sw).weights_
        held = ~np.isfinite(v)
        return sep_alpha_max(G[~held], 1.0, pf[~held] * v[~held], lo[~held], up[~held], sd[~held])
    return sep_alpha_max(G, l1, pf, lo, up, sd)


def build(spec, case, prob, *, tight=False):
    """The estimator of this spec for this case, at alpha = frac * alpha_max."""
    est = spec.make()
    kw = _options(spec, case, prob)
    est.set_params(**{k: v for k, v in kw.items() if k in est.get_params()})
    if tight and "tol" in est.get_params():
        est.set_params(**TIGHT)
    elif not tight and "tol" in est.get_params() and not spec.cv:
        est.set_params(tol=1e-4 if case.seed % 2 else 1e-8)
    if spec.cv:
        return est
    if spec.pen == "ridge":
        return est.set_params(alpha=case.frac * 10 * prob.X.shape[0])
    l1_free = clone(est)
    if "l1_ratio" in l1_free.get_params() and spec.pen not in ("sgl",):
        l1_free.set_params(l1_ratio=1.0)
    amax = hand_alpha_max(spec, l1_free, prob)
    alpha = case.frac * amax if amax > 0 else case.frac
    if spec.loss in ("logistic", "multinomial") and case.seed % 3 == 0:
        return est.set_params(C=1.0 / (alpha * float(_weights(prob).sum())))
    if spec.loss in ("logistic", "multinomial"):
        return est.set_params(alpha=alpha, C=1.0)
    if spec.loss == "huber":
        # scikit-learn's scale of alpha: the mean-form L1 weight is alpha sigma / (2 S)
        return est.set_params(alpha=alpha)
    return est.set_params(alpha=alpha)


def fit(est, prob, X=None, y=None, sw="same"):
    """Fit, returning (est, the ConvergenceWarnings' messages): a ConvergenceWarning must
    name the certificate and tol."""
    X = prob.Xfit if X is None else X
    y = prob.y if y is None else y
    sw = prob.sw if isinstance(sw, str) else sw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, sample_weight=sw)
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    msgs = tuple(str(w.message).lower() for w in conv)
    for msg in msgs:
        if "scale collapses to 0" in msg:  # HuberRegressor's documented absolute-loss limit
            continue
        assert "tol" in msg and ("gap" in msg or "criterion" in msg
                                 or "relative change" in msg), msg  # Huber: the scale
    return est, msgs


def model_of(spec, est, prob):
    return read(est, prob, base=spec.base)


def _ids(specs):
    return [s.name for s in specs]


# --------------------------------------------------------------------------------------
# 1. optimality within the certificate
# --------------------------------------------------------------------------------------
def _check_optimality(spec, case):
    prob = make_problem(case, spec.target, spec.min_n)
    est, warned = fit(build(spec, case, prob), prob)
    m = model_of(spec, est, prob)
    eps = EPS32 if case.f32 else EPS
    assert_optimal(m, eps=eps, warned=warned)
    if spec.loss == "huber" and not warned:
        assert_huber_scale_optimal(est, prob)


def assert_huber_scale_optimal(est, prob):
    """d/dsigma of scikit-learn's objective at the returned (w, b, sigma):
    sum_i s_i (1 - min(z_i^2, eps^2)), z = r / sigma; zero at the optimum, within what the
    stopping rule (relative change of sigma below tol) leaves."""
    s = _weights(prob)
    r = np.asarray(prob.y, float) - prob.X @ np.asarray(est.coef_, float) - est.intercept_
    z = r / est.scale_
    d = float(s @ (1 - np.minimum(z * z, est.epsilon ** 2))) / s.sum()
    # the curvature in sigma is (2 / sigma) mean(s z^2 [inliers]): a relative error tol
    # of sigma leaves about 2 tol mean(z^2) in the derivative
    inl = np.abs(z) <= est.epsilon
    bound = 4 * max(est.tol, 1e-7) * float(s @ np.where(inl, z * z, 0.0)) / s.sum() + 1e-6
    assert abs(d) <= bound, (d, bound)


@pytest.mark.parametrize("spec", PLAIN, ids=_ids(PLAIN))
@_settings(N_FIT)
@given(case=cases())
def test_property_optimality(spec, case):
    _check_optimality(spec, case)


CVS = [s for s in SPECS if s.cv]


@pytest.mark.parametrize("spec", CVS, ids=_ids(CVS))
@_settings(N_CV)
@given(case=cases())
def test_property_optimality_cv(spec, case):
    _check_optimality(spec, case)


# --------------------------------------------------------------------------------------
# Comparing two solutions of one problem
# --------------------------------------------------------------------------------------
def _lambda_min(m):
    """Smallest eigenvalue of the weighted Gram matrix of [X, 1] (X centered with an
    intercept: the intercept then separates)."""
    X, s, S = m.X, m.s, m.S
    Xc = X - (s @ X / S if m.intercept else 0.0)
    if X.shape[1] == 0:
        return np.inf
    return float(np.linalg.eigvalsh((Xc * s[:, None]).T @ Xc / S)[0])


def concave_mu(m):
    """Strong convexity of an MCP/SCAD objective (> 0: convex, one solution)."""
    pen = m.pen
    conc = 1.0 / pen.gamma if pen.kind == "mcp" else 1.0 / (pen.gamma - 1.0)
    return _lambda_min(m) - conc * float(np.max(pen.scale ** 2, initial=0.0))


def _residual_norm(m):
    """||(kkt, intercept gradient)||: the distance of 0 to the subdifferential."""
    _, kkt, gb = critical_point_criterion(m)
    return float(np.sqrt(np.sum(kkt * kkt) + gb * gb))


def coef_rounding(m):
    """What a float32 fit adds to its certificate (0 for float64): a bound on
    P(W, b) - P(w, c), (W, b) the float32 rounding (coef_, intercept_) of the engine's
    float64 solution (w, c) that the certificate is about, and on the error of the
    certificate, computed with float32 X.

    Round to nearest gives |w_j - W_j| <= eps32 / 2 |w_j| <= eps32 |W_j|; P is convex,
    so P(w) >= P(W) + <g, w - W> for any subgradient g at W, and P(W) - P(w) <=
    eps32 sum_j |g_j| |W_j| (+ the intercept's term). At a bound or a kink the first
    order term does not vanish: a coefficient at a bound of 1.9 moves by 1e-7 where the
    gradient is of order 1.
    """
    if not m.coef_eps or m.pen.kind in ("mcp", "scad"):
        return 0.0
    X, s, S, W, pen = m.X, m.s, m.S, m.W, m.pen
    _, G, _ = loss_terms(m, _eta(m))
    sub = X.T @ (s[:, None] * G) / S
    if pen.kind == "sep":
        sub = sub + pen.a[:, None] * np.sign(W) + pen.bw[:, None] * W
    elif pen.kind == "rows":
        nrm = np.linalg.norm(W, axis=1)
        sub = sub + (pen.a / np.where(nrm > 0, nrm, 1.0))[:, None] * W + pen.bw[:, None] * W
    else:  # group
        sub = sub + pen.a[:, None] * np.sign(W)
        for k, idx in enumerate(pen.groups):
            nrm = np.linalg.norm(W[idx])
            if nrm > 0:
                sub[idx] += pen.wg[k] * W[idx] / nrm
    gb = s @ G / S if m.intercept else np.zeros_like(m.b)
    rounding = m.coef_eps * float(np.sum(np.abs(sub * W)) + np.sum(np.abs(gb * m.b)))
    # and the certificate itself is evaluated with float32 X: V = X' diag(s) G / S in
    # float32 (n products, inputs rounded once) is off by dV <= (n + 2) eps32 |X|' |s G| / S,
    # which moves the dual by about sum_j |W_j| |dV_j| (W the conjugate's maximizer)
    dV = (X.shape[0] + 2) * m.coef_eps * (np.abs(X).T @ np.abs(s[:, None] * G)) / S
    return rounding + float(np.sum(np.abs(W) * dV))


def assert_same_solution(ma, mb, extra=0.0):
    """ma and mb: two fits of one problem (mb's coefficients and certificate already
    mapped onto ma's problem). ``extra``: what the problems themselves may differ by."""
    scale = tol_scale(ma)
    floor = 64 * EPS * (abs(objective(ma)) + scale) + extra + coef_rounding(ma) + coef_rounding(mb)
    if ma.pen.kind in ("mcp", "scad"):
        mu = concave_mu(ma)
        if mu <= 1e-6 * max(1.0, _lambda_min(ma)):
            return  # nonconvex: both are critical points (checked elsewhere), maybe not one
        # F(w) - F* <= ||g||^2 / (2 mu) and ||w - w*|| <= ||g|| / mu for a mu-strongly
        # convex objective, g any element of its subdifferential
        dist = (_residual_norm(ma) + _residual_norm(mb)) / mu
        Wd = np.linalg.norm(ma.W - mb.W)
        assert Wd <= dist * (1 + 1e-6) + 1e-9 * (1 + np.linalg.norm(ma.W)) + np.sqrt(extra), (
            Wd, dist)
        return
    ga, gb = max(ma.gap, 0.0), max(mb.gap, 0.0)
    Pa, Pb = objective(ma), objective(mb)
    assert abs(Pa - Pb) <= (ga + gb) * (1 + 1e-6) + floor, (Pa, Pb, ga, gb, floor)
    if ma.loss == "quad":
        # P(w) - P* >= 1/(2S) ||X (w - w*) + (b - b*)||_s^2: the fitted values agree
        d = _eta(ma) - _eta(mb)
        dist = np.sqrt(float(ma.s @ np.sum(d * d, axis=1)) / ma.S)
        assert dist <= (np.sqrt(2 * ga) + np.sqrt(2 * gb)) * (1 + 1e-6) + np.sqrt(2 * floor), (
            dist, ga, gb)
    mu = float(np.min(ma.pen.bw, initial=np.inf)) if ma.pen.bw is not None else 0.0
    if ma.loss == "quad" and ma.pen.kind != "group":
        mu = (0.0 if not np.isfinite(mu) else mu) + max(_lambda_min(ma), 0.0)
    if np.isfinite(mu) and mu > 1e-8:
        Wd = np.linalg.norm(ma.W - mb.W)
        lim = (np.sqrt(2 * ga / mu) + np.sqrt(2 * gb / mu)) * (1 + 1e-6) + np.sqrt(2 * floor / mu)
        assert Wd <= lim + 1e-9 * (1 + np.linalg.norm(ma.W)), (Wd, lim)


def huber_objective(est, X, y, s, W, b, sigma):
    """scikit-learn's objective of HuberRegressor (joint in w, b and sigma)."""
    w = np.ravel(W)
    z = (y - X @ w - b) / sigma
    e = est.epsilon
    H = np.where(np.abs(z) <= e, z * z, 2 * e * np.abs(z) - e * e)
    pf = _arr(est.penalty_factor, X.shape[1], 1.0)
    l1 = est.l1_ratio
    return float(s @ (sigma + sigma * H)) + est.alpha * float(
        np.sum(pf * ((1 - l1) * w * w + l1 * np.abs(w))))


def _floor_of(msg):
    """The scale floor a HuberRegressor collapse warning names."""
    import re

    return float(re.search(r"below ([0-9.]+e[+-][0-9]+)", msg).group(1))


def assert_same_huber(prob, a, Wb, bb, sigma_b, warned):
    """Two tight fits of one HuberRegressor problem: the same joint objective and scale
    (unless the scale collapsed: then the model interpolates and the returned scale is
    a floor, not an optimum; or a fit warned that it stopped short)."""
    if warned:
        collapsed = [m for m in warned if "collapses" in m]
        if collapsed:
            # the same floor (1e-8 of the weighted median absolute deviation of y: a
            # weight of 2 is a repeated sample). Not the same returned scale: that is the
            # last iterate before the collapse, from residuals at the rounding level where
            # the previous scale's fit stopped ('no further decrease'), which depends on
            # the rounding of the two problems (seed 3304: 2.085e-7 and 2.321e-7, float64)
            floors = {_floor_of(m) for m in collapsed}
            assert len(floors) == 1, floors
        return
    X, y, s = prob.X, np.asarray(prob.y, float), _weights(prob)
    Fa = huber_objective(a, X, y, s, a.coef_, a.intercept_, a.scale_)
    Fb = huber_objective(a, X, y, s, Wb, bb, sigma_b)
    assert abs(Fa - Fb) <= 1e-7 * abs(Fa) + 1e-12 * s.sum() * a.scale_, (Fa, Fb)
    # (float32 X: the scale's updates see float32 residuals)
    rtol = 1e-3 if a.coef_.dtype == np.float32 else 1e-5
    assert np.isclose(sigma_b, a.scale_, rtol=rtol), (sigma_b, a.scale_)


def moved(m, W, b, gap, coef_eps=None):
    """m's problem with another solution (W, b) and its certificate (``coef_eps``: the
    relative rounding of W and b, m's when None)."""
    return replace(m, W=np.asarray(W, float), b=np.asarray(b, float), gap=float(gap),
                   coef_eps=m.coef_eps if coef_eps is None else coef_eps)


# --------------------------------------------------------------------------------------
# 2. alpha >= alpha_max gives zero coefficients
# --------------------------------------------------------------------------------------
AMAX = [s for s in PLAIN if s.pen != "ridge"]


@pytest.mark.parametrize("spec", AMAX, ids=_ids(AMAX))
@_settings(N_FIT)
@given(case=cases(), factor=st.sampled_from([1.0, 1.0, 1.5, 1e3]))
def test_property_alpha_max_gives_zero(spec, case, factor):
    prob = make_problem(case, spec.target, spec.min_n)
    est = build(spec, case, prob)
    if "l1_ratio" in est.get_params() and spec.pen != "sgl":
        est.set_params(l1_ratio=max(case.l1, 0.3))
    if spec.loss == "huber":
        # zero coefficients are the joint optimum's; the scale's stopping rule (a relative
        # change below tol) leaves sigma further off than tol (the alternation converges
        # linearly: 2e-6 at tol 1e-8, seed 362), and the L1 threshold alpha sigma / (2 S)
        # with it: a coefficient of 2.5e-6 at 1 + 1e-5 times alpha_max
        est.set_params(tol=1e-12)
    amax = hand_alpha_max(spec, est, prob)
    # float32 X: the engines' null gradient is float32-accurate. Huber: even at tol
    # 1e-12 the returned scale is off by about 1e-7 relatively (seed 314962: a coefficient
    # of 7.5e-8 up to 1 + 1e-7 times alpha_max, none from 1 + 1e-6), the threshold too
    rel = 1e-5 if case.f32 or spec.loss == "huber" else 1e-9
    alpha = amax * (1 + rel) * factor
    if spec.loss in ("logistic", "multinomial"):
        est.set_params(alpha=alpha, C=1.0)
    else:
        est.set_params(alpha=alpha)
    est, _ = fit(est, prob)
    m = model_of(spec, est, prob)
    if m.pen.kind in ("sep", "rows"):
        penalized_ = m.pen.a > 0
    elif m.pen.kind == "group":
        penalized_ = np.zeros(m.W.shape[0], bool)
        for k, idx in enumerate(m.pen.groups):
            penalized_[idx] = m.pen.wg[k] > 0 or np.all(m.pen.a[idx] > 0)
    else:
        penalized_ = m.pen.a * m.pen.scale > 0
    assert np.all(m.W[penalized_] == 0), (amax, m.W[penalized_])
    if spec.name in ("Lasso", "ElasticNet") and amax > 0:
        own = penalized.alpha_max(
            prob.Xfit, prob.y, l1_ratio=getattr(est, "l1_ratio", 1.0), sample_weight=prob.sw,
            fit_intercept=est.fit_intercept, penalty_factor=est.penalty_factor,
            lower_bounds=est.lower_bounds, upper_bounds=est.upper_bounds) if not \
            est.standardize else None
        if own is not None:
            # float32 X: alpha_max is rounded up to the float32 rounding of the gradient
            err = hand_alpha_max(spec, est, prob, rounding=True) if case.f32 else 0.0
            assert -rel * amax <= own - amax <= rel * amax + err + 1e-300, (own, amax, err)
            at = clone(est).set_params(alpha=own).fit(prob.Xfit, prob.y, sample_weight=prob.sw)
            assert np.all(np.ravel(at.coef_)[penalized_] == 0)


AMAX_CV = [s for s in CVS if s.pen != "ridge"]


@pytest.mark.parametrize("spec", AMAX_CV, ids=_ids(AMAX_CV))
@_settings(N_CV)
@given(case=cases())
def test_property_cv_grid_starts_at_alpha_max(spec, case):
    prob = make_problem(case, spec.target, spec.min_n)
    est, _ = fit(build(spec, case, prob), prob)
    top = float(np.max(est.alphas_))
    amax = hand_alpha_max(spec, est, prob)  # at l1_ratio 1 (the sparse-group lasso: its own)
    # float32 X: the engines' null gradient is computed in float32
    err = hand_alpha_max(spec, est, prob, rounding=True) if case.f32 else 0.0
    if spec.pen != "sgl" and "Lasso" not in spec.name:
        l1 = float(np.min(np.atleast_1d(getattr(est, "l1_ratio", 1.0))))
        amax, err = amax / l1, err / l1
    assert abs(top - amax) <= 1e-8 * amax + err, (top, amax, err)


# --------------------------------------------------------------------------------------
# 3. permuting the features permutes the coefficients
# --------------------------------------------------------------------------------------
PER_FEATURE = ("penalty_factor", "lower_bounds", "upper_bounds", "groups")


def _coef_matrix(est, p):
    """coef_ as W (p, K)."""
    c = np.asarray(est.coef_, dtype=np.float64)
    return c.reshape(p, 1) if c.ndim == 1 else c.T


def _same_alpha(spec, a, b, rtol=1e-9):
    """CV estimators: the folds' curves may tie; when the two fits chose different alphas
    their CV errors must be tied (then there is nothing to compare)."""
    if not spec.cv:
        return True
    if np.isclose(a.alpha_, b.alpha_, rtol=rtol) and np.isclose(
            getattr(a, "l1_ratio_", 1.0), getattr(b, "l1_ratio_", 1.0)):
        return True
    if spec.pen in ("mcp", "scad"):
        # nonconvex: the two fits' critical points (coordinate order) may differ, and the
        # folds' curves with them (seed 10000001, p > n: 3.60 and 3.88 at one alpha)
        return False
    ia = np.argmin(np.abs(np.ravel(a.alphas_) - a.alpha_))
    ib = np.argmin(np.abs(np.ravel(b.alphas_) - b.alpha_))
    for cv in (np.ravel(a.cv_mean_), np.ravel(b.cv_mean_)):  # a tie on both curves
        assert abs(cv[ia] - cv[ib]) <= 1e-6 * abs(cv[ia]) + 1e-12, (a.alpha_, b.alpha_)
    return False


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
@_settings(N_CV)
@given(case=cases())
def test_property_permuting_features(spec, case):
    prob = make_problem(case, spec.target, spec.min_n)
    p = prob.X.shape[1]
    est = build(spec, case, prob, tight=True)
    perm = prob.rng.permutation(p)
    inv = np.argsort(perm)
    other = clone(est)
    for name in PER_FEATURE:
        v = est.get_params().get(name)
        if v is not None and np.ndim(v) == 1:
            other.set_params(**{name: np.asarray(v)[perm]})
    a, wa = fit(est, prob)
    Xp = prob.Xfit[:, perm]
    Xp = Xp.tocsc() if sp.issparse(Xp) else np.asfortranarray(Xp)
    b, wb = fit(other, prob, X=Xp)
    if not _same_alpha(spec, a, b):
        return
    Wb = _coef_matrix(b, p)[inv]
    if spec.loss == "huber":
        return assert_same_huber(prob, a, Wb, b.intercept_, b.scale_, wa + wb)
    ma = model_of(spec, a, prob)
    mb = moved(ma, Wb, np.atleast_1d(np.asarray(b.intercept_, float)),
               model_of(spec, b, replace(prob, X=prob.X[:, perm])).gap)
    assert_same_solution(ma, mb)


# --------------------------------------------------------------------------------------
# 4. a duplicated sample is a sample weight of 2
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", PLAIN, ids=_ids(PLAIN))
@_settings(N_FIT)
@given(case=cases())
# found by hypothesis: where HuberRegressor's scale collapses (the model interpolates) the
# fit is returned at 1e-8 of the spread of y, which was the unweighted median absolute
# deviation: a weight of 2 and a repeated sample gave different scales
@example(case=Case(seed=9512, n=2, p=4, sparse=True, f32=False, weighted=False,
                   intercept=False, frac=0.5, l1=0.7, pf="random", bounded=False,
                   standardize=True))
@example(case=Case(seed=273463440, n=24, p=29, sparse=True, f32=True, weighted=False,
                   intercept=False, frac=0.01, l1=0.7, pf="with_zero", bounded=True,
                   standardize=True))
def test_property_duplicate_sample_is_weight_two(spec, case):
    prob = make_problem(case, spec.target, spec.min_n)
    n = prob.X.shape[0]
    i = int(prob.rng.integers(n))
    est = build(spec, case, prob, tight=True)
    s = _weights(prob)
    s2 = s.copy()
    s2[i] *= 2
    a, wa = fit(clone(est), prob, sw=s2)
    rows = np.r_[np.arange(n), i]
    Xd = prob.Xfit[rows]
    Xd = Xd.tocsc() if sp.issparse(Xd) else np.asfortranarray(Xd)
    yd = np.asarray(prob.y)[rows]
    b, wb = fit(clone(est), prob, X=Xd, y=yd, sw=None if prob.sw is None else s[rows])
    pa = replace(prob, sw=s2)
    if spec.loss == "huber":
        return assert_same_huber(pa, a, b.coef_, b.intercept_, b.scale_, wa + wb)
    ma = model_of(spec, a, pa)
    pb = replace(prob, X=prob.X[rows], y=yd, sw=s[rows])
    mb = moved(ma, _coef_matrix(b, prob.X.shape[1]), np.atleast_1d(np.asarray(b.intercept_,
                                                                             float)),
               model_of(spec, b, pb).gap)
    assert_same_solution(ma, mb)


# --------------------------------------------------------------------------------------
# 5. scaling y (and alpha as the objective requires) scales least-squares coefficients
# --------------------------------------------------------------------------------------
SCALED = [s for s in SPECS if s.scale is not None]


def scaled_estimator(spec, est, c):
    """The estimator whose solution on c * y is c times est's on y."""
    out = clone(est)
    prm = est.get_params()
    for name in ("lower_bounds", "upper_bounds"):
        if prm.get(name) is not None:
            out.set_params(**{name: c * np.asarray(prm[name])})
    if spec.scale == "alpha":  # a penalty homogeneous of degree 1
        out.set_params(alpha=c * prm["alpha"])
    elif spec.scale == "enet":  # alpha l1 -> c alpha l1, alpha (1 - l1) unchanged
        a, l1 = prm["alpha"], prm["l1_ratio"]
        new = c * a * l1 + a * (1 - l1)
        out.set_params(alpha=new, l1_ratio=c * a * l1 / new)
    elif spec.scale == "adaptive":  # weights |w0|^-gamma scale by c^-gamma
        out.set_params(alpha=prm["alpha"] * c ** (1 + prm["gamma"]))
    elif spec.scale == "huber":  # sigma scales by c: L2 part alpha / c, L1 part alpha
        a, l1 = prm["alpha"], prm["l1_ratio"]
        new = a * (1 - l1) / c + a * l1
        out.set_params(alpha=new, l1_ratio=a * l1 / new)
    # "same" (Ridge: scikit-learn's sum-of-squares scale) and "grid" (CV: the grid
    # follows alpha_max) keep the parameters
    return out


@pytest.mark.parametrize("spec", SCALED, ids=_ids(SCALED))
@_settings(N_CV)
@given(case=cases(), c=st.sampled_from([1e-3, 7.0, 1e3]))
def test_property_scaling_y_scales_coefficients(spec, case, c):
    prob = make_problem(case, spec.target, spec.min_n)
    est = build(spec, case, prob, tight=True)
    if spec.loss == "huber":
        est.set_params(tol=1e-12)
    if spec.scale == "grid" and "ElasticNet" in spec.name:
        # the grid follows alpha_max, so alpha scales by c; the squared L2 part
        # alpha (1 - l1) / 2 ||w||^2 then scales by c^3 against the loss's c^2: only
        # l1_ratio 1 gives c times the solution (the grid cannot take the plain
        # estimator's l1_ratio change)
        est.set_params(l1_ratio=1.0)
    a, wa = fit(est, prob)
    yc = c * np.asarray(prob.y, dtype=np.float64)
    if case.f32:
        yc = yc.astype(np.float32)
    b, wb = fit(scaled_estimator(spec, est, c), prob, y=yc)
    if not _same_alpha(spec, a, b, rtol=1e-6):
        return
    pb = replace(prob, y=yc)
    if case.f32:  # the problems differ by the rounding of c * y to float32
        return _compare_float32_scaled(spec, a, b, prob, pb, c)
    if spec.loss == "huber":
        collapsed = [[m for m in w if "collapses" in m] for w in (wa, wb)]
        if any(collapsed):
            # the floors scale with y (1e-8 of its spread); the returned scales are the
            # last iterates above them, which rounding decides (see assert_same_huber)
            assert all(collapsed), (wa, wb)
            fa, fb = (_floor_of(m[0]) for m in collapsed)
            assert np.isclose(fb, c * fa, rtol=1e-3), (fb, c * fa)  # printed to 4 digits
            return
        Wa, Wb = np.asarray(a.coef_, float), np.asarray(b.coef_, float)
        assert np.isclose(b.scale_, c * a.scale_, rtol=1e-6), (b.scale_, c * a.scale_)
        atol = 1e-6 * c * (np.max(np.abs(Wa), initial=0) + abs(a.intercept_) + a.scale_)
        assert np.max(np.abs(Wb - c * Wa), initial=0) <= atol
        return
    mb = model_of(spec, b, pb)
    ma_on_b = moved(mb, c * _coef_matrix(a, prob.X.shape[1]),
                    c * np.atleast_1d(np.asarray(a.intercept_, float)),
                    c * c * model_of(spec, a, prob).gap)
    assert_same_solution(mb, ma_on_b)


def _compare_float32_scaled(spec, a, b, prob, pb, c):
    """float32: c * y rounds; compare within float32 accuracy of the coefficients."""
    Wa, Wb = c * _coef_matrix(a, prob.X.shape[1]), _coef_matrix(b, prob.X.shape[1])
    top = max(np.max(np.abs(Wa), initial=0.0), np.max(np.abs(Wb), initial=0.0))
    mb = model_of(spec, b, pb)
    ma_on_b = moved(mb, Wa, c * np.atleast_1d(np.asarray(a.intercept_, float)), mb.gap)
    Pa, Pb = objective(ma_on_b), objective(mb)
    # plus the square of the rounding of c * y: an exact fit (one sample with an
    # intercept, Pb = 0) puts all of it in Pa (c y = 74.3: 6.4e-14)
    sq = (EPS32 * float(np.max(np.abs(mb.Y), initial=0.0))) ** 2
    assert abs(Pa - Pb) <= 1e3 * EPS32 * (abs(Pb) + tol_scale(mb)) + sq, (Pa, Pb, top)


# --------------------------------------------------------------------------------------
# 6. refitting gives bit-identical coefficients
# --------------------------------------------------------------------------------------
def _fitted_arrays(est):
    out = [np.asarray(est.coef_), np.asarray(est.intercept_)]
    for name in ("alpha_", "scale_", "dual_gap_", "stop_crit_"):
        if hasattr(est, name):
            out.append(np.asarray(getattr(est, name)))
    return out


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
@_settings(N_CV)
@given(case=cases())
def test_property_refit_is_bit_identical(spec, case):
    prob = make_problem(case, spec.target, spec.min_n)
    est = build(spec, case, prob)
    a, _ = fit(clone(est), prob)
    first = [x.copy() for x in _fitted_arrays(a)]
    b, _ = fit(clone(est), prob)
    a, _ = fit(a, prob)  # the same object again
    for x, y_, z in zip(first, _fitted_arrays(b), _fitted_arrays(a), strict=True):
        assert x.dtype == y_.dtype == z.dtype
        assert_array_equal(x, y_)
        assert_array_equal(x, z)


# --------------------------------------------------------------------------------------
# 7. fit never modifies X, y or sample_weight (and takes read-only arrays)
# --------------------------------------------------------------------------------------
def _snapshot(X):
    if sp.issparse(X):
        return (X.format, X.data.copy(), X.indices.copy(), X.indptr.copy(), X.shape)
    return (np.asarray(X).copy(),)


def _assert_unchanged(X, snap):
    now = _snapshot(X)
    assert len(now) == len(snap)
    for u, v in zip(now, snap, strict=True):
        if isinstance(u, np.ndarray):
            assert u.dtype == v.dtype
            assert_array_equal(u, v)
        else:
            assert u == v


def _read_only(X):
    if sp.issparse(X):
        for arr in (X.data, X.indices, X.indptr):
            arr.setflags(write=False)
    else:
        X.setflags(write=False)
    return X


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
@_settings(N_CV)
@given(case=cases(), fmt=st.sampled_from(["native", "csr", "C"]), read_only=st.booleans())
def test_property_fit_never_modifies_its_input(spec, case, fmt, read_only):
    prob = make_problem(case, spec.target, spec.min_n)
    X = prob.Xfit  # F-ordered dense or CSC: the arrays the engines use without a copy
    if fmt == "csr" and sp.issparse(X):
        X = X.tocsr()
    elif fmt == "C" and not sp.issparse(X):
        X = np.ascontiguousarray(X)
    y = np.array(prob.y)
    sw = None if prob.sw is None else np.array(prob.sw)
    snaps = [_snapshot(X), _snapshot(y)] + ([] if sw is None else [_snapshot(sw)])
    if read_only:
        X, y = _read_only(X), _read_only(y)
        sw = None if sw is None else _read_only(sw)
    est = build(spec, case, prob)
    est.fit(X, y, sample_weight=sw)
    est.fit(X, y, sample_weight=sw)  # a refit (warm-start paths) too
    _assert_unchanged(X, snaps[0])
    _assert_unchanged(y, snaps[1])
    if sw is not None:
        _assert_unchanged(sw, snaps[2])


# --------------------------------------------------------------------------------------
# 8. float32 results are within float32 accuracy of float64 ones
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
@_settings(N_CV)
@given(case=cases())
def test_property_float32_matches_float64(spec, case):
    case = replace(case, f32=False)
    p64 = make_problem(case, spec.target, spec.min_n)
    est = build(spec, case, p64, tight=True)
    a, _ = fit(clone(est), p64)
    X32 = container(p64.X, case.sparse, True)
    y32 = (np.asarray(p64.y, np.float32) if spec.target in ("reg", "mt")
           else np.asarray(p64.y))
    p32 = replace(p64, X=np.asarray(X32.toarray() if sp.issparse(X32) else X32, np.float64),
                  y=y32, Xfit=X32)
    b, _ = fit(clone(est), p32, X=X32, y=y32)
    assert np.asarray(b.coef_).dtype == np.float32
    if not _same_alpha(spec, a, b, rtol=1e-3):
        return
    m64, m32 = model_of(spec, a, p64), model_of(spec, b, p32)
    W32, b32 = m32.W, m32.b
    if spec.loss == "huber":  # different scales: compare the coefficients
        atol = 1e3 * EPS32 * (np.max(np.abs(m64.W), initial=0) + abs(a.intercept_) + a.scale_)
        assert np.max(np.abs(W32 - m64.W), initial=0) <= atol * 1e3
        return
    # the exact difference of the two problems' objectives at both points
    d = sum(abs(objective(moved(m64, W, bb, 0)) - objective(moved(m32, W, bb, 0)))
            for W, bb in ((m64.W, m64.b), (W32, b32)))
    on64 = moved(m64, W32, b32, m32.gap + d, coef_eps=m32.coef_eps)
    assert_same_solution(m64, on64, extra=d)
    P64, P32 = objective(m64), objective(on64)
    # plus d: the float64 problem's y is not the float32 one's (one sample with an
    # intercept: P64 = 0 and P32 = (y - fl32(y))^2 / 2 = 1.8e-15, all of it d)
    assert abs(P32 - P64) <= 1e3 * EPS32 * (abs(P64) + tol_scale(m64)) + d, (P32, P64, d)


# --------------------------------------------------------------------------------------
# Defects the properties found, pinned
# --------------------------------------------------------------------------------------
def test_grouped_multinomial_keeps_its_momentum_and_stops_when_stalled():
    # found by the optimality property: FISTA restarted its momentum at every certificate
    # (every 10 iterations), so an ill-conditioned problem (p > n, a small alpha) took
    # hundreds of thousands of iterations; and on float32 X, whose objective is only
    # float32-accurate, a plain step that could not decrease it was retried until
    # max_iter * 2000 iterations (minutes: a hang)
    case = Case(seed=23408, n=12, p=47, sparse=True, f32=False, weighted=True, intercept=True,
                frac=0.01, l1=0.3, pf="random", bounded=False, standardize=False)
    spec = BY_NAME["LogisticRegression-grouped"]
    for sparse in (False, True):
        prob = make_problem(replace(case, sparse=sparse), spec.target, spec.min_n)
        est = build(spec, replace(case, sparse=sparse), prob).set_params(max_iter=100)
        est, warned = fit(est, prob)
        assert not warned and est.n_iter_[0] < 5000
        assert_optimal(model_of(spec, est, prob))
    prob = make_problem(replace(case, f32=True), spec.target, spec.min_n)
    est = build(spec, replace(case, f32=True), prob).set_params(max_iter=100)
    with pytest.warns(ConvergenceWarning, match="no further decrease .* duality gap"):
        est.fit(prob.Xfit, prob.y, sample_weight=prob.sw)
    assert est.n_iter_[0] < 5000
    assert_optimal(model_of(spec, est, prob), eps=EPS32, warned=True)



def test_coxphcv_trial_steps_beyond_the_exponent_range_are_refused():
    # found by the permutation property (seed 50): a trial step of a fold's prox-Newton
    # line search spread eta beyond the exponent range, and the Cox sums divided by a
    # risk-set weight of 0 (ZeroDivisionError from numba: a crash of CoxPHCV.fit)
    case = Case(seed=50, n=50, p=50, sparse=False, f32=True, weighted=True, intercept=True,
                frac=0.5, l1=0.7, pf="random", bounded=False, standardize=False)
    spec = BY_NAME["CoxPHCV"]
    prob = make_problem(case, spec.target, spec.min_n)
    est = build(spec, case, prob, tight=True)
    perm = prob.rng.permutation(prob.X.shape[1])
    pf = est.get_params()["penalty_factor"]
    for X, other in ((prob.Xfit, est), (np.asfortranarray(prob.Xfit[:, perm]),
                                        clone(est).set_params(penalty_factor=pf[perm]))):
        fitted, warned = fit(other, prob, X=X)
        assert_optimal(model_of(spec, fitted, replace(prob, X=np.asarray(X, np.float64))),
                       eps=EPS32, warned=bool(warned))
