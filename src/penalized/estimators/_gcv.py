"""Leave-one-out ridge errors for every alpha from one factorization (``RidgeCV`` with
``cv=None``).

With sample weights ``s`` (ones by default), ``S = sum(s)`` and an intercept, the data are
centered at their weighted means and scaled by ``sqrt(s)``::

    Xt = diag(sqrt(s)) (X - 1 xbar'),    yt = sqrt(s) * (y - ybar).

The ridge fit at ``alpha`` (scikit-learn's objective ``sum_i s_i r_i^2 + alpha ||w||^2``)
has the hat matrix ``H = Xt (Xt'Xt + alpha I)^-1 Xt' + sqrt(s) sqrt(s)' / S`` (the second
term is the unpenalized intercept) and the leave-one-out identity of weighted least
squares gives every sample's error at once::

    e_i = rt_i / (1 - H_ii),     rt = yt - H yt,

``e_i = sqrt(s_i) (y_i - yhat_{-i})``: the error of the fit without sample ``i``, scaled
by ``sqrt(s_i)``, exactly scikit-learn's ``_RidgeGCV`` quantity. Three factorizations give
``H`` for all alphas, each computed once:

========  ==============================  =================================================
mode      factorization                   hat matrix (without the intercept term)
========  ==============================  =================================================
"svd"     ``Xt = U diag(sig) V'`` (dense)  ``U diag(sig^2 / (sig^2 + alpha)) U'``
"gram"    ``Xt Xt' = Q diag(lam) Q'``      ``Q diag(lam / (lam + alpha)) Q'`` (n <= p)
"cov"     ``Xt'Xt = V diag(lam) V'``       ``Z diag(1 / (lam + alpha)) Z'``, ``Z = Xt V``
========  ==============================  =================================================

When the basis spans all of R^n (``gram``, and ``svd`` with n <= p) the residual and
``1 - H_ii`` are computed from ``alpha / (lam + alpha)`` directly (no cancellation when
the fit nearly interpolates). ``Z`` is never stored: its rows are formed in blocks.
The intercept term of ``H_ii`` is computed as scikit-learn does, from the residual of the
column ``sqrt(s)`` (``sqrt(s_i) - (H0 sqrt(s))_i``), so both give the same rounding.

Sparse X is scaled by rows and centered implicitly (never densified); its ``gram`` and
``cov`` matrices are formed from the raw products and the means, as scikit-learn does,
except for columns whose mean is so large against their spread that the subtraction
would cancel (centered explicitly: :class:`ScaledDesign`).
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["LooRidge", "ScaledDesign"]

_BLOCK = 1 << 22  # elements of a temporary block (32 MiB of float64)


class ScaledDesign:
    """``Xt = diag(sqrt_sw) (X - 1 xbar')`` as products.

    Dense X is centered and scaled once into a float64 copy (the factorizations need one
    anyway); sparse X is scaled by rows into a CSR copy of its nonzeros and centered
    implicitly in every product. A sparse column whose mean exceeds 1e3 times its
    standard deviation (a timestamp column, 1e8 plus noise) would cancel to fewer than 10
    digits in ``X'X - S xbar xbar'``: such columns (only they) are centered explicitly,
    in a dense block ``D``, as :meth:`penalized.solvers.design.Design.ill_centered` does.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    sqrt_sw : ndarray of shape (n_samples,)
        Square roots of the sample weights.
    xbar : ndarray of shape (n_features,) or None
        Weighted column means (None: no centering).
    weighted : bool
        Whether ``sqrt_sw`` differs from ones (skips a scaling pass when not).
    """

    def __init__(self, X, sqrt_sw, xbar, weighted):
        self.sparse = sp.issparse(X)
        self.shape = X.shape
        self.sqrt_sw = sqrt_sw
        self.cols = np.empty(0, dtype=np.intp)  # explicitly centered columns, in D
        if self.sparse:
            X = sp.csr_matrix(X, dtype=np.float64)
            self.mean = xbar
            if xbar is not None:
                self.cols = _ill_centered(X, sqrt_sw**2, xbar)
            if self.cols.size:
                D = X[:, self.cols].toarray() - xbar[self.cols]
                self.D = D * sqrt_sw[:, None] if weighted else D
                keep = np.ones(X.shape[1])
                keep[self.cols] = 0.0
                X = sp.csr_matrix(X @ sp.diags(keep))
                X.eliminate_zeros()
                self.mean = np.where(keep > 0, xbar, 0.0)
            if weighted:
                X = sp.csr_matrix(sp.diags(sqrt_sw) @ X)
        else:
            X = np.array(X, dtype=np.float64, order="C")
            if xbar is not None:
                X -= xbar
            if weighted:
                X *= sqrt_sw[:, None]
            self.mean = None
        self.X = X

    def dot(self, A, rows=slice(None)):
        """``Xt[rows] @ A`` (dense float64)."""
        out = np.asarray(self.X[rows] @ A)
        if self.mean is not None:
            out = out - np.multiply.outer(self.sqrt_sw[rows], self.mean @ A)
        if self.cols.size:
            out = out + self.D[rows] @ A[self.cols]
        return out

    def tdot(self, B):
        """``Xt' @ B`` (dense float64)."""
        out = np.asarray(self.X.T @ B)
        if self.mean is not None:
            out = out - np.multiply.outer(self.mean, self.sqrt_sw @ B)
        if self.cols.size:
            out[self.cols] = self.D.T @ B
        return out

    def gram(self):
        """``Xt Xt'`` (n x n)."""
        X, m, q = self.X, self.mean, self.sqrt_sw
        K = X @ X.T
        K = K.toarray() if sp.issparse(K) else np.asarray(K)
        if m is not None:
            Xm = np.asarray(X @ m)
            K -= np.outer(Xm, q) + np.outer(q, Xm) - (m @ m) * np.outer(q, q)
        if self.cols.size:
            K += self.D @ self.D.T
        return K

    def cov(self):
        """``Xt' Xt`` (p x p)."""
        X, m = self.X, self.mean
        C = X.T @ X
        C = C.toarray() if sp.issparse(C) else np.asarray(C)
        if m is not None:
            C -= (self.sqrt_sw @ self.sqrt_sw) * np.outer(m, m)
        if self.cols.size:
            cross = self.tdot(self.D)  # Xt' D, its rows of D's columns are D'D
            C[:, self.cols] = cross
            C[self.cols, :] = cross.T
        return C


def _ill_centered(X, s, xbar):
    """Columns of sparse X whose weighted mean exceeds 1e3 times their weighted standard
    deviation (computed from the deviations of the stored entries, no cancellation)."""
    coo = X.tocoo()
    p = X.shape[1]
    w = s[coo.row]
    dev = coo.data - xbar[coo.col]
    var = np.bincount(coo.col, w * dev * dev, minlength=p)
    var += xbar**2 * np.maximum(s.sum() - np.bincount(coo.col, w, minlength=p), 0.0)
    return np.flatnonzero(xbar**2 > 1e6 * var / s.sum())


class LooRidge:
    """One factorization of the scaled design; leave-one-out residuals and coefficients
    for any alphas.

    Parameters
    ----------
    design : ScaledDesign
    Y : ndarray of shape (n_samples, n_targets)
        ``yt``, the centered and scaled targets.
    mode : {"svd", "gram", "cov"}
    intercept : bool
        Whether ``H`` has the intercept term.
    """

    def __init__(self, design, Y, mode, intercept):
        self.design = design
        self.intercept = intercept
        q = design.sqrt_sw
        self.S = float(q @ q)
        # the column sqrt(s) rides along with the targets: its residual is the intercept
        # term of 1 - H_ii
        self.Y = np.column_stack([Y, q]) if intercept else Y
        n = design.shape[0]
        self.B = self.V = self.scale = None
        if mode == "svd":
            U, sig, Vt = np.linalg.svd(design.X, full_matrices=False)
            self.B, self.lam, self.c = U, sig**2, sig**2
            self.V, self.scale = Vt.T, sig
            self.P = U.T @ self.Y
        elif mode == "gram":
            self.lam, self.B = np.linalg.eigh(design.gram())
            self.c = self.lam
            self.P = self.B.T @ self.Y
        elif mode == "cov":
            self.lam, self.V = np.linalg.eigh(design.cov())
            self.c = self.scale = np.ones_like(self.lam)
            self.P = self.V.T @ design.tdot(self.Y)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        # a basis of all of R^n: residuals from alpha / (lam + alpha), no cancellation
        self.complete = self.B is not None and self.B.shape[1] == n
        self._B2 = None

    def chunks(self, n_alphas):
        """Slices of the alphas whose residual arrays fit in one block."""
        n, m = self.Y.shape
        step = max(1, _BLOCK // max(n * m, 1))
        return [slice(i, min(i + step, n_alphas)) for i in range(0, n_alphas, step)]

    def _rows_sq(self, F):
        """``(B o B) @ F`` for the basis B of the hat matrix (n x a)."""
        if self.B is not None:
            if self._B2 is None:
                self._B2 = self.B**2
            return self._B2 @ F
        n, k = self.design.shape[0], self.V.shape[1]
        out = np.empty((n, F.shape[1]))
        step = max(1, _BLOCK // max(k, 1))
        for i in range(0, n, step):
            rows = slice(i, min(i + step, n))
            Z = self.design.dot(self.V, rows)
            out[rows] = (Z**2) @ F
        return out

    def _B_dot(self, M):
        if self.B is not None:
            return self.B @ M
        return self.design.dot(self.V @ M)

    def loo(self, alphas):
        """Leave-one-out errors ``e`` of shape (n_samples, len(alphas), n_targets)."""
        alphas = np.asarray(alphas, dtype=np.float64)
        n, m = self.Y.shape
        a, k = alphas.size, self.lam.size
        denom = self.lam[:, None] + alphas[None, :]
        if self.complete:
            F = alphas[None, :] / denom  # 1 - c / (lam + alpha), c = lam
            R = self.B @ (F[:, :, None] * self.P[:, None, :]).reshape(k, a * m)
            R = R.reshape(n, a, m)
            D = self._rows_sq(F)
        else:
            F = self.c[:, None] / denom
            fitted = self._B_dot((F[:, :, None] * self.P[:, None, :]).reshape(k, a * m))
            R = self.Y[:, None, :] - fitted.reshape(n, a, m)
            D = 1.0 - self._rows_sq(F)
        if self.intercept:
            D = D - R[:, :, -1] * self.design.sqrt_sw[:, None] / self.S
            R = R[:, :, :-1]
        return R / D[:, :, None]

    def coef(self, alpha, cols=slice(None)):
        """Coefficients at ``alpha`` for the listed targets, shape (n_features, n_cols)."""
        P = self.P[:, :-1] if self.intercept else self.P
        P = P[:, cols] / (self.lam + alpha)[:, None]
        if self.V is not None:
            return self.V @ (self.scale[:, None] * P)
        return self.design.tdot(self.B @ P)
