"""The design matrix with implicit centering and sample weights.

Holds X (dense F-ordered or CSC, never copied or densified), the weighted column
means ``mu`` (zeros without an intercept), the weights and their sum. Every product
is with the centered matrix ``Xc = X - 1 mu'`` without forming it.
"""

import numpy as np
import scipy.sparse as sp

_BLOCK = 1 << 20  # elements per temporary block when a dense pass needs one


class Design:
    """Centered, weighted view of X used by the solvers."""

    def __init__(self, X, sample_weight, fit_intercept):
        self.sparse = sp.issparse(X)
        if self.sparse:
            X = sp.csc_matrix(X) if X.format != "csc" else X
            if not X.has_canonical_format:
                X = X.copy()
                X.sum_duplicates()
        self.X = X
        self.n, self.p = X.shape
        self.dtype = X.dtype
        self.weighted = sample_weight is not None
        self.s = (np.ones(self.n) if sample_weight is None
                  else np.asarray(sample_weight, dtype=np.float64))
        self.S = float(self.s.sum())
        self.center = bool(fit_intercept)
        if self.center:
            self.mu = np.asarray(self.rmatvec_raw(self.s), dtype=np.float64) / self.S
        else:
            self.mu = np.zeros(self.p)
        self._sqnorms = None

    # raw products with X (no centering)
    def rmatvec_raw(self, u):
        """X' u for a float64 vector u, in the design's precision."""
        u = np.asarray(u, dtype=self.dtype)
        if self.sparse:
            return self.X.T @ u
        return self.X.T @ u

    def rmatvec(self, u):
        """Xc' u as float64."""
        out = np.asarray(self.rmatvec_raw(u), dtype=np.float64)
        if self.center:
            out -= self.mu * float(np.sum(u))
        return out

    def matvec(self, w, cols=None):
        """Xc w (float64); ``cols`` restricts to the listed columns of w."""
        if cols is None:
            cols = np.flatnonzero(w)
        out = np.zeros(self.n)
        if cols.size == 0:
            return out
        wc = w[cols]
        if self.sparse:
            out += self.X[:, cols] @ wc
        else:
            out += self.X[:, cols] @ wc.astype(self.dtype, copy=False)
        if self.center:
            out -= float(self.mu[cols] @ wc)
        return out

    def sqnorms(self):
        """||xc_j||_s^2 / S for every column (cached)."""
        if self._sqnorms is not None:
            return self._sqnorms
        s, S, mu = self.s, self.S, self.mu
        if self.sparse:
            X2 = self.X.multiply(self.X).tocsc()
            raw = np.asarray(X2.T @ s, dtype=np.float64) / S
            out = raw - mu * mu
            # cancellation guard: a column whose centered norm is at rounding level is constant
            out[out <= 1e-10 * np.maximum(raw, np.finfo(float).tiny)] = 0.0
        else:
            out = np.empty(self.p)
            step = max(1, _BLOCK // max(self.n, 1))
            for j0 in range(0, self.p, step):
                blk = np.asarray(self.X[:, j0:j0 + step], dtype=np.float64)
                if self.center:
                    blk = blk - mu[j0:j0 + step]
                out[j0:j0 + step] = (s @ (blk * blk)) / S
            scale = np.abs(mu) + np.sqrt(out)
            out[out <= (64 * np.finfo(self.dtype).eps * scale) ** 2] = 0.0
        self._sqnorms = out
        return out

    def columns(self, cols):
        """Centered, float64 dense copy of the listed columns (n x k)."""
        if self.sparse:
            blk = self.X[:, cols].toarray().astype(np.float64, copy=False)
        else:
            blk = np.asarray(self.X[:, cols], dtype=np.float64)
        if self.center:
            blk = blk - self.mu[cols]
        return blk

    def gram(self, cols):
        """(G, Xc_cols) with G = Xc_cols' diag(s) Xc_cols / S, float64."""
        k = cols.size
        if self.sparse and self.n > 4 * k:
            Xk = self.X[:, cols]
            Xs = Xk.multiply(self.s[:, None]).tocsc() if self.weighted else Xk
            G = np.asarray((Xk.T @ Xs).toarray(), dtype=np.float64) / self.S
            if self.center:
                m = self.mu[cols]
                G -= np.outer(m, m)
            return G, None
        blk = self.columns(cols)
        if self.weighted:
            G = (blk.T @ (blk * self.s[:, None])) / self.S
        else:
            G = (blk.T @ blk) / self.S
        return G, blk
