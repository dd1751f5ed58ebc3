"""Shared fixtures for the penalized test-suite.

The fixtures only build data: every reference value the tests compare against is computed
in the tests themselves (closed forms, scikit-learn, scipy), never by penalized.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

# Allow running the suite from a plain checkout (src layout, package not installed).
_SRC = Path(__file__).resolve().parents[1] / "src"
if importlib.util.find_spec("penalized") is None and _SRC.is_dir():
    sys.path.insert(0, str(_SRC))


SEEDS = (0, 1, 2)

# Containers the estimators must accept.  Everything is compared against the dense fit.
SPARSE_FORMATS = {
    "csc": sp.csc_matrix,
    "csr": sp.csr_matrix,
    "coo": sp.coo_matrix,
    "lil": sp.lil_matrix,
    "csc_array": sp.csc_array,
    "csr_array": sp.csr_array,
}


def make_problem(n_samples=60, n_features=12, *, seed=0, density=1.0, n_informative=None,
                 noise=0.5, correlated=False, dtype=np.float64):
    """Random linear-regression problem ``y = X w + b + noise`` with a few zero weights.

    Columns get different scales and non-zero means so that centering and intercepts matter.
    ``density < 1`` zeroes entries at random (used for the sparse containers).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    if correlated:
        # Strongly correlated columns make coordinate descent slow (hard problems).
        base = rng.standard_normal((n_samples, 1))
        X = base + 0.05 * X
    X = X * rng.uniform(0.5, 2.0, n_features) + rng.uniform(-1.0, 1.0, n_features)
    if density < 1.0:
        X = X * (rng.uniform(size=X.shape) < density)
    if n_informative is None:
        n_informative = max(1, n_features // 2)
    w = np.zeros(n_features)
    idx = rng.choice(n_features, size=min(n_informative, n_features), replace=False)
    w[idx] = rng.uniform(0.5, 2.0, idx.size) * rng.choice([-1.0, 1.0], idx.size)
    y = X @ w + 1.5 + noise * rng.standard_normal(n_samples)
    return X.astype(dtype), y.astype(dtype)


def make_weights(n_samples, *, seed=0, with_zeros=True):
    """Positive sample weights with a couple of exact zeros (valid: S > 0)."""
    rng = np.random.default_rng(seed + 1000)
    sw = rng.uniform(0.2, 3.0, n_samples)
    if with_zeros and n_samples > 4:
        sw[rng.choice(n_samples, size=2, replace=False)] = 0.0
    return sw


def to_container(X, fmt):
    if fmt == "dense":
        return np.asarray(X)
    return SPARSE_FORMATS[fmt](X)


@pytest.fixture(params=SEEDS, ids=lambda s: f"seed{s}")
def seed(request):
    return request.param


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


@pytest.fixture
def problem(seed):
    """Well conditioned, tall dense problem (unique solutions)."""
    return make_problem(60, 12, seed=seed)


@pytest.fixture
def sparse_problem(seed):
    """Tall problem whose X has ~30% non-zeros (dense ndarray; convert with to_container)."""
    return make_problem(80, 15, seed=seed, density=0.3)


@pytest.fixture
def wide_problem(seed):
    """More features than samples."""
    return make_problem(30, 60, seed=seed, n_informative=5)


@pytest.fixture(params=["dense", "csc", "csr"])
def container(request):
    return request.param


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "examples: runs the example scripts in subprocesses (deselect with "
        "-m 'not examples')")
