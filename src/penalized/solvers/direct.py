"""Direct (closed-form) solver for the unconstrained ridge / least-squares problem.

Minimizes ``1/(2S) ||yc - Xc w||_s^2 + 1/2 sum_j b_j w_j^2`` (no L1 part, no bounds) by a
Cholesky factorization of the normal equations, the dual (n x n) system when
p > n and every feature is penalized, or a minimum-norm least-squares solve when the
system is singular. Returns None when the problem is too large for a dense p x p
system on sparse input; the caller then falls back to coordinate descent.
"""

import numpy as np
import scipy.linalg as sla

_MAX_DENSE_P = 4000  # largest dense p x p (or n x n) system


def ridge_direct(design, yc, b):
    """Return the ridge solution (float64) or None if a direct solve does not fit."""
    n, p = design.n, design.p
    S = design.S
    sq = np.sqrt(design.s)
    all_pen = bool(np.all(b > 0))
    if design.sparse:
        if p > _MAX_DENSE_P:
            # wide and sparse: the n x n dual system (5 samples and 50,000 features took
            # 1,000 CD epochs, 6 s, and stopped short of tol)
            return _sparse_woodbury(design, yc, b) if n <= _MAX_DENSE_P and all_pen else None
        H, rhs = _sparse_normal_equations(design, yc)
        return _solve_normal(H, rhs, b)
    if p > _MAX_DENSE_P and n > _MAX_DENSE_P:
        return None
    B = design.columns(np.arange(p)) * sq[:, None]
    yb = sq * yc
    if p > n and all_pen:
        # Woodbury: w = D^-1 B' (B D^-1 B' + S I)^-1 yb
        BD = B / b
        K = BD @ B.T
        K[np.diag_indices_from(K)] += S
        try:
            z = sla.solve(K, yb, assume_a="pos")
        except (sla.LinAlgError, ValueError):
            z = np.linalg.lstsq(K, yb, rcond=None)[0]
        return BD.T @ z
    H = (B.T @ B) / S
    rhs = (B.T @ yb) / S
    return _solve_normal(H, rhs, b, B=B, yb=yb, S=S)


def ridge_from_gram(G, q, b):
    """The ridge solution of ``min 1/2 w'Gw - q'w + 1/2 sum_j b_j w_j^2`` from the
    centered Gram matrix ``G`` and ``q`` (the normal equations of :func:`ridge_direct`,
    when the sums were reduced elsewhere, e.g. by :mod:`penalized.dask`)."""
    return _solve_normal(np.asarray(G, dtype=np.float64), np.asarray(q, dtype=np.float64),
                         np.asarray(b, dtype=np.float64))


def _sparse_woodbury(design, yc, b):
    """The ridge solution ``D^-1 B' (B D^-1 B' + S I)^-1 yb`` of a sparse design with
    ``B = diag(sqrt(s)) Xc`` (``Xc = X - 1 mu'``, never formed), ``D = diag(b)``."""
    X, S, mu = design.X, design.S, design.mu
    sq = np.sqrt(design.s)
    XD = X.multiply(1.0 / b[None, :]).tocsr()
    K = np.asarray((XD @ X.T).toarray(), dtype=np.float64)
    if design.center:  # (X - 1 mu') D^-1 (X - 1 mu')'
        t = np.asarray(XD @ mu, dtype=np.float64).ravel()
        K += float(mu @ (mu / b)) - t[:, None] - t[None, :]
    K = K * sq[:, None] * sq[None, :]
    K[np.diag_indices_from(K)] += S
    yb = sq * yc
    try:
        z = sla.solve(K, yb, assume_a="pos")
    except (sla.LinAlgError, ValueError):
        z = np.linalg.lstsq(K, yb, rcond=None)[0]
    u = sq * z
    return (design.rmatvec_raw(u).astype(np.float64) - (mu * u.sum() if design.center
                                                          else 0.0)) / b


def _sparse_normal_equations(design, yc):
    """``(Xc' diag(s) Xc / S, Xc' diag(s) yc / S)`` of a sparse design, dense p x p."""
    X, S = design.X, design.S
    Xs = X.multiply(design.s[:, None]).tocsc() if design.weighted else X
    H = np.asarray((X.T @ Xs).toarray(), dtype=np.float64) / S
    if design.center:
        H -= np.outer(design.mu, design.mu)
    return H, design.rmatvec(design.s * yc) / S


def _solve_normal(H, rhs, b, B=None, yb=None, S=None):
    # the penalized columns scaled to unit size (w_j = d_j u_j): a huge weight next to
    # unpenalized features (alpha 1e100, penalty factor 0) made the system's singular
    # values 1e50 and 1, and lstsq's cutoff dropped the unpenalized directions (the null
    # model returned, with a gap of the full variance); columns scaled 1e150 and 1e-150
    # (standardize=True) made the Cholesky solve warn 'ill-conditioned, rcond = 0'. The
    # solution is unique in the penalized coordinates, so the minimum norm (over the
    # unpenalized ones) is the same
    h = np.maximum(np.diag(H), 0.0)
    d = np.where(b > 0, 1.0 / np.sqrt(h + np.where(b > 0, b, 1.0)), 1.0)
    if np.all(b > 0):
        Hb = H * d[:, None] * d[None, :]
        Hb[np.diag_indices_from(Hb)] += b * d * d
        try:
            return d * sla.solve(Hb, d * rhs, assume_a="pos")
        except (sla.LinAlgError, ValueError):
            pass
    if B is not None:
        # minimum-norm least squares on the augmented system [B / sqrt(S); sqrt(b) I]:
        # better conditioned than the normal equations when they are singular
        aug = np.vstack([B * d / np.sqrt(S), np.diag(np.sqrt(b) * d)])
        rhs_aug = np.concatenate([yb / np.sqrt(S), np.zeros(b.size)])
        return d * np.linalg.lstsq(aug, rhs_aug, rcond=None)[0]
    Hb = H.copy()
    Hb[np.diag_indices_from(Hb)] += b
    return d * np.linalg.lstsq(Hb * d[:, None] * d[None, :], d * rhs, rcond=None)[0]


def ridge_path(design, yc, b_unit, scales):
    """Ridge solutions for the L2 weights ``scale * b_unit`` at every scale (decreasing),
    columns of a (p x m) array, or None when a direct solve does not fit.

    With every ``b_unit > 0`` one eigendecomposition serves the whole path: with
    ``D = diag(b_unit)``, ``w = D^-1/2 (D^-1/2 H D^-1/2 + scale I)^-1 D^-1/2 rhs`` for the
    normal equations ``H w = rhs`` (p <= n), or the dual n x n system
    ``K = B D^-1 B' / S`` (p > n). Otherwise one direct solve per scale.
    """
    n, p = design.n, design.p
    scales = np.asarray(scales, dtype=np.float64)
    if not np.all(b_unit > 0) or (design.sparse and p > _MAX_DENSE_P) or min(n, p) > _MAX_DENSE_P:
        out = np.empty((p, scales.size))
        for i, sc in enumerate(scales):
            w = ridge_direct(design, yc, sc * b_unit)
            if w is None:
                return None
            out[:, i] = w
        return out
    S = design.S
    d = 1.0 / np.sqrt(b_unit)
    if design.sparse or p <= n:
        if design.sparse:
            H, rhs = _sparse_normal_equations(design, yc)
        else:
            B = design.columns(np.arange(p)) * np.sqrt(design.s)[:, None]
            H = (B.T @ B) / S
            rhs = (B.T @ (np.sqrt(design.s) * yc)) / S
        ev, V = np.linalg.eigh(H * d[:, None] * d[None, :])
        ev = np.maximum(ev, 0.0)
        c = V.T @ (d * rhs)
        return d[:, None] * (V @ (c[:, None] / (ev[:, None] + scales[None, :])))
    # p > n, dense: w = D^-1 B' (B D^-1 B' + S scale I)^-1 yb
    sq = np.sqrt(design.s)
    B = design.columns(np.arange(p)) * sq[:, None]
    BD = B * (d * d)
    ev, V = np.linalg.eigh(BD @ B.T)
    ev = np.maximum(ev, 0.0)
    c = V.T @ (sq * yc)
    Z = V @ (c[:, None] / (ev[:, None] + S * scales[None, :]))
    return BD.T @ Z
