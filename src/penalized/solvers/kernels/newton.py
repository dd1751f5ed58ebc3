"""The support Newton step (numba, cached on disk), shared by every working-set solve.

On the orthant of the current signs the least-squares objective restricted to the
support S is the quadratic ``1/2 w'G w - q'w + a'|w| + b/2 w^2``; its minimizer solves
``(G_SS + diag b_S) w_S = q_S - a_S sign(w_S)``. The step towards it is cut where a
penalized coordinate would change sign (it is set to zero there) or leave its bounds, so
the objective decreases; the step is kept only if it does. When CD is slow (badly
conditioned supports near interpolation) one such step replaces hundreds of epochs.
"""

import numpy as np
from numba import njit

from ...penalties.separable import FASTMATH as _FM
from .cd import col_axpy, col_dot, weighted_sq


@njit(cache=True, inline="always", fastmath=_FM)
def _dot(x, y):
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    return acc


@njit(cache=True, fastmath=_FM)
def newton_target(M, rhs, wS, singular_max):
    """Minimizer of 1/2 x'Mx - rhs'x (M PSD, k x k): Cholesky; if M is singular
    (more nonzeros than the rank) and k <= singular_max, a far point along a null
    direction with rhs'd > 0 (the objective decreases linearly until a sign changes), or the
    pseudo-inverse solution when rhs is in the range of M."""
    k = M.shape[0]
    C = np.zeros((k, k))
    singular = False
    for jj in range(k):
        acc = M[jj, jj]
        for t in range(jj):
            acc -= C[jj, t] * C[jj, t]
        if not acc > 1e-12 * M[jj, jj] or not acc > 0.0:
            singular = True
            break
        C[jj, jj] = np.sqrt(acc)
        for i in range(jj + 1, k):
            acc = M[i, jj]
            for t in range(jj):
                acc -= C[i, t] * C[jj, t]
            C[i, jj] = acc / C[jj, jj]
    target = np.empty(k)
    if not singular:
        z = np.empty(k)
        for i in range(k):
            acc = rhs[i]
            for t in range(i):
                acc -= C[i, t] * z[t]
            z[i] = acc / C[i, i]
        for i in range(k - 1, -1, -1):
            acc = z[i]
            for t in range(i + 1, k):
                acc -= C[t, i] * target[t]
            target[i] = acc / C[i, i]
        return True, target
    if k > singular_max:
        return False, target
    ev, V = np.linalg.eigh(M)
    top = max(ev[k - 1], 1e-300)
    c = np.empty(k)
    for t in range(k):
        c[t] = _dot(V[:, t].copy(), rhs)
    d = np.zeros(k)
    for t in range(k):
        if ev[t] <= 1e-10 * top:
            for i in range(k):
                d[i] += V[i, t] * c[t]
    dr = _dot(d, rhs)
    if dr > 1e-12 * _dot(rhs, rhs):
        scale = 1e6 * (np.max(np.abs(wS)) + 1.0) / np.max(np.abs(d))
        for i in range(k):
            target[i] = wS[i] + scale * d[i]
        return True, target
    for i in range(k):
        target[i] = 0.0
    for t in range(k):
        if ev[t] > 1e-10 * top:
            f = c[t] / ev[t]
            for i in range(k):
                target[i] += V[i, t] * f
    return True, target


@njit(cache=True, fastmath=_FM)
def newton_step(M, rhs, wS, aS, loS, upS, singular_max):
    """The support Newton step from ``wS`` (see :func:`penalized.solvers.cd._support_newton`).

    ``M = G_SS + diag(b_S)`` and ``rhs = q_S - a_S sign(wS)``; the step towards the
    minimizer of the quadratic is cut at the first sign change of a penalized coordinate
    (set to zero there) or bound. Returns (status, new wS): status 0 = no step, 1 = the
    full step, 2 = a cut step.
    """
    k = wS.shape[0]
    ok, target = newton_target(M, rhs, wS, singular_max)
    new = wS.copy()
    if not ok or not np.all(np.isfinite(target)):
        return 0, new
    t_max = 1.0
    for jj in range(k):
        d = target[jj] - wS[jj]
        if aS[jj] > 0.0 and np.sign(target[jj]) != np.sign(wS[jj]):
            t_max = min(t_max, wS[jj] / (wS[jj] - target[jj]))
        if d > 0.0 and upS[jj] < np.inf:
            t_max = min(t_max, (upS[jj] - wS[jj]) / d)
        if d < 0.0 and loS[jj] > -np.inf:
            t_max = min(t_max, (loS[jj] - wS[jj]) / d)
    if not t_max > 0.0:
        return 0, new
    for jj in range(k):
        v = wS[jj] + t_max * (target[jj] - wS[jj])
        if aS[jj] > 0.0 and np.sign(target[jj]) != np.sign(wS[jj]):
            if wS[jj] / (wS[jj] - target[jj]) <= t_max * (1.0 + 1e-12):
                v = 0.0  # the coordinates whose sign would flip first
        new[jj] = min(max(v, loS[jj]), upS[jj])
    return (1 if t_max >= 1.0 else 2), new


@njit(cache=True, fastmath=_FM)
def _sparse_cross(D, j1, j2):
    """``x_j1' diag(s) x_j2`` for two CSC columns (sorted-index merge)."""
    a, a_end = D.indptr[j1], D.indptr[j1 + 1]
    b, b_end = D.indptr[j2], D.indptr[j2 + 1]
    acc = 0.0
    while a < a_end and b < b_end:
        ia = D.indices[a]
        ib = D.indices[b]
        if ia == ib:
            acc += D.data[a] * D.data[b] * (D.s[ia] if D.weighted else 1.0)
            a += 1
            b += 1
        elif ia < ib:
            a += 1
        else:
            b += 1
    return acc


@njit(cache=True, fastmath=_FM)
def newton_ok(D, supp):
    """Whether the support's Gram matrix is reliable: on sparse designs with an
    intercept, ``X'X / S - mu mu'`` cancels for a column whose mean is large against its
    spread (the residual solvers center such columns exactly instead)."""
    if not (D.sparse and D.center):
        return True
    for j in supp:
        if D.mu[j] * D.mu[j] > 1e4 * D.L[j]:
            return False
    return True


@njit(cache=True, fastmath=_FM)
def support_gram(D, yc, supp):
    """``(Xc_S' diag(s) Xc_S / S, Xc_S' diag(s) yc / S)`` for the support ``supp``; no BLAS
    inside kernels (OpenBLAS worker threads would spin on these small products)."""
    n = D.n
    k = supp.shape[0]
    M = np.empty((k, k))
    q = np.empty(k)
    if D.sparse:
        SY = 0.0
        if D.center:
            for i in range(n):
                SY += (D.s[i] if D.weighted else 1.0) * yc[i]
        for jj in range(k):
            j = supp[jj]
            for ii in range(jj + 1):
                c = _sparse_cross(D, supp[ii], j) / D.S
                if D.center:
                    c -= D.mu[supp[ii]] * D.mu[j]
                M[ii, jj] = c
                M[jj, ii] = c
            q[jj] = col_dot(D, j, yc, D.weighted) / D.S
            if D.center:
                q[jj] -= D.mu[j] * SY / D.S
        return M, q
    X = D.X
    Xs = np.empty((k, n))  # rows: the centered support columns (contiguous)
    Xw = np.empty((k, n))
    for jj in range(k):
        j = supp[jj]
        m = D.mu[j] if D.center else 0.0
        for i in range(n):
            Xs[jj, i] = X[i, j] - m
            Xw[jj, i] = Xs[jj, i] * D.s[i] if D.weighted else Xs[jj, i]
    for jj in range(k):
        for ii in range(jj + 1):
            M[ii, jj] = _dot(Xw[ii], Xs[jj]) / D.S
            M[jj, ii] = M[ii, jj]
        q[jj] = _dot(Xw[jj], yc) / D.S
    return M, q


@njit(cache=True, fastmath=_FM)
def _support_objective(D, r, w, supp, pen):
    acc = weighted_sq(r, 0.0, D) / (2.0 * D.S)
    for j in supp:
        acc += pen.a[j] * abs(w[j]) + 0.5 * pen.b[j] * w[j] * w[j]
    return acc


@njit(cache=True, fastmath=_FM)
def support_newton(D, yc, w, r, supp, pen, singular_max):
    """One support Newton step from ``w`` (see the module docstring), kept only if the
    objective decreases; ``r`` is the residual of ``w``. Returns 0 (no step), 1 (the full
    step) or 2 (a step cut at a sign change or a bound)."""
    k = supp.shape[0]
    if k == 0 or not newton_ok(D, supp):
        return 0
    M, rhs = support_gram(D, yc, supp)
    wS = np.empty(k)
    aS = np.empty(k)
    loS = np.empty(k)
    upS = np.empty(k)
    for jj in range(k):
        j = supp[jj]
        wS[jj] = w[j]
        aS[jj] = pen.a[j]
        loS[jj] = pen.lo[j]
        upS[jj] = pen.up[j]
        M[jj, jj] += pen.b[j]
        rhs[jj] -= pen.a[j] * np.sign(w[j])
    status, new = newton_step(M, rhs, wS, aS, loS, upS, singular_max)
    if status == 0:
        return 0
    f_old = _support_objective(D, r, w, supp, pen)
    w_new = w.copy()
    r_new = r.copy()
    shift = 0.0
    for jj in range(k):
        delta = new[jj] - wS[jj]
        if delta != 0.0:
            j = supp[jj]
            w_new[j] = new[jj]
            col_axpy(D, j, delta, r_new)
            if D.center:
                shift += delta * D.mu[j]
    if shift != 0.0:
        for i in range(D.n):
            r_new[i] += shift
    if _support_objective(D, r_new, w_new, supp, pen) < f_old - 1e-15 * abs(f_old):
        w[:] = w_new
        r[:] = r_new
        return status
    return 0


@njit(cache=True, fastmath=_FM)
def gram_support_newton(G, q, w, pen, singular_max):
    """The support Newton step of the Gram engine (``1/2 w'Gw - q'w + penalty``, no pass
    over X); kept only if the objective decreases. Returns as :func:`support_newton`."""
    supp = np.flatnonzero(w)
    k = supp.shape[0]
    if k == 0:
        return 0
    M = np.empty((k, k))
    rhs = np.empty(k)
    wS = np.empty(k)
    aS = np.empty(k)
    loS = np.empty(k)
    upS = np.empty(k)
    for ii in range(k):
        i = supp[ii]
        for jj in range(k):
            M[ii, jj] = G[i, supp[jj]]
        M[ii, ii] += pen.b[i]
        wS[ii] = w[i]
        aS[ii] = pen.a[i]
        loS[ii] = pen.lo[i]
        upS[ii] = pen.up[i]
        rhs[ii] = q[i] - pen.a[i] * np.sign(w[i])
    status, new = newton_step(M, rhs, wS, aS, loS, upS, singular_max)
    if status == 0:
        return 0
    # objective on the support (the other coordinates are 0): 1/2 x'(G + diag b)x - q'x + a|x|
    f_old = 0.0
    f_new = 0.0
    for ii in range(k):
        i = supp[ii]
        acc_o = 0.0
        acc_n = 0.0
        for jj in range(k):
            acc_o += G[i, supp[jj]] * wS[jj]
            acc_n += G[i, supp[jj]] * new[jj]
        f_old += 0.5 * wS[ii] * acc_o - q[i] * wS[ii] + pen.a[i] * abs(wS[ii]) + \
            0.5 * pen.b[i] * wS[ii] * wS[ii]
        f_new += 0.5 * new[ii] * acc_n - q[i] * new[ii] + pen.a[i] * abs(new[ii]) + \
            0.5 * pen.b[i] * new[ii] * new[ii]
    if f_new < f_old - 1e-15 * abs(f_old):
        for ii in range(k):
            w[supp[ii]] = new[ii]
        return status
    return 0
