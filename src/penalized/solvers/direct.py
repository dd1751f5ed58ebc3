"""Direct (closed-form) solver for the unconstrained ridge / least-squares problem.

Minimizes ``1/(2S) ||yc - Xc w||_s^2 + 1/2 sum_j b_j w_j^2`` (no L1 part, no bounds) by a
Cholesky factorization of the normal equations, the dual (n x n) system when
p > n and every feature is penalized, or a minimum-norm least-squares solve when the
system is singular. Returns None when the problem is too large for a dense p x p
system on sparse input; the caller then falls back to coordinate descent.
"""

import numpy as np
import scipy.linalg as sla

_MAX_DENSE_P = 4000


def ridge_direct(design, yc, b):
    """Return the ridge solution (float64) or None if a direct solve does not fit."""
    n, p = design.n, design.p
    S = design.S
    sq = np.sqrt(design.s)
    all_pen = bool(np.all(b > 0))
    if design.sparse:
        if p > _MAX_DENSE_P:
            return None
        X = design.X
        Xs = X.multiply(design.s[:, None]).tocsc() if design.weighted else X
        H = np.asarray((X.T @ Xs).toarray(), dtype=np.float64) / S
        if design.center:
            H -= np.outer(design.mu, design.mu)
        rhs = design.rmatvec(design.s * yc) / S
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


def _solve_normal(H, rhs, b, B=None, yb=None, S=None):
    if np.all(b > 0):
        Hb = H.copy()
        Hb[np.diag_indices_from(Hb)] += b
        try:
            return sla.solve(Hb, rhs, assume_a="pos")
        except (sla.LinAlgError, ValueError):
            pass
    if B is not None:
        # minimum-norm least squares on the augmented system [B / sqrt(S); sqrt(b) I]:
        # better conditioned than the normal equations when they are singular
        aug = np.vstack([B / np.sqrt(S), np.diag(np.sqrt(b))])
        rhs_aug = np.concatenate([yb / np.sqrt(S), np.zeros(b.size)])
        return np.linalg.lstsq(aug, rhs_aug, rcond=None)[0]
    Hb = H.copy()
    Hb[np.diag_indices_from(Hb)] += b
    return np.linalg.lstsq(Hb, rhs, rcond=None)[0]
