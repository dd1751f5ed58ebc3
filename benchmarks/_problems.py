"""Benchmark problems shared by the scripts in this folder.

Everything here follows ``BENCHMARKS.md`` (the project's benchmark protocol):

* :func:`simulated` -- AR(1)-correlated Gaussian design (rho = 0.6), 10% nonzero true
  coefficients drawn N(0, 1), noise scaled to SNR = ||X w*|| / ||noise|| = 3, seed 27
  (``np.random.default_rng(27)``).  Same construction as skglm's ``make_correlated_data``,
  but with NumPy's ``Generator``.
* loaders for the real data sets in ``shared/data`` (:func:`load_riboflavin`,
  :func:`load_leukemia`, :func:`load_dexter`, :func:`load_a9a`).  Dense designs are
  standardized (mean 0, sd 1 per column); sparse ones are returned as is, in CSC format.
  The regression target (riboflavin) is centered, since the benchmarks fit no intercept.
* objectives and the ``lam`` scaling of the protocol (:func:`lasso_lambda`,
  :func:`lasso_objective`, :func:`logreg_lambda`, :func:`logreg_objective`,
  :func:`enet_objective`).

The data folder is ``$PENALIZED_DATA`` if set, else ``<repo>/../shared/data``.  Loaders raise
:class:`DataUnavailable` when their files are absent; callers should skip those rows.

Import from a script in this folder with ``from _problems import simulated, ...`` (running
``python benchmarks/<script>.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = [
    "DataUnavailable",
    "data_dir",
    "simulated",
    "standardize",
    "load_riboflavin",
    "load_leukemia",
    "load_dexter",
    "load_a9a",
    "lasso_lambda",
    "lasso_objective",
    "enet_objective",
    "logreg_lambda",
    "logreg_objective",
]


class DataUnavailable(FileNotFoundError):
    """A real data set is not present on this machine."""


def data_dir() -> Path | None:
    """The shared data folder, or ``None`` when it does not exist.

    ``$PENALIZED_DATA`` wins; otherwise ``<repo root>/../shared/data``.
    """
    env = os.environ.get("PENALIZED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return path if path.is_dir() else None


def _file(*parts: str) -> Path:
    root = data_dir()
    if root is None:
        raise DataUnavailable(
            "shared data folder not found (set PENALIZED_DATA or create ../shared/data)"
        )
    path = root.joinpath(*parts)
    if not path.is_file():
        raise DataUnavailable(f"{path} not found")
    return path


# ----------------------------------------------------------------------------------------------
# simulated data
# ----------------------------------------------------------------------------------------------
def simulated(
    n_samples: int,
    n_features: int,
    *,
    rho: float = 0.6,
    snr: float = 3.0,
    density: float = 0.1,
    seed: int = 27,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AR(1)-correlated Gaussian regression problem of BENCHMARKS.md.

    ``X[:, 0] = z_0`` and ``X[:, j] = rho X[:, j-1] + sqrt(1 - rho^2) z_j`` with i.i.d. N(0, 1)
    ``z_j`` (so every column has unit variance and corr(x_i, x_j) = rho^|i-j|);
    ``int(density * p)`` coefficients, at random positions, are N(0, 1), the rest 0;
    ``y = X w* + e`` with ``||X w*|| / ||e|| = snr``.

    Returns ``(X, y, w_true)``; ``X`` is Fortran-ordered float64.
    """
    if not 0 <= rho < 1:
        raise ValueError("rho must be in [0, 1)")
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(1.0 - rho * rho)
    X = np.empty((n_samples, n_features), order="F")
    col = rng.standard_normal(n_samples)
    X[:, 0] = col
    for j in range(1, n_features):
        col *= rho
        col += sigma * rng.standard_normal(n_samples)
        X[:, j] = col

    nnz = int(density * n_features)
    w_true = np.zeros(n_features)
    support = rng.choice(n_features, nnz, replace=False)
    w_true[support] = rng.standard_normal(nnz)

    signal = X @ w_true
    noise = rng.standard_normal(n_samples)
    y = signal + noise / np.linalg.norm(noise) * np.linalg.norm(signal) / snr
    return X, y, w_true


# ----------------------------------------------------------------------------------------------
# real data
# ----------------------------------------------------------------------------------------------
def standardize(X: np.ndarray) -> np.ndarray:
    """Columns to mean 0 and sd 1 (population sd); constant columns are only centered.

    Returns a new Fortran-ordered float64 array.
    """
    X = np.array(X, dtype=np.float64, order="F", copy=True)
    X -= X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    X /= sd
    return X


def _npz(folder: str) -> dict[str, np.ndarray]:
    with np.load(_file(folder, "data.npz"), allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


def load_riboflavin(*, center_y: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Riboflavin, 71 x 4088 regression: standardized X (Fortran order), y = log rate.

    ``y`` is centered by default.  The benchmarks fit no intercept and X's columns are centered,
    so the mean of y (about -7.2, sd 0.9) can never be fitted: it leaves the solution unchanged
    but adds ``mean(y)^2 / 2`` to every objective value, which would loosen the protocol's
    ``F(w) - F* <= 1e-6 F(0)`` test about 60-fold.  Pass ``center_y=False`` for the raw y.
    """
    d = _npz("riboflavin")
    y = np.array(d["y"], dtype=np.float64)
    if center_y:
        y -= y.mean()
    return standardize(d["X"]), y


def load_leukemia() -> tuple[np.ndarray, np.ndarray]:
    """Golub leukemia, 72 x 7129 binary: standardized X (Fortran order), y in {0, 1} (1 = AML)."""
    d = _npz("leukemia_golub")
    return standardize(d["X"]), np.ascontiguousarray(d["y"], dtype=np.float64)


def _svmlight(path: Path, n_features: int) -> tuple[sp.csc_matrix, np.ndarray]:
    from sklearn.datasets import load_svmlight_file

    X, y = load_svmlight_file(str(path), n_features=n_features, dtype=np.float64)
    X = sp.csc_matrix(X)
    X.sort_indices()
    return X, np.ascontiguousarray(y, dtype=np.float64)


def load_dexter(split: str = "train") -> tuple[sp.csc_matrix, np.ndarray]:
    """DEXTER, 300 x 20000 sparse binary (``split`` 'train' or 'valid').

    X as is (CSC, float64, non-negative counts); labels +1/-1 recoded to y in {0, 1}.
    """
    if split not in ("train", "valid"):
        raise ValueError("split must be 'train' or 'valid'")
    X, y = _svmlight(_file("dexter", f"dexter_{split}.svm"), 20000)
    return X, (y > 0).astype(np.float64)


def load_a9a(split: str = "train") -> tuple[sp.csc_matrix, np.ndarray]:
    """LIBSVM a9a, 32560 x 123 sparse binary (``split`` 'train' or 'test'); y already in {0, 1}."""
    if split not in ("train", "test"):
        raise ValueError("split must be 'train' or 'test'")
    X, y = _svmlight(_file("a9a", "a9a" if split == "train" else "a9a.t"), 123)
    return X, (y > 0).astype(np.float64)


# ----------------------------------------------------------------------------------------------
# objectives
# ----------------------------------------------------------------------------------------------
def _matvec(X, w: np.ndarray) -> np.ndarray:
    return np.asarray(X @ w).ravel()


def lasso_lambda(X, y: np.ndarray, frac: float) -> float:
    """``frac * ||X'y||_inf / n`` (``frac = 1`` is the smallest lam giving w = 0)."""
    return float(frac * np.max(np.abs(_matvec(X.T, y))) / X.shape[0])


def lasso_objective(X, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """``1/(2n) ||y - Xw||^2 + lam ||w||_1``."""
    r = y - _matvec(X, w)
    return float(r @ r / (2 * X.shape[0]) + lam * np.abs(w).sum())


def enet_objective(X, y: np.ndarray, w: np.ndarray, lam: float, l1_ratio: float) -> float:
    """``1/(2n) ||y - Xw||^2 + lam (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)``."""
    r = y - _matvec(X, w)
    pen = l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * (w @ w)
    return float(r @ r / (2 * X.shape[0]) + lam * pen)


def logreg_lambda(X, y: np.ndarray, frac: float) -> float:
    """``frac * ||X'(y - 1/2)||_inf / n`` for y in {0, 1}; scikit-learn's ``C = 1/(n lam)``."""
    return float(frac * np.max(np.abs(_matvec(X.T, y - 0.5))) / X.shape[0])


def logreg_objective(X, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """``mean(log(1 + exp(Xw)) - y Xw) + lam ||w||_1`` for y in {0, 1}."""
    z = _matvec(X, w)
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + lam * np.abs(w).sum())
