"""Active-set (feature-sign) solves on a working set, with a Cholesky factor of the
support's Gram matrix kept up to date by rank-one updates (numba, cached on disk).

Near interpolation (wide designs, small alphas) the support's Gram matrix is badly
conditioned and coordinate descent needs hundreds of epochs per alpha, while the exact
minimizer on a support and sign pattern is one linear solve. This solver works like
LARS / feature-sign search (Lee et al., 2006, "Efficient sparse coding algorithms"):

1. the gradient on the working set; stop when its KKT violation is at most ``tol_in``;
2. the zero coordinates that violate their optimality condition most join the support,
   with the sign of their descent direction (one forward solve each, O(n k + k^2));
3. a Newton step on the support with its signs fixed: ``M d = g`` with
   ``M = Xc_S' diag(s) Xc_S / S + diag(b_S)`` and ``g`` the negative gradient of the
   smooth part on that orthant; the step is cut at the first coordinate that would
   change sign (or leave a bound at 0), which is set to zero and leaves the factor
   (a Givens downdate, O(k^2)).

The objective decreases at every step (the quadratic on the orthant decreases along
the segment to its minimizer). The factor (``Lf``, ``fidx``, ``fk``) belongs to the
caller and persists across calls, so along a path only the support's changes cost
anything. Bounds must be 0 or infinite (plain, positive or negative coefficients);
anything the solver cannot handle (a column in the span of the support, a full factor,
no progress) returns -1 and the caller falls back to coordinate descent.
"""

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import kkt1d

_PIVOT = 1e-9  # a column joins only if its residual norm^2 off the support is this large


@njit(cache=True, fastmath=_FM)
def _chol_remove(Lf, fidx, fb, k, pos):
    """Drop position ``pos`` from the factor of size ``k`` (Givens rotations)."""
    for i in range(pos, k - 1):
        for t in range(i + 2):
            Lf[i, t] = Lf[i + 1, t]
        fidx[i] = fidx[i + 1]
        fb[i] = fb[i + 1]
    for c in range(pos, k - 1):
        x = Lf[c, c]
        y = Lf[c, c + 1]
        rad = np.sqrt(x * x + y * y)
        if rad == 0.0:
            continue
        cs = x / rad
        sn = y / rad
        for i in range(c, k - 1):
            x = Lf[i, c]
            y = Lf[i, c + 1]
            Lf[i, c] = cs * x + sn * y
            Lf[i, c + 1] = -sn * x + cs * y
        Lf[c, c + 1] = 0.0
    for t in range(k):
        Lf[k - 1, t] = 0.0


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _prep_column(D, j, xj):
    """Column ``j`` centered (and times the sample weights) into ``xj``; returns its sum
    and its weighted squared norm (not divided by ``S``)."""
    X, mu, s, weighted, center = D.X, D.mu, D.s, D.weighted, D.center
    m = mu[j] if center else 0.0
    tot = 0.0
    diag = 0.0
    for i in range(X.shape[0]):
        xc = X[i, j] - m
        xj[i] = xc * s[i] if weighted else xc
        tot += xj[i]
        diag += xc * xj[i]
    return tot, diag


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _products(D, fidx, t0, t1, xc, tots, nc, G):
    """``G[c, t] = Xc_{fidx[t]}' xc[c] / S`` for ``t0 <= t < t1`` and ``c < nc`` (the rows
    of ``xc`` prepared by :func:`_prep_column`, their sums in ``tots``): one pass over
    the support's columns for all ``nc`` columns. (Loops written out: a call per column
    passed all of ``D``.)"""
    X, mu, center, S = D.X, D.mu, D.center, D.S
    n = X.shape[0]
    for t in range(t0, t1):
        col = fidx[t]
        m = mu[col] if center else 0.0
        for c in range(nc):
            acc = 0.0
            for i in range(n):
                acc += X[i, col] * xc[c, i]
            G[c, t] = (acc - m * tots[c]) / S


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _chol_finish(b, Lf, fidx, fb, k, j, diag, room):
    """Row ``k`` of ``Lf`` holds ``g_Sj`` (the products of column ``j`` with the support's
    ``k`` columns, over ``S``) and ``diag`` its own: solve it to ``L^{-1} g_Sj`` in place
    and append ``j`` with the pivot; returns 1, or 0 when ``j`` is (numerically) in the
    span of the support or there is no ``room`` (row ``k`` holds ``L^{-1} g_Sj`` then)."""
    acc2 = 0.0
    for t in range(k):
        acc = Lf[k, t]
        for u in range(t):
            acc -= Lf[t, u] * Lf[k, u]
        Lf[k, t] = acc / Lf[t, t]
        acc2 += Lf[k, t] * Lf[k, t]
    d2 = diag - acc2
    if not room or not d2 > _PIVOT * diag:
        return 0
    Lf[k, k] = np.sqrt(d2)
    fidx[k] = j
    fb[k] = b[j]  # the L2 weight in this row (a path changes it with alpha)
    return 1


@njit(cache=True, fastmath=_FM)
def _chol_add(D, b, Lf, fidx, fb, k, j, xj, room):
    """Append column ``j`` to the factor of size ``k``: returns 1, or 0 when it is
    (numerically) in the span of the support or there is no ``room``; row ``k`` of
    ``Lf`` holds ``L^{-1} g_Sj`` then. ``xj`` is workspace of size n."""
    tot, diag = _prep_column(D, j, xj)
    xc = xj.reshape((1, xj.shape[0]))
    tots = np.full(1, tot)
    _products(D, fidx, 0, k, xc, tots, 1, Lf[k:k + 1, :])
    return _chol_finish(b, Lf, fidx, fb, k, j, diag / D.S + b[j], room)


@njit(cache=True, fastmath=_FM)
def _join(D, b, Lf, fidx, fb, k, cand, nc, xc, tots, diags, G, k_max):
    """Append the features ``cand[:nc]`` in this order, each unless it is in the span of
    the support so far or the factor is full (``k_max``): their products with the
    current support in one pass over its columns, with the ones appended before them
    afterwards. Stops at the first one that fails, leaving ``L^{-1} g_Sj`` in row k.
    Returns how many were appended."""
    for c in range(nc):
        tots[c], diags[c] = _prep_column(D, cand[c], xc[c])
    k0 = k
    _products(D, fidx, 0, k0, xc, tots, nc, G)
    for c in range(nc):
        j = cand[c]
        for t in range(k0):
            Lf[k, t] = G[c, t]
        _products(D, fidx, k0, k, xc[c:c + 1], tots[c:c + 1], 1, Lf[k:k + 1, :])
        if _chol_finish(b, Lf, fidx, fb, k, j, diags[c] / D.S + b[j], k < k_max) == 0:
            return c
        k += 1
    return nc


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _back_solve(Lf, k, out):
    """out <- Lf'^{-1} out on the leading k x k block (by rows of Lf: contiguous)."""
    for i in range(k - 1, -1, -1):
        out[i] /= Lf[i, i]
        xi = out[i]
        for t in range(i):
            out[t] -= Lf[i, t] * xi


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _chol_solve(Lf, k, g, out):
    """out = (Lf Lf')^{-1} g on the leading k x k block."""
    for i in range(k):
        acc = g[i]
        for t in range(i):
            acc -= Lf[i, t] * out[t]
        out[i] = acc / Lf[i, i]
    _back_solve(Lf, k, out)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _null_swap(D, w, r, a, b, Lf, fidx, fb, k, sg, j, sgj, xj, z):
    """Bring column ``j`` (in the span of the support, ``Lf[k, :k] = L^{-1} g_Sj``) into
    the support along the null direction of ``[X_S, x_j]``: the fit does not change and
    the penalty decreases linearly until a support coordinate reaches zero; that one
    leaves. Returns the new support size; -2 when this does not apply (nothing changed),
    -1 when the factor could not take ``j`` (the caller must give up)."""
    X, mu, center = D.X, D.mu, D.center
    n = X.shape[0]
    if b[j] != 0.0:
        return -2
    for t in range(k):
        z[t] = Lf[k, t]
    _back_solve(Lf, k, z)  # x_j = X_S z (it lies in the span)
    rate = a[j]
    for t in range(k):
        i = fidx[t]
        rate -= (a[i] * sg[t] + b[i] * w[i]) * sgj * z[t]
    if not rate < 0.0:
        return -2
    step = np.inf
    for t in range(k):
        dt = -sgj * z[t]
        i = fidx[t]
        if w[i] * dt < 0.0:
            step = min(step, -w[i] / dt)
    if not np.isfinite(step):
        return -2
    for t in range(k - 1, -1, -1):
        i = fidx[t]
        dt = -sgj * z[t]
        new = w[i] + step * dt
        if w[i] * dt < 0.0 and -w[i] / dt <= step * (1.0 + 1e-12):
            new = 0.0
        delta = new - w[i]
        m = mu[i] if center else 0.0
        for ii in range(n):
            r[ii] -= delta * (X[ii, i] - m)
        w[i] = new
        if new == 0.0:
            _chol_remove(Lf, fidx, fb, k, t)
            for u in range(t, k - 1):
                sg[u] = sg[u + 1]
            k -= 1
    w[j] = sgj * step
    m = mu[j] if center else 0.0
    for ii in range(n):
        r[ii] -= w[j] * (X[ii, j] - m)
    # (room: a coordinate just left; a bool, not the literal True, which compiled
    # _chol_add a second time)
    if _chol_add(D, b, Lf, fidx, fb, k, j, xj, k < Lf.shape[0]) == 0:
        return -1
    sg[k] = sgj
    return k + 1


@njit(cache=True, fastmath=_FM)
def _solve(D, b, Lf, fidx, fb, k, g, out, work):
    """out = M^{-1} g for ``M = Xc_S' diag(s) Xc_S / S + diag(b_S)``: the factor's solve,
    exact when it was built with these L2 weights ``b``, else preconditioned CG with it
    (``work``: 4 x max(k, n) workspace)."""
    _chol_solve(Lf, k, g, out)
    same = True
    for t in range(k):
        if b[fidx[t]] != fb[t]:
            same = False
            break
    if same:
        return
    res = work[0]
    z = work[1]
    pd = work[2]
    xs = work[3]
    gg = 0.0
    for t in range(k):
        gg += g[t] * g[t]
    rz = 1.0
    for it in range(2 * k + 10):
        if it == 0:  # residual g - M out
            _mmul(D, b, fidx, k, out, res, xs)
            for t in range(k):
                res[t] = g[t] - res[t]
        rr = 0.0
        for t in range(k):
            rr += res[t] * res[t]
        if rr <= 1e-28 * gg:
            return
        _chol_solve(Lf, k, res, z)
        rz_new = 0.0
        for t in range(k):
            rz_new += res[t] * z[t]
        if it == 0:
            for t in range(k):
                pd[t] = z[t]
        else:
            beta = rz_new / rz
            for t in range(k):
                pd[t] = z[t] + beta * pd[t]
        rz = rz_new
        _mmul(D, b, fidx, k, pd, z, xs)  # z = M pd
        pmp = 0.0
        for t in range(k):
            pmp += pd[t] * z[t]
        if not pmp > 0.0:
            return
        step = rz / pmp
        for t in range(k):
            out[t] += step * pd[t]
            res[t] -= step * z[t]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _mmul(D, b, fidx, k, x, out, xs):
    """out = (Xc_S' diag(s) Xc_S / S + diag(b_S)) x (``xs``: workspace of size n)."""
    X, mu, s, weighted, center, S = D.X, D.mu, D.s, D.weighted, D.center, D.S
    n = X.shape[0]
    tot = 0.0
    for i in range(n):
        xs[i] = 0.0
    for t in range(k):
        j = fidx[t]
        m = mu[j] if center else 0.0
        xt = x[t]
        for i in range(n):
            xs[i] += (X[i, j] - m) * xt
    for i in range(n):
        if weighted:
            xs[i] *= s[i]
        tot += xs[i]
    for t in range(k):
        j = fidx[t]
        acc = 0.0
        for i in range(n):
            acc += X[i, j] * xs[i]
        if center:
            acc -= mu[j] * tot
        out[t] = acc / S + b[j] * x[t]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def active_set_ok(lo, up):
    """Bounds the solver handles: each 0 or infinite."""
    for j in range(lo.shape[0]):
        if not (lo[j] == 0.0 or np.isinf(lo[j])) or not (up[j] == 0.0 or np.isinf(up[j])):
            return False
    return True


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _cuts(wj, dj, aj, loj, upj):
    """Whether coordinate moving from wj by dj must stop at zero."""
    if wj + dj == 0.0 or (wj > 0.0) != (wj + dj > 0.0):
        return aj > 0.0 or (wj > 0.0 and loj == 0.0) or (wj < 0.0 and upj == 0.0)
    return False


@njit(cache=True, fastmath=_FM)
def active_set_solve(D, yc, w, r, ws, pen, v0, tol_in, factor, max_rounds, max_add):
    """Solve on the working set ``ws`` to KKT violation ``tol_in`` (see the module
    docstring); ``r = yc - Xc w`` is kept up to date, ``v0`` is the gradient
    ``Xc' s r / S`` at the initial w (all features). Returns the rounds used, or -1
    when the caller must fall back to CD.

    After a step ``t d`` with ``M d = g`` the support's gradient is ``(1 - t) g``: only
    the zero coordinates of the working set need fresh products with the residual."""
    X, mu, s, weighted, center, S = D.X, D.mu, D.s, D.weighted, D.center, D.S
    a, b, lo, up = pen.a, pen.b, pen.lo, pen.up
    Lf, fidx, fb, fk = factor
    n, p = X.shape
    cap = Lf.shape[0] - 1  # row cap is workspace (the candidate's L^{-1} g_Sj)
    # the rank of the centered design is at most n - 1
    k_rank = n - 1 if center else n
    k_max = cap if np.min(b) > 0.0 else min(cap, k_rank)  # an L2 term keeps M definite
    nw = ws.shape[0]
    xj = np.empty(n)
    k = fk[0]
    # the factor follows the support of w, and the L2 weights: solves correct a factor
    # built with other weights (a path changes them with alpha) by preconditioned CG,
    # which needs few iterations while they are within a factor 2; beyond, it is rebuilt
    for pos in range(k):
        bj = b[fidx[pos]]
        if bj < 0.5 * fb[pos] or bj > 2.0 * fb[pos]:
            k = 0
            break
    for pos in range(k - 1, -1, -1):
        if w[fidx[pos]] == 0.0:
            _chol_remove(Lf, fidx, fb, k, pos)
            k -= 1
    infac = np.zeros(p, dtype=np.bool_)
    for t in range(k):
        infac[fidx[t]] = True
    for j in range(p):
        if w[j] != 0.0 and not infac[j]:
            if k >= k_max or not _chol_add(D, b, Lf, fidx, fb, k, j, xj, k < k_max):
                fk[0] = k
                return -1
            infac[j] = True
            k += 1
    wpos = np.full(p, -1, dtype=np.int64)
    for jj in range(nw):
        wpos[ws[jj]] = jj
    for t in range(k):
        if wpos[fidx[t]] < 0:  # the support must lie in the working set
            fk[0] = k
            return -1
    sg = np.zeros(cap)
    for t in range(k):
        sg[t] = 1.0 if w[fidx[t]] > 0.0 else -1.0
    v = np.empty(nw)
    viol = np.empty(nw)
    pcg = np.empty((4, max(cap, n)))
    g = np.empty(cap)
    d = np.empty(cap)
    sr = np.empty(n)
    cand = np.empty(max(max_add, 1), dtype=np.int64)  # the features joining in a round
    csg = np.empty(max(max_add, 1))
    xc = np.empty((max(max_add, 1), n))
    tots = np.empty(max(max_add, 1))
    diags = np.empty(max(max_add, 1))
    G = np.empty((max(max_add, 1), cap))
    rounds = 0
    n_add = max_add
    for jj in range(nw):
        v[jj] = v0[ws[jj]]
    fresh = 0  # 0: v is exact; 1: the zeros' entries are stale; 2: recompute all
    last_checked = np.inf
    while True:
        # gradient on the working set
        if fresh > 0:
            tot = 0.0
            for i in range(n):
                sr[i] = s[i] * r[i] if weighted else r[i]
                tot += sr[i]
            for jj in range(nw):
                j = ws[jj]
                if fresh == 1 and w[j] != 0.0:
                    continue
                acc = 0.0
                for i in range(n):
                    acc += X[i, j] * sr[i]
                if center:
                    acc -= mu[j] * tot
                v[jj] = acc / S
        checked = fresh != 1  # v exact (from v0, or all recomputed)
        fresh = 1
        kmax = 0.0
        zmax = 0.0
        smax = 0.0
        for jj in range(nw):
            j = ws[jj]
            viol[jj] = kkt1d(w[j], b[j] * w[j] - v[jj], a[j], lo[j], up[j])
            kmax = max(kmax, viol[jj])
            if w[j] == 0.0:
                zmax = max(zmax, viol[jj])
            else:
                smax = max(smax, viol[jj])
        if checked and zmax <= tol_in and kmax > 0.5 * last_checked:
            fk[0] = k  # refinement stalled at the rounding level: the certificate decides
            return rounds
        if checked:
            last_checked = kmax
        if kmax <= tol_in:
            if checked:
                fk[0] = k
                return rounds
            fresh = 2  # confirm with the support's gradient afresh (no drift)
            continue
        if rounds >= max_rounds:
            fk[0] = k
            return -1
        rounds += 1
        k_old = k
        if zmax > tol_in:
            # the worst zero violators join (at most max_add, those within half the worst)
            added = 0
            failed = 0
            swapped = False
            while added < n_add and failed < 2:
                # the worst zero violators not tried yet, in order (a scan each: usually
                # one or two are needed); they join in one pass over the support
                nc = 0
                while nc < n_add - added:
                    jj = -1
                    top = 0.5 * zmax
                    for ii in range(nw):
                        if viol[ii] >= top and w[ws[ii]] == 0.0:
                            jj = ii
                            top = viol[ii]
                    if jj < 0:
                        break
                    viol[jj] = -1.0
                    cand[nc] = ws[jj]
                    csg[nc] = 1.0 if v[jj] > 0.0 else -1.0
                    nc += 1
                if nc == 0:
                    break
                c = 0
                while c < nc:
                    got = _join(D, b, Lf, fidx, fb, k, cand[c:], nc - c, xc, tots, diags,
                                G, k_max)
                    for u in range(got):
                        sg[k + u] = csg[c + u]
                    k += got
                    added += got
                    c += got
                    if c == nc:
                        break
                    j = cand[c]  # in the span of the support (near the rank: stop soon)
                    sgj = csg[c]
                    c += 1
                    failed += 1
                    if added == 0 and failed == 1 and (k == k_rank or k < k_max):
                        k_new = _null_swap(D, w, r, a, b, Lf, fidx, fb, k, sg, j, sgj, xj, d)
                        if k_new == -1:
                            fk[0] = 0  # w moved, the factor lost track: rebuilt next call
                            return -1
                        if k_new >= 0:
                            k = k_new
                            swapped = True
                            break
                    if failed >= 2:
                        break
                if swapped:
                    break
            if swapped:
                n_add = max_add
                fresh = 2
                continue
        # Newton step on the orthant of the signs sg
        while True:
            for t in range(k):
                j = fidx[t]
                g[t] = v[wpos[j]] - b[j] * w[j] - a[j] * sg[t]
            _solve(D, b, Lf, fidx, fb, k, g, d, pcg)
            dropped = False
            for t in range(k - 1, k_old - 1, -1):  # new coordinates moving the wrong way
                j = fidx[t]
                if w[j] == 0.0 and d[t] * sg[t] <= 0.0:
                    _chol_remove(Lf, fidx, fb, k, t)
                    for u in range(t, k - 1):
                        sg[u] = sg[u + 1]
                    k -= 1
                    dropped = True
            k_old = min(k_old, k)
            if not dropped:
                break
        if k == k_old and smax <= tol_in:
            # nothing joined and the support is optimal: one violator at a time (its
            # Newton direction has the right sign from an optimal support), else give up
            if n_add == 1:
                fk[0] = k
                return -1
            n_add = 1
            continue
        n_add = max_add
        step = 1.0
        for t in range(k):
            j = fidx[t]
            if w[j] != 0.0 and _cuts(w[j], d[t], a[j], lo[j], up[j]):
                step = min(step, -w[j] / d[t])
        for t in range(k - 1, -1, -1):
            j = fidx[t]
            delta = step * d[t]
            new = w[j] + delta
            if w[j] != 0.0 and _cuts(w[j], d[t], a[j], lo[j], up[j]) and \
                    -w[j] / d[t] <= step * (1.0 + 1e-12):
                new = 0.0  # the first coordinates to change sign stop at zero
            elif w[j] == 0.0 and new * sg[t] <= 0.0:
                new = 0.0
            delta = new - w[j]
            if delta != 0.0:
                m = mu[j] if center else 0.0
                for i in range(n):
                    r[i] -= delta * (X[i, j] - m)
                w[j] = new
            # (1 - step) g, back in terms of v = Xc' s r / S
            v[wpos[j]] = (1.0 - step) * g[t] + b[j] * new + a[j] * sg[t]
            if new == 0.0:
                _chol_remove(Lf, fidx, fb, k, t)
                for u in range(t, k - 1):
                    sg[u] = sg[u + 1]
                k -= 1
