"""The design matrix with implicit centering and sample weights.

Holds X (dense F-ordered or CSC, never copied or densified), the weighted column
means ``mu`` (zeros without an intercept), the weights and their sum. Every product
is with the centered matrix ``Xc = X - 1 mu'`` without forming it.
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp

__all__ = ["Design", "KernelDesign"]

_BLOCK = 1 << 20  # elements per temporary block when a dense pass needs one
_VECDOT = getattr(np, "vecdot", None)  # numpy >= 2.0
_KERNEL_MIN = 1 << 18  # elements from which dense column norms are a numba pass


def norms_by_kernel(X):
    """Whether a dense X's column norms are a numba pass (``kernels.arrays.col_sqnorms``):
    large enough, float64 or float32. Small ones stay on numpy: the kernel's loading
    would cost a first fit more than it saves."""
    return X.shape[0] * X.shape[1] >= _KERNEL_MIN and X.dtype in (np.float32, np.float64)

# The design as one numba argument. Dense designs have ``X`` (F-ordered) and empty CSC
# arrays; sparse ones have ``data, indices, indptr`` and an empty ``X`` of the same dtype,
# so a dense and a sparse design (int32 indices) share one compiled specialization.
KernelDesign = namedtuple(
    "KernelDesign", "X data indices indptr n p sparse mu s weighted center S L")


def _segment_sums(values, indptr):
    """Sums of values[indptr[j]:indptr[j + 1]] for every column j (float64)."""
    out = np.zeros(indptr.size - 1)
    nonempty = indptr[1:] > indptr[:-1]
    if values.size:
        sums = np.add.reduceat(values, indptr[:-1][nonempty])
        out[nonempty] = sums
    return out


def _csc_columns(X, cols):
    """The columns ``cols`` (increasing) of a canonical CSC matrix, as one gather of its
    entries: ``X[:, cols]`` through scipy's indexing cost 0.2 ms a working set on dexter
    (300 x 20,000), a sixth of a prox-Newton round."""
    indptr = X.indptr
    starts = indptr[cols]
    counts = indptr[cols + 1] - starts
    new = np.zeros(cols.size + 1, dtype=indptr.dtype)
    np.cumsum(counts, out=new[1:])
    idx = np.repeat(starts - new[:-1], counts) + np.arange(new[-1], dtype=indptr.dtype)
    out = sp.csc_matrix((X.data[idx], X.indices[idx], new), shape=(X.shape[0], cols.size))
    out.has_sorted_indices = True  # (each column's rows as in X: canonical)
    out.has_canonical_format = True
    return out


class Design:
    """Centered, weighted view of X used by the solvers.

    ``blas_threads``: compute the column means (with ``fit_intercept``) on BLAS's
    threads; by default on the calling thread (:func:`penalized._blas.one_blas_thread`),
    so that a short fit leaves no BLAS worker spinning. ``mu``: the column means when
    known (a subset's are its parent's). ``raw_sqnorms``: ``sum_i X_ij^2`` per column
    when known (from the finite check's pass over X,
    :func:`penalized._validation.check_finite_no_overflow`): an unweighted dense design
    derives its column norms from them (see :meth:`sqnorms`) instead of another pass.
    """

    def __init__(self, X, sample_weight, fit_intercept, blas_threads=False, mu=None,
                 raw_sqnorms=None):
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
        if self.center and mu is not None:
            self.mu = np.asarray(mu, dtype=np.float64)
        elif self.center:
            if self.sparse or blas_threads:
                raw = self.rmatvec_raw(self.s)
            else:
                # the same BLAS product on the calling thread: a woken OpenBLAS worker
                # would spin on through the fit (a Lasso with an intercept on 100 x 10000
                # used twice its wall time in CPU, a core a busy machine does not have)
                from .._blas import one_blas_thread

                with one_blas_thread():
                    raw = self.rmatvec_raw(self.s)
            self.mu = np.asarray(raw, dtype=np.float64) / self.S
        else:
            self.mu = np.zeros(self.p)
        self._sqnorms = None
        self._raw_sqnorms = (raw_sqnorms if raw_sqnorms is not None and not self.sparse
                             and not self.weighted else None)
        self._dead = None  # the constant columns (sqnorms 0), once asked
        self._kernel = None

    def kernel(self, sqnorms=True):
        """The :data:`KernelDesign` of this design (sqnorms included; with ``sqnorms``
        False an empty ``L`` instead, for kernels that never read it: the column norms
        of a wide design cost more than a fit's rounds, 1.2 ms on dexter)."""
        if not sqnorms and self._kernel is None and self._sqnorms is None:
            return self._kernel_tuple(np.empty(0))
        if self._kernel is None:
            self._kernel = self._kernel_tuple(self.sqnorms())
        return self._kernel

    def _kernel_tuple(self, L):
        X = self.X
        if self.sparse:
            data, indices, indptr = X.data, X.indices, X.indptr
            Xd = np.empty((2, 2), dtype=self.dtype, order="F")
            if indices.dtype != indptr.dtype:
                indices = indices.astype(np.int64)
                indptr = indptr.astype(np.int64)
        else:
            Xd = X
            data = np.empty(0, dtype=self.dtype)
            indices = indptr = np.empty(0, dtype=np.int32)
        return KernelDesign(Xd, data, indices, indptr, self.n, self.p, self.sparse,
                            self.mu, self.s, self.weighted, self.center, self.S, L)

    def reweighted(self, sample_weight):
        """The same X with other sample weights (a prox-Newton step's weighted design:
        its weighted column means on BLAS's threads, as the step's other products)."""
        return Design(self.X, sample_weight, self.center, blas_threads=True)

    def subset(self, cols):
        """A Design on the listed columns (same weights and intercept handling)."""
        if self.sparse:
            Xk = _csc_columns(self.X, np.asarray(cols))
        else:
            Xk = np.asfortranarray(self.X[:, cols])
        # the means are the parent's too, as the norms centered with them: no product
        sub = Design(Xk, self.s if self.weighted else None, self.center,
                     mu=self.mu[cols] if self.center else None)
        if self._sqnorms is not None:
            # per-column values: the parent's, not another pass over X (the GLM engine
            # asks a working set's design for them in every step: 680 passes over a CV
            # on madelon, 6% of it)
            sub._sqnorms = self._sqnorms[cols]
        return sub

    # raw products with X (no centering)
    def rmatvec_raw(self, u):
        """X' u for a float64 vector u, in the design's precision."""
        u = np.asarray(u, dtype=self.dtype)
        if self.sparse:
            return self.X.T @ u
        return self.X.T @ u

    def rmatvec(self, u, raw=None):
        """Xc' u as float64 (``raw``: ``X' u`` when already computed). A constant column
        (:meth:`sqnorms` 0) is the zero column of Xc: its entry is 0, not the rounding
        noise of ``x_j' u - mu_j sum(u)`` (which grows with the column's mean)."""
        out = np.asarray(self.rmatvec_raw(u) if raw is None else raw, dtype=np.float64)
        if self.center:
            out -= self.mu * float(np.sum(u))
            dead = self.constant_columns()
            if dead.size:
                out[dead] = 0.0
        return out

    def constant_columns(self):
        """Indices of the constant columns (:meth:`sqnorms` 0), cached (a mask of p
        entries per product cost 50 us on dexter's 20,000 columns, a sixth of a CV fit's
        gap)."""
        if self._dead is None:
            self._dead = np.flatnonzero(self.sqnorms() == 0)
        return self._dead

    def matvec(self, w, cols=None):
        """Xc w (float64); ``cols`` restricts to the listed columns of w."""
        if cols is None:
            cols = np.flatnonzero(w)
        out = np.zeros(self.n)
        if cols.size == 0:
            return out
        wc = w[cols]
        if self.sparse:
            # one CSC product over all columns beats fancy-indexing the columns first
            wf = np.zeros(self.p)
            wf[cols] = wc
            out += self.X @ wf
        else:
            out += self.X[:, cols] @ wc.astype(self.dtype, copy=False)
        if self.center:
            out -= float(self.mu[cols] @ wc)
        return out

    def predictor(self, w, b=0.0, offset=0.0):
        """``X w + b + offset`` for the raw (uncentered) X, float64: (n,) for a vector w,
        (n, K) for a p x K matrix (``offset`` of shape (n,) is added to every column)."""
        w = np.asarray(w, dtype=np.float64)
        if w.ndim == 2:
            out = np.asarray(self.X @ w.astype(self.dtype, copy=False), dtype=np.float64)
            return out + b + np.reshape(offset, (-1, 1) if np.ndim(offset) else ())
        if self.sparse:
            # straight to the kernel: scipy's product costs more than the work on small X
            from .kernels.sparse import csc_matvec_cols

            X = self.X
            return csc_matvec_cols(X.indptr, X.indices, X.data, w, np.flatnonzero(w),
                                   self.n) + (b + offset)
        eta = self.matvec(w)
        if self.center:
            eta += float(self.mu @ w)
        return eta + b + offset

    def _from_raw_sqnorms(self):
        """The column norms from the finite check's sums of squares (unweighted dense):
        ``||x_j||^2 / n - mu_j^2`` when every mean takes at most a quarter of it (2 bits
        of cancellation at most; with an intercept on standardized X, every column, and
        without one, exactly the pass's result); else None (the pass)."""
        raw = self._raw_sqnorms
        if raw is None:
            return None
        out = raw / self.S
        if self.center:
            sq = self.mu * self.mu
            if not np.all(sq <= 0.25 * out):
                return None
            out -= sq
        return out

    def sqnorms(self):
        """||xc_j||_s^2 / S for every column (cached)."""
        if self._sqnorms is not None:
            return self._sqnorms
        s, S, mu = self.s, self.S, self.mu
        if self.sparse:
            # exact centered norms: sum over stored entries of s (x - mu)^2, plus mu^2
            # times the weight of the implicit zeros (no cancellation for large means)
            X = self.X
            counts = np.diff(X.indptr)
            sw = s[X.indices]
            dev = X.data.astype(np.float64)
            raw_vals = sw * dev * dev
            if self.center:
                dev = dev - np.repeat(mu, counts)
            out = _segment_sums(sw * dev * dev, X.indptr)
            if self.center:
                out += mu * mu * np.maximum(S - _segment_sums(sw, X.indptr), 0.0)
            out /= S
            if self.center:
                # constant up to the rounding of its entries, as for dense X (a column
                # of timestamps, 1e8 plus noise of 1, is not constant)
                scale = np.abs(mu) + np.sqrt(out)
                out[out <= (64 * np.finfo(self.dtype).eps * scale) ** 2] = 0.0
            else:
                raw = _segment_sums(raw_vals, X.indptr) / S
                out[out <= 1e-13 * np.maximum(raw, np.finfo(float).tiny)] = 0.0
        else:
            out = self._from_raw_sqnorms()
            self._raw_sqnorms = None  # (used once)
            if out is None:
                out = np.empty(self.p)
                # a numba pass on large designs, no temporary: 0.4 against 1.7 ms on
                # 400 x 5000, 2.3 against 33 ms on 20000 x 500 (a CV fold's design, a
                # tall fit)
                if norms_by_kernel(self.X):
                    from .kernels.arrays import col_sqnorms

                    col_sqnorms(self.X, mu, s, self.weighted, out)
                    out /= S
                else:
                    self._sqnorms_by_blocks(out)
            scale = np.abs(mu) + np.sqrt(out)
            out[out <= (64 * np.finfo(self.dtype).eps * scale) ** 2] = 0.0
        self._sqnorms = out
        return out

    def _sqnorms_by_blocks(self, out):
        """:meth:`sqnorms` of a dense X by numpy, a block of columns at a time (before
        the rounding check)."""
        s, S, mu = self.s, self.S, self.mu
        step = max(1, _BLOCK // max(self.n, 1))
        for j0 in range(0, self.p, step):
            blk = self.X[:, j0:j0 + step]
            if self.center:
                blk = np.asarray(blk, dtype=np.float64) - mu[j0:j0 + step]
            if self.weighted:
                out[j0:j0 + step] = np.einsum("ij,ij,i->j", blk, blk, s) / S
            elif blk.dtype == np.float64 and _VECDOT is not None:
                # a dot product per column: 0.12 ms against einsum's 0.43 on sim 10000 x 100
                out[j0:j0 + step] = _VECDOT(blk.T, blk.T) / S
            else:
                out[j0:j0 + step] = np.einsum("ij,ij->j", blk, blk, dtype=np.float64) / S

    def columns(self, cols):
        """Centered, float64 dense copy of the listed columns (n x k)."""
        if self.sparse:
            blk = self.X[:, cols].toarray().astype(np.float64, copy=False)
        else:
            blk = np.asarray(self.X[:, cols], dtype=np.float64)
        if self.center:
            blk = blk - self.mu[cols]
        return blk

    def ill_centered(self, cols):
        """Whether any listed column of a centered sparse X has a mean above 1e3 times
        its standard deviation: ``X'X / S - mu mu'`` then cancels to fewer than 10
        digits, and its products are formed from explicitly centered columns instead."""
        if not (self.sparse and self.center):
            return False
        mu2 = self.mu[cols] ** 2
        return bool(np.any(mu2 > 1e6 * self.sqnorms()[cols]))

    def cross(self, rows, cols):
        """Xc[:, rows]' diag(s) Xc[:, cols] / S as a dense float64 array."""
        if self.sparse and not (self.ill_centered(rows) or self.ill_centered(cols)):
            Xa, Xb = self.X[:, rows], self.X[:, cols]
            if self.weighted:
                Xb = Xb.multiply(self.s[:, None]).tocsc()
            G = np.asarray((Xa.T @ Xb).toarray(), dtype=np.float64) / self.S
            if self.center:
                G -= np.outer(self.mu[rows], self.mu[cols])
            return G
        A = self.columns(rows)
        B = A if np.array_equal(rows, cols) else self.columns(cols)
        if self.weighted:
            B = B * self.s[:, None]
        return (A.T @ B) / self.S
