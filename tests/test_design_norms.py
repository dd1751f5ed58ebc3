"""A design's column norms from the finite check's pass over X
(``check_finite_no_overflow(..., column_squares=True)`` -> ``Design(raw_sqnorms=...)``)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import penalized
from penalized._validation import check_finite_no_overflow
from penalized.solvers.design import _KERNEL_MIN, Design

N, P = 700, 400  # N * P >= _KERNEL_MIN: the numba pass


def _X(dtype=np.float64, shift=0.0, seed=0, constant=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, P)) + shift
    X[:, 3] = 0.0  # a zero column
    if constant:
        X[:, 5] = 2.5  # a constant one
    return np.asfortranarray(X.astype(dtype))


def test_large_designs_get_the_column_squares():
    assert N * P >= _KERNEL_MIN
    X = _X()
    colsq = check_finite_no_overflow(X, None, column_squares=True)
    assert_allclose(colsq, np.sum(X * X, axis=0), rtol=1e-13)
    # not asked, small, sparse or C-ordered: none (the einsum check alone)
    assert check_finite_no_overflow(X) is None
    assert check_finite_no_overflow(X[:100, :50].copy(order="F"), None, True) is None
    assert check_finite_no_overflow(np.ascontiguousarray(X), None, True) is None


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e200])
def test_the_fused_check_still_refuses_bad_X(bad):
    X = _X()
    X[7, 9] = bad
    with pytest.raises(ValueError, match="NaN|infinity|overflow"):
        check_finite_no_overflow(X, None, column_squares=True)
    with pytest.raises(ValueError, match="NaN|infinity|overflow"):
        penalized.Lasso(alpha=0.1).fit(X, np.ones(N))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("shift", [0.0, 0.3, 50.0, "constant"])
def test_norms_from_the_column_squares_match_the_pass(dtype, center, shift):
    """Bit for bit without an intercept (the same kernel); to rounding with one, where
    every mean is small against the column's norm; a column whose mean dominates (a
    constant one, a shift of 50) sends the design back to the exact pass."""
    X = _X(dtype, 0.0 if shift == "constant" else shift, constant=shift == "constant")
    colsq = check_finite_no_overflow(X, None, column_squares=True)
    assert colsq is not None
    ours = Design(X, None, center, raw_sqnorms=colsq).sqnorms()
    ref = Design(X, None, center).sqnorms()
    if not center or shift in (50.0, "constant"):
        if center:
            assert Design(X, None, center, raw_sqnorms=colsq)._from_raw_sqnorms() is None
        np.testing.assert_array_equal(ours, ref)
    else:
        assert Design(X, None, center, raw_sqnorms=colsq)._from_raw_sqnorms() is not None
        assert_allclose(ours, ref, rtol=1e-14 if dtype == np.float64 else 1e-6)
    assert ours[3] == 0.0
    if shift == "constant":
        assert ours[5] == (0.0 if center else 6.25)


def test_weighted_designs_ignore_them():
    X = _X(shift=0.3)
    s = np.random.default_rng(1).uniform(0.5, 2.0, N)
    colsq = check_finite_no_overflow(X, None, column_squares=True)
    d = Design(X, s, True, raw_sqnorms=colsq)
    assert d._from_raw_sqnorms() is None
    np.testing.assert_array_equal(d.sqnorms(), Design(X, s, True).sqnorms())


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_fits_with_and_without_the_fused_pass_agree(fit_intercept):
    """A Lasso on validated input (the fused pass) and with check_input=False (the
    design's own pass): the same solution, to the certificate's accuracy (bit for bit
    without an intercept), and a 2-D y shares one design across its targets."""
    X = _X(shift=0.3)
    X = X[:, [j for j in range(P) if j not in (3, 5)]].copy(order="F")
    rng = np.random.default_rng(2)
    y = X[:, :5] @ rng.standard_normal(5) + 0.1 * rng.standard_normal(N)
    kw = dict(alpha=0.05, fit_intercept=fit_intercept, tol=1e-12)
    a = penalized.Lasso(**kw).fit(X, y)
    b = penalized.Lasso(**kw).fit(X, y, check_input=False)
    if fit_intercept:
        assert_allclose(a.coef_, b.coef_, atol=1e-9)
    else:
        np.testing.assert_array_equal(a.coef_, b.coef_)
    y2 = X[:, 5:9] @ rng.standard_normal(4)
    m = penalized.Lasso(**kw).fit(X, np.column_stack([y, y2]))
    assert_allclose(m.coef_[0], a.coef_, atol=1e-9)
    assert_allclose(m.coef_[1], penalized.Lasso(**kw).fit(X, y2).coef_, atol=1e-9)
