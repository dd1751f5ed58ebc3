"""Group, sparse-group and L2,1 penalties: block formulas against brute force on a grid,
the groups' parsing and its errors."""

import numpy as np
import pytest

from penalized.penalties import L21, GroupLasso, SparseGroupLasso
from penalized.penalties.group import block_dual_scale, block_kkt, block_prox, parse_groups
from penalized.penalties.l21 import row_kkt, row_prox

G1 = np.linspace(-4, 4, 1601)
XX, YY = np.meshgrid(G1, G1, indexing="ij")


def _brute_block(u, a1, ag, step, positive):
    f = (0.5 * ((XX - u[0]) ** 2 + (YY - u[1]) ** 2)
         + step * (a1[0] * np.abs(XX) + a1[1] * np.abs(YY) + ag * np.hypot(XX, YY)))
    if positive:
        f = np.where((XX >= 0) & (YY >= 0), f, np.inf)
    i = np.unravel_index(np.argmin(f), f.shape)
    return np.array([XX[i], YY[i]]), f[i]


@pytest.mark.parametrize("u", [(1.5, -0.7), (0.2, 0.1), (-2.0, 3.0), (0.9, 0.0)])
@pytest.mark.parametrize("a1,ag", [((0.0, 0.0), 1.0), ((0.3, 0.6), 0.5), ((0.5, 0.5), 0.0),
                                   ((0.0, 0.0), 0.0)])
@pytest.mark.parametrize("step", [1.0, 0.6])
@pytest.mark.parametrize("positive", [False, True])
def test_block_prox_matches_brute_force(u, a1, ag, step, positive):
    u = np.array(u, dtype=float)
    a1 = np.array(a1, dtype=float)
    got = u.copy()
    block_prox(got, a1, ag, positive, step)
    want, fmin = _brute_block(u, a1, ag, step, positive)
    f = (0.5 * np.sum((got - u) ** 2)
         + step * (a1 @ np.abs(got) + ag * np.linalg.norm(got)))
    assert f <= fmin + 1e-9
    np.testing.assert_allclose(got, want, atol=6e-3)
    if positive:
        assert np.all(got >= 0)


@pytest.mark.parametrize("u", [(1.5, -0.7), (0.2, 0.1), (-2.0, 3.0)])
@pytest.mark.parametrize("L,a,b", [(1.0, 0.8, 0.0), (2.0, 0.5, 1.0), (0.7, 0.0, 0.5)])
def test_row_prox_matches_brute_force(u, L, a, b):
    u = np.array(u, dtype=float)
    got = u.copy()
    row_prox(got, L, a, b)
    f = (0.5 * L * ((XX - u[0]) ** 2 + (YY - u[1]) ** 2) + a * np.hypot(XX, YY)
         + 0.5 * b * (XX ** 2 + YY ** 2))
    i = np.unravel_index(np.argmin(f), f.shape)
    np.testing.assert_allclose(got, [XX[i], YY[i]], atol=6e-3)


def test_block_kkt_is_zero_at_the_prox_fixed_point():
    """``x = prox(x + v)`` exactly when ``v`` is in the subdifferential at x."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        u = rng.standard_normal(4) * 2
        a1 = rng.uniform(0, 0.5, 4)
        ag = rng.uniform(0, 1.0)
        x = u.copy()
        block_prox(x, a1, ag, False, 1.0)
        v = u - x  # prox optimality: u - x in the subdifferential at x
        assert block_kkt(x, v, a1, ag, False) < 1e-12
        assert block_kkt(x, v + 0.1, a1, ag, False) > 0


@pytest.mark.parametrize("positive", [False, True])
def test_block_dual_scale_hits_the_ball(positive):
    rng = np.random.default_rng(1)
    for _ in range(30):
        v = rng.standard_normal(5) * 3
        a1 = rng.uniform(0, 0.5, 5)
        ag = rng.uniform(0.1, 1.0)
        c = block_dual_scale(v, a1, ag, positive)
        m = np.maximum(v, 0) if positive else np.abs(v)
        if np.isfinite(c):
            assert np.linalg.norm(np.maximum(c * m - a1, 0)) == pytest.approx(ag, rel=1e-10)
            assert np.linalg.norm(np.maximum(1.001 * c * m - a1, 0)) > ag


def test_group_and_row_kkt_agree_with_their_values():
    """Finite differences of the block values along a direction stay within the KKT
    bounds: the subgradient at a point with every coordinate nonzero is unique."""
    w = np.array([0.5, -1.0, 2.0])
    a1 = np.array([0.2, 0.3, 0.1])
    ag = 0.7
    sub = a1 * np.sign(w) + ag * w / np.linalg.norm(w)
    assert block_kkt(w, sub, a1, ag, False) < 1e-14
    assert row_kkt(w, 0.7 * w / np.linalg.norm(w) + 0.2 * w, 0.7, 0.2) < 1e-14


def test_parse_groups_forms():
    np.testing.assert_array_equal(parse_groups(2, 5)[1], [0, 2, 4, 5])
    order, starts = parse_groups(["b", "a", "b", "c"], 4)
    np.testing.assert_array_equal(order, [1, 0, 2, 3])
    np.testing.assert_array_equal(starts, [0, 1, 3, 4])
    order, starts = parse_groups([np.array([2, 0]), np.array([1])], 3)
    np.testing.assert_array_equal(order, [2, 0, 1])


@pytest.mark.parametrize("groups,match", [
    ([[0, 1]], "do not cover"), ([[0, 1], [1, 2]], "overlap"), ([0, 1], "labels"),
    (0, "size"), ([[0, 5], [1, 2]], "outside"), ([[0.5], [1, 2]], "integer"),
    ([[], [0, 1, 2]], "empty"),
])
def test_bad_groups_are_named(groups, match):
    with pytest.raises(ValueError, match=match) as info:
        GroupLasso(groups).arrays(3)
    assert "'groups'" in str(info.value)


def test_group_options_and_values():
    arr = SparseGroupLasso([0, 0, 1], l1_ratio=0.25, weights=[2.0, 0.0], alpha=2.0,
                           penalty_factor=[1.0, 0.0, 1.0]).arrays(3)
    np.testing.assert_allclose(arr.wg, [3.0, 0.0])
    np.testing.assert_allclose(arr.a1, [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(arr.unpenalized, [])  # feature 2: L1 part
    assert arr.value(np.array([3.0, -4.0, 1.0])) == pytest.approx(0.5 * 3 + 3.0 * 5 + 0.5)
    free = GroupLasso([0, 0, 1], weights=[1.0, 0.0]).arrays(3)
    np.testing.assert_array_equal(free.unpenalized, [2])
    assert GroupLasso(2, positive=True).arrays(2).value(np.array([-1.0, 0.0])) == np.inf
    with pytest.raises(ValueError, match="standardize"):
        free.standardized(np.ones(3))
    with pytest.raises(ValueError, match="weights"):
        GroupLasso(2, weights=[-1.0]).arrays(2)
    rows = L21(alpha=2.0, l1_ratio=0.5, penalty_factor=[1.0, 0.0]).arrays(2)
    np.testing.assert_allclose(rows.a, [1.0, 0.0])
    np.testing.assert_array_equal(rows.unpenalized, [1])


@pytest.mark.parametrize("positive", [False, True])
def test_group_value_change_is_the_difference_of_values(positive):
    """``value_change`` equals ``value(w_new) - value(w)`` where the values are exact
    enough, and keeps its accuracy for changes far below their rounding level."""
    rng = np.random.default_rng(2)
    pen = SparseGroupLasso([[0, 3], [1, 4, 5], [2]], l1_ratio=0.3, alpha=0.7,
                           positive=positive).arrays(6)
    for _ in range(20):
        w = np.abs(rng.standard_normal(6)) if positive else rng.standard_normal(6)
        w[rng.random(6) < 0.3] = 0.0
        w_new = w + rng.standard_normal(6) * (0.0 if positive else 1.0)
        w_new = np.abs(w_new) if positive else w_new
        assert pen.value_change(w, w_new) == pytest.approx(pen.value(w_new) - pen.value(w),
                                                           rel=1e-12, abs=1e-14)
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    d = 1e-13 * np.array([1.0, -2.0, 1.0, 3.0, 0.5, -1.0])
    # first order: the subgradient at w (every group and coordinate nonzero) along d
    arr = pen
    grad = arr.a1 * np.sign(w)
    for g in range(arr.n_groups):
        idx = arr.order[arr.starts[g]:arr.starts[g + 1]]
        grad[idx] += arr.wg[g] * w[idx] / np.linalg.norm(w[idx])
    assert pen.value_change(w, w + d) == pytest.approx(grad @ d, rel=1e-6)
    if positive:
        assert pen.value_change(w, -w) == np.inf
