"""Concave penalties (MCP, SCAD, log-sum, Lq): every scalar against brute force."""

import numpy as np
import pytest

from penalized.penalties import L1, MCP, SCAD, LogSum, Lq
from penalized.penalties.concave import KINDS, ConcaveArrays

GRID = np.linspace(-16, 16, 640001)

SPECS = {"mcp": MCP(gamma=2.5), "scad": SCAD(gamma=3.7), "log_sum": LogSum(eps=0.5),
         "lq": Lq(q=0.5)}


def _unit(t, lam, kind, g):
    t = np.abs(t)
    if kind == "mcp":
        return np.where(t <= g * lam, lam * t - t * t / (2 * g), g * lam * lam / 2)
    if kind == "scad":
        mid = (2 * g * lam * t - t * t - lam * lam) / (2 * (g - 1))
        return np.where(t <= lam, lam * t, np.where(t <= g * lam, mid, lam * lam * (g + 1) / 2))
    if kind == "log_sum":
        return lam * np.log1p(t / g)
    return lam * t ** g


def _arrays(kind, lam, s, lo, up, g):
    return ConcaveArrays(np.array([lam]), np.array([s]), np.array([lo]), np.array([up]), g,
                         KINDS[kind])


@pytest.mark.parametrize("kind,g", [("mcp", 2.5), ("mcp", 1.2), ("scad", 3.7), ("scad", 2.2),
                                    ("log_sum", 0.5), ("log_sum", 0.05), ("lq", 0.5),
                                    ("lq", 0.2)])
@pytest.mark.parametrize("z", [-3.0, -0.9, -0.2, 0.0, 0.45, 1.1, 2.0, 4.5])
@pytest.mark.parametrize("L,s", [(1.0, 1.0), (0.3, 1.0), (2.0, 0.7)])
@pytest.mark.parametrize("lo,up", [(-np.inf, np.inf), (0.0, np.inf), (-0.4, 1.3)])
def test_prox_matches_brute_force(kind, g, z, L, s, lo, up):
    """The coordinate update is the global minimizer of the 1-D problem, also where the
    1-D problem is nonconvex (small L)."""
    lam = 0.8
    arr = _arrays(kind, lam, s, lo, up, g)
    got = arr.prox(np.array([z]), L)[0]
    w = GRID[(GRID >= lo) & (GRID <= up)]
    f = 0.5 * L * w * w - z * w + _unit(s * w, lam, kind, g)
    f_got = 0.5 * L * got ** 2 - z * got + _unit(s * got, lam, kind, g)
    assert lo <= got <= up
    assert f_got <= f.min() + 1e-9
    # the minimizer itself, where it is unique to grid precision
    if np.sum(f <= f.min() + 1e-7) <= 3:
        assert abs(got - w[np.argmin(f)]) < 1e-3


@pytest.mark.parametrize("kind", list(SPECS))
def test_value_and_weights(kind):
    """Values against the formulas; weights (derivatives) by finite differences."""
    spec = SPECS[kind]
    arr = spec.arrays(5)
    w = np.array([0.0, 0.3, -1.3, 2.2, -6.0])
    g = arr.g
    assert arr.value(w) == pytest.approx(float(np.sum(_unit(w, 1.0, kind, g))))
    h = 1e-6
    t = np.abs(w[1:])
    num = (_unit(t + h, 1.0, kind, g) - _unit(t - h, 1.0, kind, g)) / (2 * h)
    np.testing.assert_allclose(arr.weights(w)[1:], num, rtol=1e-5, atol=1e-7)
    # standardized: P(s |w|)
    sd = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    arr_s = arr.standardized(sd ** 2)
    assert arr_s.value(w) == pytest.approx(float(np.sum(_unit(sd * w, 1.0, kind, g))))


@pytest.mark.parametrize("kind", ["mcp", "scad", "log_sum"])
def test_kkt_is_lasso_kkt_with_derivative_weights(kind):
    arr = SPECS[kind].arrays(4)
    w = np.array([0.0, 0.5, -2.0, 0.0])
    grad = np.array([0.3, -0.2, 0.1, -5.0])
    a = arr.weights(w)
    want = L1(1.0, penalty_factor=a).arrays(4).kkt(w, grad)
    np.testing.assert_allclose(arr.kkt(w, grad), want)


def test_lq_zero_is_always_critical():
    arr = Lq(0.5).arrays(2)
    assert np.all(arr.kkt(np.zeros(2), np.array([100.0, -3.0])) == 0)


def test_alpha_max():
    grad = np.array([0.5, -2.0, 1.0])
    amax_l1 = L1(1.0).arrays(3).alpha_max(grad)
    for spec, factor in [(MCP(3.0), 1.0), (SCAD(), 1.0), (LogSum(eps=0.2), 0.2), (Lq(0.5), 1.0)]:
        assert spec.arrays(3).alpha_max(grad) == pytest.approx(amax_l1 * factor)


@pytest.mark.parametrize("spec,match", [
    (MCP(gamma=1.0), "gamma"), (MCP(gamma=0.5), "gamma"), (MCP(gamma="a"), "gamma"),
    (SCAD(gamma=2.0), "gamma"), (LogSum(eps=0.0), "eps"), (Lq(q=1.0), "q"), (Lq(q=0.0), "q"),
    (Lq(q=1.5), "q"), (MCP(alpha=-1.0), "alpha"), (MCP(penalty_factor=[1.0, -1.0]),
                                                   "penalty_factor"),
    (SCAD(lower_bounds=0.5), "lower_bounds"), (LogSum(penalty_factor=[1, 1, 1]),
                                               "penalty_factor"),
])
def test_bad_parameters_are_named(spec, match):
    with pytest.raises((ValueError, TypeError), match=match):
        spec.arrays(2)


def test_configure_merges_estimator_options():
    spec = MCP(gamma=2.0).configure(0.5, penalty_factor=[1.0, 0.0], positive=True)
    assert spec.alpha == 0.5 and spec.positive and spec.gamma == 2.0
    with pytest.raises(ValueError, match="positive"):
        MCP(positive=True).configure(1.0, positive=True)
