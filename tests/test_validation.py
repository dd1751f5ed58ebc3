"""Input validation: bad input raises ValueError/TypeError whose message names the culprit."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

import penalized
from penalized import ElasticNet, Lasso, Ridge

ESTIMATORS = [Lasso, ElasticNet, Ridge]
ERRORS = (ValueError, TypeError)
NONFINITE = r"(?i)nan|inf"


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4))
    y = X @ np.array([1.0, -2.0, 0.0, 0.5]) + 0.1 * rng.standard_normal(20)
    return X, y


@pytest.fixture(params=ESTIMATORS, ids=lambda c: c.__name__)
def est_cls(request):
    return request.param


# --------------------------------------------------------------------------------------
# X and y
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_nonfinite_X(data, est_cls, bad, sparse):
    X, y = data
    X = X.copy()
    X[3, 1] = bad
    if sparse:
        X = sp.csc_matrix(X)
    with pytest.raises(ERRORS, match=NONFINITE):
        est_cls().fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_y(data, est_cls, bad):
    X, y = data
    y = y.copy()
    y[5] = bad
    with pytest.raises(ERRORS, match=NONFINITE):
        est_cls().fit(X, y)


def test_mismatched_lengths(data, est_cls):
    X, y = data
    with pytest.raises(ERRORS, match="inconsistent numbers of samples"):
        est_cls().fit(X, y[:-1])
    with pytest.raises(ERRORS, match="inconsistent numbers of samples"):
        est_cls().fit(sp.csr_matrix(X[:-2]), y)


@pytest.mark.parametrize("shape, what", [((0, 4), "sample"), ((5, 0), "feature")])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_empty_X(est_cls, shape, what, sparse):
    X = np.zeros(shape)
    if sparse:
        X = sp.csr_matrix(X)
    with pytest.raises(ERRORS, match=what):
        est_cls().fit(X, np.zeros(shape[0]))


def test_X_must_be_2d(data, est_cls):
    X, y = data
    with pytest.raises(ERRORS, match="2D"):
        est_cls().fit(X[:, 0], y)


def test_string_data_in_X(est_cls):
    X = np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=object)
    with pytest.raises(ERRORS, match=r"(?i)string|convert|numeric|float"):
        est_cls().fit(X, np.array([1.0, 2.0, 3.0]))


def test_string_data_in_y(data, est_cls):
    X, _ = data
    y = np.array(["a"] * X.shape[0], dtype=object)
    with pytest.raises(ERRORS, match=r"(?i)string|convert|numeric|float"):
        est_cls().fit(X, y)


def test_predict_validation(data, est_cls):
    X, y = data
    with pytest.raises(NotFittedError):
        est_cls().predict(X)
    est = est_cls(0.01).fit(X, y)
    with pytest.raises(ERRORS, match="features"):
        est.predict(X[:, :3])
    Xbad = X.copy()
    Xbad[0, 0] = np.nan
    with pytest.raises(ERRORS, match=NONFINITE):
        est.predict(Xbad)


# --------------------------------------------------------------------------------------
# Hyper-parameters (validated at fit time, as in scikit-learn)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [-1.0, -1e-12, np.nan, "1.0", None, [1.0]])
def test_bad_alpha(data, est_cls, alpha):
    X, y = data
    if est_cls is Ridge and isinstance(alpha, list):
        est_cls(alpha).fit(X, y)  # scikit-learn's Ridge takes one alpha per target
        return
    with pytest.raises(ERRORS, match="alpha"):
        est_cls(alpha).fit(X, y)


@pytest.mark.parametrize("tol", [-1e-4, np.nan, "1e-4", None])
def test_bad_tol(data, est_cls, tol):
    X, y = data
    with pytest.raises(ERRORS, match="tol"):
        est_cls(0.1, tol=tol).fit(X, y)


@pytest.mark.parametrize("max_iter", [0, -5, "100", None, 2.5])
def test_bad_max_iter(data, est_cls, max_iter):
    X, y = data
    if est_cls is Ridge and max_iter is None:
        est_cls(0.1, max_iter=max_iter).fit(X, y)  # scikit-learn's default for Ridge
        return
    with pytest.raises(ERRORS, match="max_iter"):
        est_cls(0.1, max_iter=max_iter).fit(X, y)


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.1, 2, np.nan, "0.5", None])
def test_bad_l1_ratio(data, l1_ratio):
    X, y = data
    with pytest.raises(ERRORS, match="l1_ratio"):
        ElasticNet(0.1, l1_ratio=l1_ratio).fit(X, y)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_l1_ratio_closed_interval_is_accepted(data, l1_ratio):
    X, y = data
    ElasticNet(0.1, l1_ratio=l1_ratio).fit(X, y)


@pytest.mark.parametrize(
    "pf",
    [
        np.array([1.0, -1.0, 1.0, 1.0]),  # negative
        np.ones(3),  # too short
        np.ones(5),  # too long
        np.ones((4, 1)),  # 2-D
        np.array([1.0, np.nan, 1.0, 1.0]),
        np.array([1.0, np.inf, 1.0, 1.0]),
        "abcd",
    ],
    ids=["negative", "short", "long", "2d", "nan", "inf", "string"],
)
def test_bad_penalty_factor(data, est_cls, pf):
    X, y = data
    with pytest.raises(ERRORS, match="penalty_factor"):
        est_cls(0.1, penalty_factor=pf).fit(X, y)


@pytest.mark.parametrize(
    "sw",
    [
        np.array([1.0] * 19 + [-1.0]),
        np.ones(19),
        np.ones(21),
        np.array([1.0] * 19 + [np.nan]),
        np.array([1.0] * 19 + [np.inf]),
        np.zeros(20),  # S = 0: the objective is undefined
    ],
    ids=["negative", "short", "long", "nan", "inf", "all_zero"],
)
def test_bad_sample_weight(data, est_cls, sw):
    X, y = data
    with pytest.raises(ERRORS, match=r"(?i)sample[_ ]weight"):
        est_cls(0.1).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize(
    "lower",
    [0.5, 1e-12, np.array([-1.0, 0.1, -1.0, -1.0]), np.array([-1.0, -1.0]),
     np.full(5, -1.0), np.array([-1.0, np.nan, -1.0, -1.0]), "low"],
    ids=["positive_scalar", "tiny_positive", "positive_entry", "short", "long", "nan", "str"],
)
def test_bad_lower_bounds(data, est_cls, lower):
    X, y = data
    with pytest.raises(ERRORS, match="lower_bounds"):
        est_cls(0.1, lower_bounds=lower).fit(X, y)


@pytest.mark.parametrize(
    "upper",
    [-0.5, -1e-12, np.array([1.0, -0.1, 1.0, 1.0]), np.array([1.0, 1.0]), np.full(5, 1.0),
     np.array([1.0, np.nan, 1.0, 1.0]), "up"],
    ids=["negative_scalar", "tiny_negative", "negative_entry", "short", "long", "nan", "str"],
)
def test_bad_upper_bounds(data, est_cls, upper):
    X, y = data
    with pytest.raises(ERRORS, match="upper_bounds"):
        est_cls(0.1, upper_bounds=upper).fit(X, y)


def test_valid_bounds_are_accepted(data, est_cls):
    X, y = data
    est_cls(0.1, lower_bounds=0.0, upper_bounds=0.0).fit(X, y)
    est_cls(0.1, lower_bounds=-np.inf, upper_bounds=np.inf).fit(X, y)
    est_cls(0.1, lower_bounds=[-1.0, 0.0, -np.inf, -2.0],
            upper_bounds=[0.0, 1.0, 3.0, np.inf]).fit(X, y)
    est_cls(0.1, lower_bounds=np.array([-1.0, 0.0, -np.inf, -2.0])).fit(X, y)


def test_validation_does_not_happen_in_init():
    # scikit-learn convention: __init__ stores parameters untouched.
    est = Lasso(-1.0, penalty_factor="nonsense", tol="x")
    assert est.alpha == -1.0 and est.penalty_factor == "nonsense" and est.tol == "x"


def test_failed_fit_does_not_leave_fitted_state(data, est_cls):
    X, y = data
    est = est_cls(-1.0)
    with pytest.raises(ERRORS):
        est.fit(X, y)
    assert not hasattr(est, "coef_")


# --------------------------------------------------------------------------------------
# alpha_max
# --------------------------------------------------------------------------------------
def test_alpha_max_nonfinite(data):
    X, y = data
    Xb = X.copy()
    Xb[0, 0] = np.nan
    with pytest.raises(ERRORS, match=NONFINITE):
        penalized.alpha_max(Xb, y)
    yb = y.copy()
    yb[0] = np.inf
    with pytest.raises(ERRORS, match=NONFINITE):
        penalized.alpha_max(X, yb)


def test_alpha_max_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ERRORS, match="inconsistent numbers of samples"):
        penalized.alpha_max(X, y[:-1])


def test_alpha_max_empty(data):
    with pytest.raises(ERRORS, match="sample"):
        penalized.alpha_max(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ERRORS, match="feature"):
        penalized.alpha_max(np.zeros((3, 0)), np.zeros(3))


@pytest.mark.parametrize("l1_ratio", [-0.5, 1.5, np.nan, "1"])
def test_alpha_max_bad_l1_ratio(data, l1_ratio):
    X, y = data
    with pytest.raises(ERRORS, match="l1_ratio"):
        penalized.alpha_max(X, y, l1_ratio=l1_ratio)


@pytest.mark.parametrize("sw", [-np.ones(20), np.ones(7), np.zeros(20)],
                         ids=["negative", "short", "all_zero"])
def test_alpha_max_bad_sample_weight(data, sw):
    X, y = data
    with pytest.raises(ERRORS, match=r"(?i)sample[_ ]weight"):
        penalized.alpha_max(X, y, sample_weight=sw)


@pytest.mark.parametrize("pf", [np.array([1.0, -1.0, 1.0, 1.0]), np.ones(3)],
                         ids=["negative", "short"])
def test_alpha_max_bad_penalty_factor(data, pf):
    X, y = data
    with pytest.raises(ERRORS, match="penalty_factor"):
        penalized.alpha_max(X, y, penalty_factor=pf)


def test_alpha_max_keyword_only(data):
    X, y = data
    with pytest.raises(TypeError):
        penalized.alpha_max(X, y, 0.5)


def test_num_rows_of_unvalidated_inputs():
    """Per-row arguments (PoissonRegressorCV's exposure) are checked against X before
    its validation, with public code only."""
    import pandas as pd
    import scipy.sparse as sp

    from penalized._validation import num_rows

    assert num_rows(np.zeros((3, 2))) == 3
    assert num_rows(sp.csr_matrix((4, 2))) == 4
    assert num_rows(pd.DataFrame({"a": [1.0, 2.0]})) == 2
    assert num_rows([[1.0], [2.0]]) == 2
    assert num_rows(5.0) is None and num_rows(np.float64(1.0)) is None
    X = np.random.default_rng(0).standard_normal((30, 2))
    y = np.random.default_rng(1).poisson(1.0, 30)
    cv = penalized.PoissonRegressorCV(alphas=3, cv=3)
    with pytest.raises(ValueError, match=r"exposure must have shape \(30,\)"):
        cv.fit(X, y, exposure=np.ones(29))
    with pytest.raises(ValueError, match=r"exposure must have shape \(30,\)"):
        cv.fit(X, y, offset=np.zeros(30), exposure=np.ones(29))


@pytest.mark.parametrize("case", ["nan_y", "inf_y", "short_y", "column_y", "int_y", "f32",
                                  "names_then_plain", "overflow_sum_y", "string_y"])
def test_plain_arrays_validate_as_scikit_learn_does(case):
    """F-ordered float arrays skip scikit-learn's type checks (the fit's fast path): each
    input gets the same outcome as scikit-learn's ElasticNet gives it (error type and
    message, warning, fitted attributes)."""
    import warnings

    from sklearn.linear_model import ElasticNet as SkElasticNet

    pd = pytest.importorskip("pandas") if case == "names_then_plain" else None
    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((30, 5)))
    y = X @ rng.standard_normal(5)
    if case == "nan_y":
        y[4] = np.nan
    elif case == "inf_y":
        y[4] = -np.inf
    elif case == "short_y":
        y = y[:-1]
    elif case == "column_y":
        y = y[:, None]
    elif case == "int_y":
        y = np.round(10 * y).astype(np.int64)
    elif case == "f32":
        X, y = X.astype(np.float32), y.astype(np.float32)
    elif case == "overflow_sum_y":
        y = np.full(30, 1e308)
    elif case == "string_y":
        y = y.astype(str)

    def outcome(cls):
        est = cls(alpha=0.01, tol=1e-10)
        if case == "names_then_plain":
            est.fit(pd.DataFrame(X, columns=list("abcde")), y)
            assert hasattr(est, "feature_names_in_")
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                est.fit(X, y)
            except (ValueError, TypeError) as exc:
                return type(exc), str(exc).split("\n")[0][:40], None
        warned = sorted({type(w.message).__name__ for w in rec
                         if "Convergence" not in type(w.message).__name__})
        return (None, hasattr(est, "feature_names_in_"), est.n_features_in_, warned,
                est.coef_.dtype)

    ours, theirs = outcome(ElasticNet), outcome(SkElasticNet)
    if case == "overflow_sum_y":  # ours refuses y whose squares overflow, by name
        assert ours[0] is ValueError and "overflow" in ours[1] + "overflow"
        return
    assert ours == theirs
