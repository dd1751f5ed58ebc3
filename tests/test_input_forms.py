"""Every input form scikit-learn accepts is accepted with the same fit; the rest is refused
with scikit-learn's kind of error (ValueError/TypeError naming the problem).

Each public estimator of ``penalized.__all__`` is fitted on every form of X, y and
``sample_weight`` and compared with the same estimator fitted on plain float64 numpy
arrays (to rounding, 1e-12, for dense forms: BLAS and LAPACK sum in the order of a
layout; to 1e-6 for sparse X, solved by other kernels at tol=1e-10). Whether a form is
accepted at all is decided by scikit-learn: its ``Lasso`` (regressors) or
``LogisticRegression`` (classifiers) is fitted on the same form, and penalized must accept
exactly when it does (documented exceptions: 64-bit sparse indices, accepted here as by
scikit-learn's Ridge; negative sample weights and X whose squares overflow float64,
refused here). X is accepted whatever the target, so the GLM families (positive targets,
proportions) and the Cox models (survival targets, which scikit-learn has no estimator
for) follow the same verdict. The targets of the families have forms of their own:
[successes, failures] count tables for the binomial models; structured arrays, [time,
event] tables and DataFrames for the Cox models.
"""

import functools
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import linear_model as sk
from sklearn.exceptions import DataConversionWarning

import penalized

ERRORS = (ValueError, TypeError)
N, P = 40, 6

# name: (constructor parameters, kind of target); small grids and folds keep it fast
SPECS = {
    "Lasso": (dict(alpha=0.05, tol=1e-10), "reg"),
    "ElasticNet": (dict(alpha=0.05, tol=1e-10), "reg"),
    "Ridge": (dict(alpha=1.0), "reg"),
    "RidgeCV": (dict(), "reg"),
    "LogisticRegression": (dict(C=1.0, tol=1e-10), "clf"),
    "PoissonRegressor": (dict(alpha=0.01, tol=1e-10), "count"),
    "GammaRegressor": (dict(alpha=0.01, l1_ratio=0.5, tol=1e-10), "positive"),
    "TweedieRegressor": (dict(power=1.5, alpha=0.01, tol=1e-10), "positive"),
    "BinomialRegressor": (dict(alpha=0.01, l1_ratio=0.5, tol=1e-10), "proportion"),
    "CoxPH": (dict(alpha=0.02, tol=1e-10), "survival"),
    "HuberRegressor": (dict(tol=1e-10), "reg"),
    "MCPRegression": (dict(alpha=0.05, tol=1e-10), "reg"),
    "SCADRegression": (dict(alpha=0.05, tol=1e-10), "reg"),
    "AdaptiveLasso": (dict(alpha=0.05, tol=1e-10), "reg"),
    "GroupLasso": (dict(groups=2, alpha=0.05, tol=1e-10), "reg"),
    "SparseGroupLasso": (dict(groups=2, alpha=0.05, tol=1e-10), "reg"),
    "MultiTaskLasso": (dict(alpha=0.05, tol=1e-10), "multi"),
    "MultiTaskElasticNet": (dict(alpha=0.05, tol=1e-10), "multi"),
    "LassoCV": (dict(alphas=5, cv=3, tol=1e-10), "reg"),
    "ElasticNetCV": (dict(alphas=5, cv=3, tol=1e-10), "reg"),
    "LogisticRegressionCV": (dict(alphas=5, cv=3, tol=1e-8), "clf"),
    "PoissonRegressorCV": (dict(alphas=5, cv=3, tol=1e-10), "count"),
    "GammaRegressorCV": (dict(alphas=3, cv=3, tol=1e-10), "positive"),
    "TweedieRegressorCV": (dict(power=1.5, alphas=3, cv=3, tol=1e-10), "positive"),
    "BinomialRegressorCV": (dict(l1_ratio=0.5, alphas=3, cv=3, tol=1e-10), "proportion"),
    "CoxPHCV": (dict(alphas=3, cv=3, tol=1e-10), "survival"),
    "MCPRegressionCV": (dict(alphas=5, cv=3, tol=1e-10), "reg"),
    "SCADRegressionCV": (dict(alphas=5, cv=3, tol=1e-10), "reg"),
    "GroupLassoCV": (dict(groups=2, alphas=5, cv=3, tol=1e-10), "reg"),
    "SparseGroupLassoCV": (dict(groups=2, alphas=5, cv=3, tol=1e-10), "reg"),
    "MultiTaskLassoCV": (dict(alphas=5, cv=3, tol=1e-10), "multi"),
    "MultiTaskElasticNetCV": (dict(alphas=5, cv=3, tol=1e-10), "multi"),
}
NAMES = list(SPECS)
CV = [name for name in NAMES if name.endswith("CV")]
# scikit-learn's single-output regressors and classifiers ravel an (n, 1) y with a
# DataConversionWarning; its Lasso, ElasticNet, Ridge, RidgeCV accept it silently
MULTI_OUTPUT = {"Lasso", "ElasticNet", "Ridge", "RidgeCV"}


def test_every_public_estimator_is_covered():
    from sklearn.base import BaseEstimator

    public = {name for name in penalized.__all__
              if isinstance(getattr(penalized, name), type)
              and issubclass(getattr(penalized, name), BaseEstimator)}
    assert public == set(SPECS)


# --------------------------------------------------------------------------------------
# data and helpers
# --------------------------------------------------------------------------------------
def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, P)) * [1.0, 2.0, 0.5, 1.0, 3.0, 1.0] + [0, 1, -1, 0, 2, 0]
    w = np.array([1.5, -1.0, 0.0, 0.0, 0.5, 0.0])
    eta = X @ w - X @ w @ np.ones(N) / N
    y = {"reg": eta + 0.5 * rng.standard_normal(N) + 3.0}
    y["clf"] = (eta + 1.5 * rng.standard_normal(N) > 0).astype(np.int64)
    y["count"] = rng.poisson(np.exp(0.3 * eta)).astype(np.float64)
    y["multi"] = np.c_[y["reg"], eta[::-1] + rng.standard_normal(N), rng.standard_normal(N)]
    Xint = rng.integers(-3, 4, size=(N, P))
    mask = rng.random((N, P)) < 0.4
    Xsp = np.where(mask, X, 0.0)
    Xsp[:, 3] = 0.0  # an all-zero column
    Xsp[0, 3] = 1.0
    wide = np.empty((N, 2 * P))
    wide[:, ::2] = X
    wide[:, 1::2] = rng.standard_normal((N, P))
    # the families' targets, from a generator of their own (the data above is unchanged)
    fam = np.random.default_rng(10)
    y["positive"] = fam.gamma(2.0, np.exp(0.3 * eta) / 2.0)  # Gamma, Tweedie: y > 0
    trials = fam.integers(1, 7, N)
    successes = fam.binomial(trials, 1.0 / (1.0 + np.exp(-0.5 * eta)))
    y["proportion"] = successes / trials  # in [0, 1], with some 0s and 1s
    t, c = fam.exponential(np.exp(-0.5 * eta)), fam.exponential(2.0, N)
    y["survival"] = _surv(t <= c, np.round(np.minimum(t, c), 2))  # some tied times
    surv_all = _surv(np.ones(N, dtype=bool), y["survival"]["time"])  # every event seen
    return dict(X=X, y=y, Xint=Xint, Xsp=Xsp, wide=wide, rng=rng,
                counts=np.c_[successes, trials - successes], surv_all=surv_all)


def _surv(event, time, dtype=(("event", bool), ("time", np.float64)), event_field=0):
    """A structured survival target (by default as scikit-survival's ``Surv.from_arrays``
    makes), the events in field number ``event_field``."""
    out = np.empty(len(time), dtype=list(dtype))
    out[out.dtype.names[event_field]] = event
    out[out.dtype.names[1 - event_field]] = time
    return out


D = _data()


def make(name, **extra):
    params, _ = SPECS[name]
    return getattr(penalized, name)(**{**params, **extra})


def target(name):
    return D["y"][SPECS[name][1]]


def fit(name, X, y=None, **fit_kw):
    y = target(name) if y is None else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataConversionWarning)
        return make(name).fit(X, y, **fit_kw)


_REF = {}


def reference(name, X_plain, key, y=None):
    """The fit on plain float64 C-ordered numpy arrays (cached per estimator and key)."""
    if (name, key) not in _REF:
        _REF[name, key] = fit(name, np.ascontiguousarray(X_plain, dtype=np.float64), y)
    return _REF[name, key]


def fitted_params(est):
    out = {"coef_": np.asarray(est.coef_), "intercept_": np.asarray(est.intercept_)}
    for attr in ("alpha_", "l1_ratio_", "scale_", "classes_"):
        if hasattr(est, attr):
            out[attr] = np.asarray(getattr(est, attr))
    return out


def assert_same_fit(est, ref, X_plain, *, rtol=1e-12):
    """The same fitted model: to rounding (rtol 1e-12) for the same values in another
    container or layout (BLAS and LAPACK sum in a layout's order), to ``rtol`` else."""
    a, b = fitted_params(est), fitted_params(ref)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].shape == b[key].shape, key
        assert a[key].dtype == b[key].dtype, key
        if a[key].dtype.kind not in "fc":
            assert_array_equal(a[key], b[key], err_msg=key)
        else:
            scale = max(float(np.max(np.abs(b[key]), initial=0.0)), 1.0)
            assert_allclose(a[key], b[key], rtol=rtol, atol=rtol * scale, err_msg=key)
    pa, pb = est.predict(X_plain), ref.predict(X_plain)
    assert pa.dtype == pb.dtype
    if pb.dtype.kind not in "fc":
        assert_array_equal(pa, pb)
    else:
        assert_allclose(pa, pb, rtol=rtol, atol=rtol * max(np.abs(pb).max(), 1.0))


def outcome(func):
    """("ok", result) or ("error", exception)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", func()
    except Exception as exc:  # noqa: BLE001 - the kind is checked by the caller
        return "error", exc


_SK = {}


def sklearn_outcome(kind, form, X, y):
    """scikit-learn's verdict on the same form: its Lasso or LogisticRegression. X is
    accepted whatever y is: a survival target (scikit-learn has no estimator for it)
    gets the verdict of the Lasso on the regression target."""
    if kind == "survival":
        kind, y = "reg", D["y"]["reg"]
    if (kind, form) not in _SK:
        est = sk.LogisticRegression() if kind == "clf" else sk.Lasso(alpha=0.05)
        _SK[kind, form] = outcome(lambda: est.fit(X, y))[0]
    return _SK[kind, form]


def check_refusal(exc, match):
    """A refusal is a ValueError/TypeError whose message names the problem (never a
    numba error, an IndexError, a ZeroDivisionError...)."""
    assert isinstance(exc, ERRORS), f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    assert "numba" not in type(exc).__module__
    assert re.search(match, str(exc)), str(exc)


# --------------------------------------------------------------------------------------
# X: numpy forms
# --------------------------------------------------------------------------------------
def _memmap(X, tmp_path):
    mm = np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    return np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="r", shape=X.shape)


def _readonly(X):
    X = X.copy()
    X.setflags(write=False)
    return X


NUMPY_FORMS = {
    # form: (X of that form, the same values as plain float64)
    "C_ordered": lambda t: (np.ascontiguousarray(D["X"]).copy(), D["X"]),
    "F_ordered": lambda t: (np.asfortranarray(D["X"]), D["X"]),
    "column_slice": lambda t: (D["wide"][:, ::2], D["X"]),
    "row_slice": lambda t: (np.repeat(D["X"], 2, axis=0)[::2], D["X"]),
    "readonly": lambda t: (_readonly(D["X"]), D["X"]),
    "readonly_F": lambda t: (_readonly(np.asfortranarray(D["X"])), D["X"]),
    "memmap": lambda t: (_memmap(D["X"], t), D["X"]),
    "int64": lambda t: (D["Xint"], D["Xint"]),
    "int32": lambda t: (D["Xint"].astype(np.int32), D["Xint"]),
    "uint8": lambda t: (D["Xint"].astype(np.uint8) % 5, D["Xint"].astype(np.uint8) % 5),
    "bool": lambda t: (D["X"] > 0, D["X"] > 0),
    "list": lambda t: (D["X"].tolist(), D["X"]),
    "object": lambda t: (D["X"].astype(object), D["X"]),
}


@pytest.mark.parametrize("form", list(NUMPY_FORMS))
@pytest.mark.parametrize("name", NAMES)
def test_numpy_forms(name, form, tmp_path):
    X, X_plain = NUMPY_FORMS[form](tmp_path)
    X_plain = np.asarray(X_plain, dtype=np.float64)
    assert sklearn_outcome(SPECS[name][1], form, X, target(name)) == "ok"
    est = fit(name, X)
    assert est.coef_.dtype == np.float64
    assert_same_fit(est, reference(name, X_plain, form if form in ("int64", "int32", "uint8",
                                                                  "bool") else "X"), X_plain)


@pytest.mark.parametrize("name", NAMES)
def test_float32_is_kept(name):
    X32 = D["X"].astype(np.float32)
    est = fit(name, X32)
    assert est.coef_.dtype == np.float32
    ref = reference(name, X32, "X32")  # the same values in float64
    assert_allclose(est.coef_, ref.coef_, rtol=1e-3, atol=1e-3 * np.abs(ref.coef_).max())
    assert_array_equal(est.predict(X32).shape, ref.predict(X32).shape)


@pytest.mark.parametrize("name", NAMES)
def test_nonfinite_and_bad_dims_refused(name):
    X = D["X"].copy()
    X[2, 1] = np.nan
    for bad, match in [(X, "NaN"), (D["X"][:, :, None], "dim 3"),
                       (D["X"].astype(complex), "Complex"),
                       (np.array([["a"] * P] * N, dtype=object), "convert|string")]:
        state, exc = outcome(lambda bad=bad: fit(name, bad))
        assert state == "error"
        check_refusal(exc, match)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("name", NAMES)
def test_overflowing_X_refused(name, sparse):
    """Finite entries whose squares summed over the rows overflow float64 (infinite
    column norms and Gram matrix: the fit would be inf, NaN or a crash) are refused by
    name, by every estimator."""
    X = D["Xsp"].copy()
    X[0, 0] = 1e200
    state, exc = outcome(lambda: fit(name, sp.csc_matrix(X) if sparse else X))
    assert state == "error"
    check_refusal(exc, "overflow float64")


# --------------------------------------------------------------------------------------
# X: pandas and polars
# --------------------------------------------------------------------------------------
COLS = [f"f{j}" for j in range(P)]


@functools.cache
def _pandas_forms():
    pd = pytest.importorskip("pandas")
    X, Xint = D["X"], D["Xint"]
    cat_values = np.round(X[:, 1])
    forms = {
        # form: (frame, plain float64 equivalent or None if scikit-learn refuses, match)
        "DataFrame": (pd.DataFrame(X, columns=COLS), X, None),
        "DataFrame_int_names": (pd.DataFrame(X), X, None),
        "Float64": (pd.DataFrame(X, columns=COLS).astype("Float64"), X, None),
        "Int64": (pd.DataFrame(Xint, columns=COLS).astype("Int64"), Xint, None),
        "mixed_dtypes": (pd.DataFrame({"a": Xint[:, 0], "b": X[:, 1], "c": X[:, 2] > 0,
                                       "d": X[:, 3].astype(np.float32), "e": X[:, 4],
                                       "f": Xint[:, 5].astype(np.int8)}),
                         np.c_[Xint[:, 0], X[:, 1], X[:, 2] > 0,
                               X[:, 3].astype(np.float32), X[:, 4], Xint[:, 5]], None),
        "categorical_numeric": (pd.DataFrame(X, columns=COLS).assign(
            f1=pd.Categorical(cat_values)), np.c_[X[:, :1], cat_values, X[:, 2:]], None),
    }
    with_na_f = pd.DataFrame(X, columns=COLS).astype("Float64")
    with_na_f.iloc[3, 2] = pd.NA
    with_na_i = pd.DataFrame(Xint, columns=COLS).astype("Int64")
    with_na_i.iloc[5, 0] = pd.NA
    forms["Float64_NA"] = (with_na_f, None, "NaN")
    forms["Int64_NA"] = (with_na_i, None, "NaN")
    cat_str = pd.DataFrame(X, columns=COLS).assign(
        f1=pd.Categorical(np.where(X[:, 1] > 0, "hi", "lo")))
    forms["categorical_str"] = (cat_str, None, "convert|string")
    forms["object_str"] = (pd.DataFrame(X, columns=COLS).assign(
        f1=np.where(X[:, 1] > 0, "hi", "lo")), None, "convert|string")
    if _has("pyarrow"):
        forms["pyarrow"] = (pd.DataFrame(X, columns=COLS).astype("float64[pyarrow]"), X, None)
        forms["pyarrow_int"] = (pd.DataFrame(Xint, columns=COLS).astype("int64[pyarrow]"),
                                Xint, None)
        with_na_a = pd.DataFrame(X, columns=COLS).astype("float64[pyarrow]")
        with_na_a.iloc[1, 1] = None
        forms["pyarrow_NA"] = (with_na_a, None, "NaN")
    forms["datetime"] = (pd.DataFrame({"t": pd.date_range("2020", periods=N),
                                       "x": X[:, 0]}), None, r"(?i)dtype|convert|datetime")
    return forms


def _has(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


PANDAS_FORMS = ["DataFrame", "DataFrame_int_names", "Float64", "Int64", "mixed_dtypes",
                "categorical_numeric", "Float64_NA", "Int64_NA", "categorical_str",
                "object_str", "pyarrow", "pyarrow_int", "pyarrow_NA", "datetime"]


def _check_frame_form(name, form, frame, X_plain, match, names):
    sk_state = sklearn_outcome(SPECS[name][1], form, frame, target(name))
    state, est = outcome(lambda: fit(name, frame))
    assert state == sk_state, f"scikit-learn: {sk_state}, penalized: {state} ({est!r})"
    if state == "error":
        check_refusal(est, match)
        return
    X_plain = np.asarray(X_plain, dtype=np.float64)
    assert_same_fit(est, reference(name, X_plain, f"frame-{form}"), X_plain)
    if names is None:
        assert not hasattr(est, "feature_names_in_")
    else:
        assert_array_equal(est.feature_names_in_, names)
        assert_allclose(est.predict(frame), est.predict(X_plain), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("form", PANDAS_FORMS)
@pytest.mark.parametrize("name", NAMES)
def test_pandas_forms(name, form):
    forms = _pandas_forms()
    if form not in forms:
        pytest.skip("pyarrow is not installed")
    frame, X_plain, match = forms[form]
    names = None if form == "DataFrame_int_names" else list(frame.columns)
    _check_frame_form(name, form, frame, X_plain, match, names)


@functools.cache
def _polars_forms():
    pl = pytest.importorskip("polars")
    X, Xint = D["X"], D["Xint"]
    with_null = pl.DataFrame({c: X[:, j] for j, c in enumerate(COLS)}).with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise(pl.col("f2")).alias("f2"))
    return {
        "polars": (pl.DataFrame({c: X[:, j] for j, c in enumerate(COLS)}), X, None),
        "polars_int": (pl.DataFrame({c: Xint[:, j] for j, c in enumerate(COLS)}), Xint, None),
        "polars_null": (with_null, None, "NaN"),
        "polars_str": (pl.DataFrame({"a": ["x"] * N, "b": X[:, 0]}), None, "convert|string"),
    }


@pytest.mark.parametrize("form", ["polars", "polars_int", "polars_null", "polars_str"])
@pytest.mark.parametrize("name", NAMES)
def test_polars_forms(name, form):
    frame, X_plain, match = _polars_forms()[form]
    _check_frame_form(name, form, frame, X_plain, match, list(frame.columns))


# --------------------------------------------------------------------------------------
# X: scipy sparse
# --------------------------------------------------------------------------------------
def _noncanonical(fmt):
    """A CSR or CSC matrix of D["Xsp"] with unsorted indices, duplicated entries (that
    sum to the values) and explicit zeros."""
    A = sp.csr_matrix(D["Xsp"]) if fmt == "csr" else sp.csc_matrix(D["Xsp"])
    rng = np.random.default_rng(1)
    indptr, indices, data = [0], [], []
    for k in range(A.shape[0] if fmt == "csr" else A.shape[1]):
        lo, hi = A.indptr[k], A.indptr[k + 1]
        idx, val = list(A.indices[lo:hi]), list(A.data[lo:hi])
        if idx:  # split the first entry into two duplicates, add an explicit zero
            idx.append(idx[0])
            val[0], val_dup = 0.25 * val[0], 0.75 * val[0]
            val.append(val_dup)
        free = sorted(set(range(A.shape[1] if fmt == "csr" else A.shape[0])) - set(idx))
        idx.append(free[0])
        val.append(0.0)
        order = rng.permutation(len(idx))
        indices += [idx[i] for i in order]
        data += [val[i] for i in order]
        indptr.append(len(indices))
    cls = sp.csr_matrix if fmt == "csr" else sp.csc_matrix
    M = cls((np.array(data), np.array(indices, dtype=np.int32), np.array(indptr)),
            shape=A.shape)
    assert not M.has_canonical_format
    return M


def _int64_indices(M):
    M = M.copy()
    M.indices = M.indices.astype(np.int64)
    M.indptr = M.indptr.astype(np.int64)
    return M


def _coo_duplicates():
    C = sp.coo_matrix(D["Xsp"])
    return sp.coo_matrix((np.r_[0.5 * C.data, 0.5 * C.data, 0.0],
                          (np.r_[C.row, C.row, 0], np.r_[C.col, C.col, 3 + (C.col[0] == 3)])),
                         shape=C.shape)


SPARSE_FORMS = {
    "csr": lambda: sp.csr_matrix(D["Xsp"]),
    "csc": lambda: sp.csc_matrix(D["Xsp"]),
    "coo": lambda: sp.coo_matrix(D["Xsp"]),
    "lil": lambda: sp.lil_matrix(D["Xsp"]),
    "dok": lambda: sp.dok_matrix(D["Xsp"]),
    "bsr": lambda: sp.bsr_matrix(D["Xsp"]),
    "dia": lambda: sp.dia_matrix(D["Xsp"]),
    "csr_array": lambda: sp.csr_array(D["Xsp"]),
    "csc_array": lambda: sp.csc_array(D["Xsp"]),
    "coo_array": lambda: sp.coo_array(D["Xsp"]),
    "csr_noncanonical": lambda: _noncanonical("csr"),
    "csc_noncanonical": lambda: _noncanonical("csc"),
    "coo_duplicates": _coo_duplicates,
    "csr_int64_indices": lambda: _int64_indices(sp.csr_matrix(D["Xsp"])),
    "csc_int64_indices": lambda: _int64_indices(sp.csc_matrix(D["Xsp"])),
    "csc_int_data": lambda: sp.csc_matrix(np.round(D["Xsp"]).astype(np.int64)),
}


@pytest.mark.parametrize("form", list(SPARSE_FORMS))
@pytest.mark.parametrize("name", NAMES)
def test_sparse_forms(name, form):
    X = SPARSE_FORMS[form]()
    X_plain = X.toarray().astype(np.float64)
    before = _snapshot(X)
    state, est = outcome(lambda: fit(name, X))
    assert state == "ok", est
    if "int64_indices" not in form:
        # scikit-learn's Lasso refuses 64-bit indices ("Only sparse matrices with 32-bit
        # integer indices are accepted"), its Ridge and LogisticRegression take them
        assert sklearn_outcome(SPECS[name][1], form, X, target(name)) == "ok"
    _assert_unchanged(X, before)
    assert est.coef_.dtype == np.float64
    key = "sparse-int" if form == "csc_int_data" else "sparse"
    assert_same_fit(est, reference(name, X_plain, key), X_plain, rtol=1e-6)
    # every sparse form of the same matrix gives the same result up to rounding
    assert_allclose(est.predict(X), est.predict(X_plain), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_sparse_float32_is_kept(name):
    X = sp.csr_matrix(D["Xsp"].astype(np.float32))
    est = fit(name, X)
    assert est.coef_.dtype == np.float32
    ref = reference(name, X.toarray(), "sparse32")
    assert_allclose(est.coef_, ref.coef_, rtol=1e-3, atol=1e-3 * np.abs(ref.coef_).max())


@pytest.mark.parametrize("name", NAMES)
def test_sparse_nonfinite_refused(name):
    X = sp.csr_matrix(D["Xsp"])
    X.data[3] = np.inf
    for M in (X, X.tocoo(), X.todok(), sp.csr_array(X)):
        state, exc = outcome(lambda M=M: fit(name, M))
        assert state == "error"
        check_refusal(exc, "(?i)nan|inf")


# --------------------------------------------------------------------------------------
# y forms
# --------------------------------------------------------------------------------------
def _y_forms(kind):
    pd = pytest.importorskip("pandas")
    if kind == "survival":
        return _survival_forms()
    y = D["y"][kind]
    forms = {"list": (y.tolist(), y)}
    if y.ndim == 1:
        forms["Series"] = (pd.Series(y), y)
        forms["Series_name"] = (pd.Series(y, name="target"), y)
        forms["Float64"] = (pd.Series(y).astype("Float64"), y)
        if kind in ("clf", "count"):
            forms["int"] = (y.astype(np.int64), y)
            forms["Int64"] = (pd.Series(y.astype(np.int64)).astype("Int64"), y)
        with_na = pd.Series(y).astype("Float64")
        with_na[3] = pd.NA
        forms["Float64_NA"] = (with_na, None)
        if _has("pyarrow"):
            forms["pyarrow"] = (pd.Series(y).astype("float64[pyarrow]"), y)
        if _has("polars"):
            import polars as pl

            forms["polars"] = (pl.Series("y", y), y)
    else:
        forms["DataFrame"] = (pd.DataFrame(y, columns=["a", "b", "c"]), y)
        forms["DataFrame_Float64"] = (pd.DataFrame(y).astype("Float64"), y)
        if _has("polars"):
            import polars as pl

            forms["polars"] = (pl.DataFrame({f"t{k}": y[:, k] for k in range(y.shape[1])}), y)
    forms["F_ordered"] = (np.asfortranarray(y), y)
    forms["readonly"] = (_readonly(y), y)
    return forms


@functools.cache
def _survival_forms():
    """Every form of a survival target CoxPH takes (see ``survival_target``), as (form,
    the structured array of the same target): structured arrays (fields named event or
    status and time, else event first as scikit-survival's), [time, event] tables
    (arrays, lists of pairs, DataFrames: their columns by name when named so, else by
    position), 1-D times (every event observed); None for a missing value (refused)."""
    pd = pytest.importorskip("pandas")
    y, y_all = D["y"]["survival"], D["surv_all"]
    event, time = y["event"], y["time"]
    table = np.c_[time, event]
    forms = {
        "structured_status": (_surv(event, time, (("status", bool), ("time", "f8"))), y),
        "structured_time_first": (_surv(event, time, (("time", "f8"), ("event", "?")), 1),
                                  y),
        "structured_time_named": (_surv(event, time, (("time", "f8"), ("dead", "?")), 1), y),
        "structured_unnamed": (_surv(event, time, (("d", "i8"), ("t", "f8"))), y),
        "structured_float_event": (_surv(event, time, (("event", "f8"), ("time", "f8"))), y),
        "recarray": (np.rec.array(y), y),
        "readonly": (_readonly(y), y),
        "table": (table, y),
        "table_F": (np.asfortranarray(table), y),
        "table_readonly": (_readonly(table), y),
        "table_object": (np.array([[v, bool(e)] for v, e in zip(time, event, strict=True)],
                                  dtype=object), y),
        "list": (table.tolist(), y),
        "list_tuples": ([(float(v), bool(e)) for v, e in zip(time, event, strict=True)], y),
        "DataFrame": (pd.DataFrame({"time": time, "event": event}), y),
        "DataFrame_event_first": (pd.DataFrame({"event": event, "time": time}), y),
        "DataFrame_status": (pd.DataFrame({"Status": event.astype(int), "Time": time}), y),
        "DataFrame_unnamed": (pd.DataFrame(table), y),
        "DataFrame_other_names": (pd.DataFrame({"t": time, "d": event}), y),
        "DataFrame_Float64": (pd.DataFrame({"time": time, "event": event.astype(float)}
                                           ).astype("Float64"), y),
        "times": (time, y_all),
        "times_Series": (pd.Series(time, name="time"), y_all),
        "times_list": (time.tolist(), y_all),
    }
    with_na = pd.DataFrame({"time": time, "event": event.astype(float)}).astype("Float64")
    with_na.iloc[3, 0] = pd.NA
    forms["DataFrame_NA"] = (with_na, None)
    with_na_event = pd.DataFrame({"time": time, "event": event}).astype(
        {"event": "boolean"})
    with_na_event.iloc[5, 1] = pd.NA
    forms["DataFrame_NA_event"] = (with_na_event, None)
    if _has("pyarrow"):
        forms["DataFrame_pyarrow"] = (pd.DataFrame({"time": time, "event": event}).astype(
            {"time": "float64[pyarrow]", "event": "bool[pyarrow]"}), y)
    if _has("polars"):
        import polars as pl

        forms["polars"] = (pl.DataFrame({"time": time, "event": event}), y)
        forms["polars_event_first"] = (pl.DataFrame({"event": event, "time": time}), y)
        forms["polars_null"] = (pl.DataFrame({"time": time, "event": event}).with_columns(
            pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise(pl.col("time"))
            .alias("time")), None)
        forms["times_polars"] = (pl.Series("time", time), y_all)
    return forms


_Y_1D = ["list", "Series", "Series_name", "Float64", "Float64_NA", "pyarrow", "polars",
         "F_ordered", "readonly"]
Y_FORMS = {"reg": _Y_1D, "clf": _Y_1D + ["int", "Int64"], "count": _Y_1D + ["int", "Int64"],
           "positive": _Y_1D, "proportion": _Y_1D,
           "multi": ["list", "DataFrame", "DataFrame_Float64", "polars", "F_ordered",
                     "readonly"],
           "survival": ["structured_status", "structured_time_first",
                        "structured_time_named", "structured_unnamed",
                        "structured_float_event", "recarray", "readonly", "table", "table_F",
                        "table_readonly", "table_object", "list", "list_tuples",
                        "DataFrame", "DataFrame_event_first", "DataFrame_status",
                        "DataFrame_unnamed", "DataFrame_other_names", "DataFrame_Float64",
                        "DataFrame_NA", "DataFrame_NA_event", "DataFrame_pyarrow", "polars",
                        "polars_event_first", "polars_null", "times", "times_Series",
                        "times_list", "times_polars"]}


@pytest.mark.parametrize("name, form", [(name, form) for name in NAMES
                                        for form in Y_FORMS[SPECS[name][1]]])
def test_y_forms(name, form):
    kind = SPECS[name][1]
    forms = _y_forms(kind)
    if form not in forms:
        pytest.skip("pyarrow or polars is not installed")
    y_form, y_plain = forms[form]
    X = D["X"]
    before = _snapshot(y_form)
    state, est = outcome(lambda: fit(name, X, y_form))
    _assert_unchanged(y_form, before)  # fit never modifies y, refused or not
    if y_plain is None:  # NA in y: refused, as scikit-learn
        if kind != "survival":  # (scikit-learn has no survival target)
            assert sklearn_outcome(kind, "y-" + form, X, y_form) == "error"
        assert state == "error"
        check_refusal(est, "NaN")
        return
    assert state == "ok", est
    ref = (reference(name, X, "X") if y_plain is target(name)
           else reference(name, X, "X-every-event", y_plain))
    if kind == "clf":  # the labels' dtype is kept (a Float64 y has float classes_)
        sk_classes = outcome(lambda: sk.LogisticRegression().fit(X, y_form))[1].classes_
        assert_array_equal(est.classes_, sk_classes)
        assert est.classes_.dtype == sk_classes.dtype
        assert_allclose(est.coef_, ref.coef_, rtol=1e-12, atol=1e-12)
        assert_array_equal(est.predict(X), est.classes_[np.searchsorted(ref.classes_,
                                                                        ref.predict(X))])
        return
    assert_same_fit(est, ref, X)


# not for survival targets: they have two columns [time, event] (or are a structured
# array); an (n, 1) y is neither and is refused by name (test_bad_survival_targets_refused)
@pytest.mark.parametrize("name", [n for n in NAMES if SPECS[n][1] != "survival"])
def test_y_column_vector(name):
    """An (n, 1) y: as scikit-learn's estimator of the same name would (ravelled with a
    DataConversionWarning by single-output estimators; fitted as one target by the
    multi-output ones)."""
    X, kind = D["X"], SPECS[name][1]
    y = target(name)
    if kind == "multi":  # one task: the single-output model of the same penalty
        est = make(name).fit(X, y[:, :1])
        single = name.replace("MultiTask", "")
        ref = getattr(penalized, single)(**SPECS[name][0]).fit(X, y[:, 0])
        assert est.coef_.shape == (1, P)
        assert est.intercept_.shape == (1,)
        assert_allclose(est.coef_[0], ref.coef_, rtol=1e-6, atol=1e-6)
        assert est.predict(X).shape == (N, 1)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = make(name).fit(X, y[:, None])
    conversion = [w for w in caught if issubclass(w.category, DataConversionWarning)]
    if name in MULTI_OUTPUT:
        sk_est = getattr(sk, name)().fit(X, y[:, None])
        assert not conversion
        assert est.coef_.shape == sk_est.coef_.shape
        assert np.shape(est.intercept_) == np.shape(sk_est.intercept_)
        assert est.predict(X).shape == sk_est.predict(X).shape
        assert_allclose(np.ravel(est.coef_), reference(name, X, "X").coef_, rtol=1e-10)
    else:
        assert len(conversion) == 1, [str(w.message) for w in caught]
        assert_same_fit(est, reference(name, X, "X"), X)


@pytest.mark.parametrize("name", [n for n in NAMES if SPECS[n][1] == "multi"])
def test_multitask_needs_2d_y(name):
    state, exc = outcome(lambda: make(name).fit(D["X"], D["y"]["reg"]))
    assert state == "error"
    check_refusal(exc, r"(?i)mono-task|n_tasks|2-?D")


# MULTI_OUTPUT fit the columns; not for survival targets, whose 2 or 3 columns are [time,
# event(, stratum)] (4 are refused in test_bad_survival_targets_refused)
@pytest.mark.parametrize("name", [n for n in NAMES if SPECS[n][1] in ("reg", "count",
                                                                      "positive", "proportion")
                                  and n not in MULTI_OUTPUT])
def test_single_output_refuses_several_targets(name):
    y = D["y"]["multi"][:, :2] ** 2
    if SPECS[name][1] == "proportion":  # two columns are [successes, failures] counts
        y = np.repeat(target(name)[:, None], 3, axis=1)
    state, exc = outcome(lambda: make(name).fit(D["X"], y))
    assert state == "error"
    check_refusal(exc, r"(?i)1d|1-d|shape|multi|column")


# --------------------------------------------------------------------------------------
# the families' own targets: binomial count tables, survival targets
# --------------------------------------------------------------------------------------
BINOMIAL = [n for n in NAMES if SPECS[n][1] == "proportion"]
COX = [n for n in NAMES if SPECS[n][1] == "survival"]


@functools.cache
def _count_forms():
    """A [successes, failures] table in every container of a 2-D y."""
    pd = pytest.importorskip("pandas")
    counts = D["counts"]
    forms = {
        "int": counts, "float": counts.astype(np.float64),
        "F_ordered": np.asfortranarray(counts), "readonly": _readonly(counts),
        "list": counts.tolist(), "DataFrame": pd.DataFrame(counts, columns=["s", "f"]),
        "Int64": pd.DataFrame(counts).astype("Int64"),
        "Float64": pd.DataFrame(counts).astype("Float64"),
    }
    if _has("polars"):
        import polars as pl

        forms["polars"] = pl.DataFrame({"s": counts[:, 0], "f": counts[:, 1]})
    return forms


COUNT_FORMS = ["int", "float", "F_ordered", "readonly", "list", "DataFrame", "Int64",
               "Float64", "polars"]


@pytest.mark.parametrize("form", COUNT_FORMS)
@pytest.mark.parametrize("name", BINOMIAL)
def test_count_table_forms(name, form):
    """A [successes, failures] table is the fit of its proportions with the trials as
    weights, in every container."""
    forms = _count_forms()
    if form not in forms:
        pytest.skip("polars is not installed")
    X = D["X"]
    before = _snapshot(forms[form])
    est = fit(name, X, forms[form])
    _assert_unchanged(forms[form], before)
    trials = D["counts"].sum(axis=1)
    key = "counts"
    if (name, key) not in _REF:
        _REF[name, key] = fit(name, X, D["counts"][:, 0] / trials, sample_weight=trials)
    assert_same_fit(est, _REF[name, key], X)


@pytest.mark.parametrize("name", BINOMIAL)
def test_bad_count_tables_refused(name):
    pd = pytest.importorskip("pandas")
    counts = D["counts"].astype(np.float64)
    with_na = pd.DataFrame(counts).astype("Float64")
    with_na.iloc[3, 0] = pd.NA
    cases = {
        "NA": (with_na, r"NaN|missing"),
        "nan": (np.where(np.arange(N)[:, None] == 2, np.nan, counts), r"NaN"),
        "complex": (counts + 1j, r"complex"),
        "str": (np.array([["a", "b"]] * N), r"convert|string|number"),
        "negative": (counts - 1, r">= 0"),
        "short": (counts[:-1], r"(?i)samples"),
    }
    for case, (y, match) in cases.items():
        state, exc = outcome(lambda y=y: make(name).fit(D["X"], y))
        assert state == "error", case
        check_refusal(exc, match)


@pytest.mark.parametrize("name", COX)
def test_bad_survival_targets_refused(name):
    pd = pytest.importorskip("pandas")
    y = D["y"]["survival"]
    table = np.c_[y["time"], y["event"]]
    three = np.zeros(N, dtype=[("event", "?"), ("time", "f8"), ("x", "f8")])
    cases = {
        "column": (y["time"][:, None], r"shape \(40, 1\)"),
        "four_columns": (np.c_[table, table], r"shape \(40, 4\)"),
        "3d": (table[:, :, None], r"shape \(40, 2, 1\)"),
        "three_fields": (three, r"2 fields"),
        "negative_time": (np.c_[table[:, 0] - 1.0, table[:, 1]], r"negative"),
        "nan_time": (np.where(np.arange(N)[:, None] == 2, np.nan, table), r"NaN"),
        "inf_time": (np.where(np.arange(N)[:, None] == 2, np.inf, table), r"NaN or inf"),
        "event_2": (np.c_[table[:, 0], 2 * table[:, 1]], r"0 or 1"),
        "no_event": (np.c_[table[:, 0], 0 * table[:, 1]], r"no event"),
        "complex": (table + 1j, r"complex"),
        "complex_field": (_surv(y["event"], y["time"] + 0j, (("event", "?"),
                                                               ("time", "c16"))), r"complex"),
        "str": (np.array([["a", "b"]] * N), r"convert|string"),
        "str_frame": (pd.DataFrame({"time": ["a"] * N, "event": y["event"]}),
                      r"convert|string"),
        "ragged": ([[1.0, 1.0]] * (N - 1) + [[1.0]], r"inhomogeneous|sequence"),
        "short": (table[:-1], r"39 samples"),
        "none": (None, r"requires y"),
    }
    for case, (yy, match) in cases.items():
        state, exc = outcome(lambda yy=yy: make(name).fit(D["X"], yy))
        assert state == "error", case
        check_refusal(exc, match)


# --------------------------------------------------------------------------------------
# class labels
# --------------------------------------------------------------------------------------
CLASSIFIERS = [n for n in NAMES if SPECS[n][1] == "clf"]


@functools.cache
def _label_forms():
    pd = pytest.importorskip("pandas")
    yc = D["y"]["clf"]
    y3 = np.digitize(D["y"]["reg"], np.quantile(D["y"]["reg"], [1 / 3, 2 / 3]))
    names3 = np.array(["ant", "bee", "cat"])
    forms = {
        # form: (labels, the int codes they stand for)
        "str": (np.where(yc == 1, "yes", "no"), yc),
        "str_object": (np.where(yc == 1, "yes", "no").astype(object), yc),
        "bool": (yc.astype(bool), yc),
        "float": (yc.astype(np.float64) * 3.0 - 1.0, yc),
        "negative_int": (yc * 7 - 3, yc),
        "Series_str": (pd.Series(np.where(yc == 1, "yes", "no")), yc),
        "Series_category": (pd.Series(np.where(yc == 1, "yes", "no")).astype("category"), yc),
        "Series_boolean": (pd.Series(yc.astype(bool)).astype("boolean"), yc),
        "multiclass_str": (names3[y3], y3),
        "multiclass_Series": (pd.Series(names3[y3]).astype("category"), y3),
    }
    if _has("pyarrow"):
        forms["Series_string_pyarrow"] = (
            pd.Series(np.where(yc == 1, "yes", "no")).astype("string[pyarrow]"), yc)
    if _has("polars"):
        import polars as pl

        forms["polars_str"] = (pl.Series("y", np.where(yc == 1, "yes", "no")), yc)
    return forms


LABEL_FORMS = ["str", "str_object", "bool", "float", "negative_int", "Series_str",
               "Series_category", "Series_boolean", "multiclass_str", "multiclass_Series",
               "Series_string_pyarrow", "polars_str"]


@pytest.mark.parametrize("form", LABEL_FORMS)
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_label_forms(name, form):
    forms = _label_forms()
    if form not in forms:
        pytest.skip("package missing")
    labels, codes = forms[form]
    X = D["X"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sk_est = sk.LogisticRegression().fit(X, labels)
    est = make(name).fit(X, labels)
    assert_array_equal(est.classes_, sk_est.classes_)
    assert est.classes_.dtype == sk_est.classes_.dtype
    ref = reference(name, X, f"codes-{len(np.unique(codes))}", codes)
    assert_allclose(est.coef_, ref.coef_, rtol=0, atol=0)
    pred = est.predict(X)
    assert_array_equal(pred, est.classes_[ref.predict(X)])
    assert pred.dtype == sk_est.predict(X).dtype
    if name == "LogisticRegression":  # the same model as scikit-learn's
        assert np.mean(pred == sk_est.predict(X)) >= 0.95


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_bad_labels_refused(name):
    pd = pytest.importorskip("pandas")
    yc = D["y"]["clf"]
    X = D["X"]
    with_na = pd.Series(np.where(yc == 1, "yes", "no")).astype("string")
    with_na[3] = pd.NA
    mixed = np.array(["yes" if v else 0 for v in yc], dtype=object)
    none = np.where(yc == 1, "yes", "no").astype(object)
    none[4] = None
    cases = {
        # scikit-learn fails while sorting them ("'<' not supported between instances of
        # 'int' and 'str'", "boolean value of NA is ambiguous"); penalized names them
        "mixed_str_first": (mixed[np.argsort(-yc, kind="stable")], r"mix strings and other"),
        "mixed_int_first": (mixed[np.argsort(yc, kind="stable")], r"mix strings and other"),
        "None_label": (none, r"missing class labels"),
        "continuous": (D["y"]["reg"], r"(?i)unknown label type|continuous"),
        "object_int": (yc.astype(object), r"(?i)unknown label type"),
        "one_class": (np.zeros(N, dtype=int), r"(?i)class"),
        "string_NA": (with_na, r"missing class labels"),
        "float_NaN": (np.where(np.arange(N) == 3, np.nan, yc.astype(float)),
                      r"(?i)NaN"),
        "2d_labels": (np.c_[yc, 1 - yc], r"(?i)1d|shape|multi|column"),
    }
    for case, (labels, match) in cases.items():
        sk_state = outcome(lambda labels=labels: sk.LogisticRegression().fit(X, labels))[0]
        state, exc = outcome(lambda labels=labels: make(name).fit(X, labels))
        assert state == "error", case
        assert sk_state == "error", case  # scikit-learn refuses them too
        check_refusal(exc, match)


# --------------------------------------------------------------------------------------
# sample_weight
# --------------------------------------------------------------------------------------
def _weights():
    rng = np.random.default_rng(3)
    return rng.integers(1, 5, N).astype(np.float64) / 2  # exact in float32


@pytest.mark.parametrize("name", NAMES)
def test_sample_weight_forms(name):
    pd = pytest.importorskip("pandas")
    X = D["X"]
    sw = _weights()
    ref = fit(name, X, sample_weight=sw)
    for form in ([float(v) for v in sw], sw.astype(np.float32), pd.Series(sw),
                 np.asfortranarray(np.c_[sw, sw])[:, 0], _readonly(sw)):
        assert_same_fit(fit(name, X, sample_weight=form), ref, X)
    isw = (2 * sw).astype(np.int64)  # integer weights: twice the float ones
    est = fit(name, X, sample_weight=isw)
    ref2 = fit(name, X, sample_weight=2 * sw)
    assert_same_fit(est, ref2, X)
    ones = fit(name, X, sample_weight=np.ones(N))
    assert_same_fit(ones, fit(name, X), X, rtol=1e-7)


def _foldid():
    return np.arange(N) % 3


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("name", NAMES)
def test_zero_weight_removes_the_sample(name, sparse):
    X, y = (sp.csc_matrix(D["Xsp"]) if sparse else D["X"]), target(name)
    sw = _weights()
    zero = np.zeros(N, dtype=bool)
    zero[[1, 7, 8, 20, 33]] = True
    sw[zero] = 0.0
    kw, kw_sub = {}, {}
    if name in CV:
        if name == "RidgeCV":
            kw = kw_sub = {}
        else:
            kw, kw_sub = {"foldid": _foldid()}, {"foldid": _foldid()[~zero]}
    est = fit(name, X, y, sample_weight=sw, **kw)
    sub = fit(name, X[np.flatnonzero(~zero)], y[~zero], sample_weight=sw[~zero], **kw_sub)
    assert_same_fit(est, sub, X, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_bad_sample_weight_refused(name):
    X = D["X"]
    cases = {
        "all_zero": (np.zeros(N), r"(?i)sample_weight|sample weights"),
        "negative": (np.r_[-1.0, np.ones(N - 1)], r"(?i)sample_weight.*negative"),
        "short": (np.ones(N - 1), r"(?i)sample_weight"),
        "2d": (np.ones((N, 2)), r"(?i)sample_weight"),
        "nan": (np.r_[np.nan, np.ones(N - 1)], r"(?i)sample_weight"),
        "str": (np.array(["a"] * N), r"(?i)sample_weight|convert"),
        "complex": (np.ones(N, dtype=complex), r"(?i)sample_weight|complex"),
    }
    for case, (sw, match) in cases.items():
        state, exc = outcome(lambda sw=sw: fit(name, X, sample_weight=sw))
        assert state == "error", case
        check_refusal(exc, match)


@pytest.mark.parametrize("option", ["penalty_factor", "lower_bounds", "upper_bounds"])
def test_complex_per_feature_options_refused(option):
    """A complex array was cast to float64 with its imaginary part dropped."""
    value = np.full(P, -1.0 if option == "lower_bounds" else 1.0) + 1j
    state, exc = outcome(lambda: penalized.Lasso(**{option: value}).fit(D["X"],
                                                                         D["y"]["reg"]))
    assert state == "error"
    check_refusal(exc, f"'{option}' must be real")


# --------------------------------------------------------------------------------------
# pickling
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip(name):
    """A fitted model pickles to the same model: the same parameters and predictions
    (and survival functions for the Cox models)."""
    X = D["X"]
    est = reference(name, X, "X")
    back = pickle.loads(pickle.dumps(est))
    assert type(back) is type(est)
    assert_same_fit(back, est, X, rtol=0.0)
    if hasattr(est, "predict_survival_function"):
        assert_array_equal(back.predict_survival_function(X), est.predict_survival_function(X))
    if hasattr(est, "predict_proba"):
        assert_array_equal(back.predict_proba(X), est.predict_proba(X))


# --------------------------------------------------------------------------------------
# fit never modifies its inputs
# --------------------------------------------------------------------------------------
def _snapshot(obj):
    if sp.issparse(obj):
        obj = obj.tocoo() if obj.format in ("dok", "lil", "dia", "bsr") else obj
        parts = [getattr(obj, a).copy() for a in ("data", "indices", "indptr", "row", "col")
                 if hasattr(obj, a)]
        return parts + [obj.format, obj.shape]
    if hasattr(obj, "to_numpy"):  # pandas, polars: a deep copy (not a pickle: reading
        # pyarrow-backed or masked data changes their pickles, not their values)
        return ("frame", obj.copy(deep=True) if hasattr(obj, "iloc") else obj.clone())
    return np.array(obj, copy=True)


def _assert_same_frame(after, before):
    """The same pandas or polars object: values (missing ones included), dtypes, names
    and index, exactly."""
    if hasattr(before, "iloc"):
        import pandas.testing as lib
    else:
        import polars.testing as lib
    same = lib.assert_frame_equal if hasattr(before, "columns") else lib.assert_series_equal
    same(after, before, check_exact=True)


def _assert_unchanged(obj, before):
    if isinstance(before, tuple) and before[0] == "frame":
        _assert_same_frame(obj, before[1])
        return
    after = _snapshot(obj)
    if isinstance(before, list):
        assert len(after) == len(before)
        for a, b in zip(after, before, strict=True):
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype
                assert_array_equal(a, b)
            else:
                assert a == b
    else:
        assert after.dtype == before.dtype
        assert_array_equal(after, before)


@pytest.mark.parametrize("layout", ["C", "F", "float32", "csr", "csc", "csc_noncanonical",
                                    "coo", "DataFrame"])
@pytest.mark.parametrize("name", NAMES)
def test_fit_does_not_modify_inputs(name, layout):
    X = {"C": lambda: D["X"].copy(), "F": lambda: np.asfortranarray(D["X"]),
         "float32": lambda: np.asfortranarray(D["X"], dtype=np.float32),
         "csr": lambda: sp.csr_matrix(D["Xsp"]), "csc": lambda: sp.csc_matrix(D["Xsp"]),
         "csc_noncanonical": lambda: _noncanonical("csc"),
         "coo": lambda: sp.coo_matrix(D["Xsp"]),
         "DataFrame": lambda: pytest.importorskip("pandas").DataFrame(D["X"], columns=COLS),
         }[layout]()
    y = np.asfortranarray(target(name).copy())
    sw = _weights()
    before = [_snapshot(X), _snapshot(y), _snapshot(sw)]
    flags = X.flags.writeable if isinstance(X, np.ndarray) else None
    est = fit(name, X, y, sample_weight=sw)
    for obj, snap in zip((X, y, sw), before, strict=True):
        _assert_unchanged(obj, snap)
    if flags is not None:
        assert X.flags.writeable == flags
    if sp.issparse(X) and layout == "csc_noncanonical":
        assert not X.has_canonical_format
    # refitting on the same objects gives the same model
    assert_same_fit(fit(name, X, y, sample_weight=sw), est, D["X"])
