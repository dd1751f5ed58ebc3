"""Penalty pieces against brute force: 1-D prox, conjugate, subdifferential distance."""

import numpy as np
import pytest

from penalized.penalties import L1, L2, ElasticNet, PenaltyArrays
from penalized.penalties.separable import kkt1d, prox1d

GRID = np.linspace(-6, 6, 240001)


def _brute_prox(z, L, a, b, lo, up):
    w = np.concatenate([GRID[(GRID >= lo) & (GRID <= up)], [lo, up]])
    f = 0.5 * L * w * w - z * w + a * np.abs(w) + 0.5 * b * w * w
    return w[np.argmin(f)]


@pytest.mark.parametrize("z", [-3.0, -0.4, 0.0, 0.2, 0.9, 2.5])
@pytest.mark.parametrize("a,b", [(0.5, 0.0), (0.5, 1.0), (0.0, 2.0), (0.0, 0.0)])
@pytest.mark.parametrize("lo,up", [(-np.inf, np.inf), (0.0, np.inf), (-0.3, 0.7), (-1.0, 0.0)])
def test_prox1d_matches_brute_force(z, a, b, lo, up):
    L = 1.3
    got = prox1d(z, L, a, b, lo, up)
    want = _brute_prox(z, L, a, b, max(lo, -6), min(up, 6))
    assert abs(got - want) < 1e-4
    assert lo <= got <= up


def _brute_kkt(w, grad, a, lo, up):
    # distance from -grad to {a * s + n}: s in d|w|, n in normal cone of [lo, up] at w
    if w > 0:
        sub = [a, a]
    elif w < 0:
        sub = [-a, -a]
    else:
        sub = [-a, a]
    lo_n, hi_n = 0.0, 0.0
    if w == up:
        hi_n = np.inf
    if w == lo:
        lo_n = -np.inf
    low, high = sub[0] + lo_n, sub[1] + hi_n
    m = -grad
    return max(0.0, low - m, m - high)


_KKT_CASES = [
    (w, grad, lo, up)
    for w in (0.0, 0.5, -0.5, 1.0, -1.0)
    for grad in (-2.0, -0.3, 0.0, 0.4, 1.7)
    for lo, up in ((-np.inf, np.inf), (0.0, 1.0), (-1.0, 0.0), (-1.0, 1.0))
    if lo <= w <= up
]


@pytest.mark.parametrize("w,grad,lo,up", _KKT_CASES)
def test_kkt_distance(w, grad, lo, up):
    a = 0.6
    want = _brute_kkt(w, grad, a, lo, up)
    assert kkt1d(w, grad, a, lo, up) == pytest.approx(want)
    arr = PenaltyArrays(np.array([a]), np.array([0.0]), np.array([lo]), np.array([up]))
    assert arr.kkt(np.array([w]), np.array([grad]))[0] == pytest.approx(want)


@pytest.mark.parametrize("v", [-2.0, -0.5, 0.1, 0.7, 3.0])
@pytest.mark.parametrize("a,b,lo,up", [(0.5, 1.0, -np.inf, np.inf), (0.5, 0.0, -1.0, 2.0),
                                       (0.0, 2.0, 0.0, np.inf), (1.0, 0.5, -0.2, 0.3)])
def test_conjugate_matches_brute_force(v, a, b, lo, up):
    arr = PenaltyArrays(*(np.array([t]) for t in (a, b, lo, up)))
    w = GRID[(GRID >= lo) & (GRID <= up)]
    w = np.concatenate([w, [t for t in (lo, up) if np.isfinite(t)]])
    want = np.max(v * w - a * np.abs(w) - 0.5 * b * w * w)
    assert arr.conjugate(np.array([v])) == pytest.approx(want, abs=1e-6)


def test_l1_conjugate_domain_and_scaling():
    arr = L1(0.5).arrays(3)
    v = np.array([0.2, -1.0, 2.0])
    c = arr.dual_scaling(v)
    assert c == pytest.approx(0.25)
    assert arr.conjugate(v, c) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_gap_terms_equal_value_scaling_and_conjugate(seed):
    # the fused pass skips zeros of w and the L1 coordinates inside the domain: it must
    # give the three separate evaluations, with bounds, L2 parts and unpenalized features
    rng = np.random.default_rng(seed)
    p = 200
    a = rng.choice([0.0, 0.5, 1.0], p)
    b = rng.choice([0.0, 0.0, 0.3], p)
    lo = rng.choice([-np.inf, -1.0, 0.0], p)
    up = rng.choice([np.inf, 2.0, 0.0], p)
    arr = PenaltyArrays(a, b, lo, up)
    w = np.where(rng.random(p) < 0.7, 0.0, np.clip(rng.standard_normal(p), lo, up))
    v = 1.5 * rng.standard_normal(p)
    c = arr.dual_scaling(v)
    val, c2, conj = arr.gap_terms(w, v)
    assert c2 == c
    assert val == pytest.approx(arr.value(w), rel=1e-12)
    assert conj == pytest.approx(arr.conjugate(v, c), rel=1e-12, abs=1e-12)
    v[:5] = np.nan  # NaN entries: the same as the separate evaluations
    c = arr.dual_scaling(v)
    np.testing.assert_allclose(arr.gap_terms(w, v), (arr.value(w), c, arr.conjugate(v, c)),
                               rtol=1e-12, atol=1e-12, equal_nan=True)


def test_arrays_and_value():
    pen = ElasticNet(2.0, 0.25, penalty_factor=[1.0, 0.0, 3.0], lower_bounds=[-1, -1, 0])
    arr = pen.arrays(3)
    np.testing.assert_allclose(arr.a, [0.5, 0.0, 1.5])
    np.testing.assert_allclose(arr.b, [1.5, 0.0, 4.5])
    np.testing.assert_array_equal(arr.unpenalized, [1])
    w = np.array([0.5, 4.0, 0.2])
    want = 0.5 * 0.5 + 1.5 * 0.2 + 0.5 * (1.5 * 0.25 + 4.5 * 0.04)
    assert arr.value(w) == pytest.approx(want)
    assert arr.value(np.array([0.0, 0.0, -0.1])) == np.inf
    assert L2(1.0).arrays(2).b.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("kwargs,match", [
    ({"alpha": -1.0}, "alpha"),
    ({"alpha": "a"}, "alpha"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"penalty_factor": [1.0, -1.0]}, "penalty_factor"),
    ({"penalty_factor": [1.0, 1.0, 1.0]}, "penalty_factor"),
    ({"lower_bounds": 0.5}, "lower_bounds"),
    ({"upper_bounds": [-1.0, 1.0]}, "upper_bounds"),
])
def test_penalty_validation(kwargs, match):
    params = {"alpha": 1.0, "l1_ratio": 0.5} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        ElasticNet(**params).arrays(2)
