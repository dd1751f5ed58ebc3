"""Whole quadratic solves in numba (cached on disk): the outer loop of the solver too.

Along a path most fits need a few outer rounds of a few epochs each, so the Python
bookkeeping of an outer round (full gradient, duality gap, working set) would cost more
than the epochs. These kernels run the outer loop themselves, for the common case where
every feature is penalized (no dual projection needed):

* ``gram_fit``  -- CD on the full Gram matrix (tall designs),
* ``dense_fit`` -- working-set solves on dense X with residual updates: the active-set
  solver of :mod:`penalized.solvers._active_set`, and as its fallback CD with a Newton step
  on the support and signs when CD is slow (ill-conditioned supports near interpolation).

``dense_path`` and ``gram_path`` run a whole path of such solves in one call.

Numba's on-disk cache keys each kernel on its own file only: the kernels here are cached
with the code of ``_kernels.py`` and ``_active_set.py`` compiled in, so after editing those
in a checkout delete the stale entries (``find src -name '*.nb[ic]' -delete``); an install
rewrites every file, which invalidates every entry.

Both stop when the duality gap is at most ``tol_gap`` (or only rounding error is left)
and write (gap, primal, converged) to ``out`` (``dense_fit`` also counts its outer rounds
in ``out[3]`` and the working sets the active-set solver gave up in ``out[4]``); they
return the number of epochs.
"""

import numpy as np
from numba import njit

from ._active_set import active_set_solve
from ._kernels import _FM, _kkt1d, cd_dense, cd_gram


@njit(cache=True, inline="always", fastmath=_FM)
def _dot(x, y):
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    return acc


@njit(cache=True, fastmath=_FM)
def _symv(G, w, out):
    """out = G w for a C-ordered G (rows contiguous)."""
    for i in range(G.shape[0]):
        acc = 0.0
        for j in range(G.shape[1]):
            acc += G[i, j] * w[j]
        out[i] = acc


@njit(cache=True, fastmath=_FM)
def _gap_core(w, v, rr, ycr, a, b, lo, up):
    """(gap, primal, dual) with theta = c r, c the largest scaling putting c v in the
    domain of the penalty's conjugate; rr = ||r||_s^2 / S, ycr = yc' diag(s) r / S and
    v = Xc' diag(s) r / S. Every feature must be penalized (a_j + b_j > 0)."""
    p = w.shape[0]
    pen = 0.0
    worst = 1.0
    for j in range(p):
        pen += a[j] * abs(w[j]) + 0.5 * b[j] * w[j] * w[j]
        if b[j] == 0.0 and a[j] > 0.0:
            if np.isinf(up[j]) and v[j] / a[j] > worst:
                worst = v[j] / a[j]
            if np.isinf(lo[j]) and -v[j] / a[j] > worst:
                worst = -v[j] / a[j]
    c = 1.0 / worst
    conj = 0.0
    for j in range(p):
        vt = c * v[j]
        if b[j] > 0.0:
            m = abs(vt) - a[j]
            ws = 0.0
            if m > 0.0:
                ws = m / b[j] if vt > 0.0 else -m / b[j]
            ws = min(max(ws, lo[j]), up[j])
            conj += vt * ws - a[j] * abs(ws) - 0.5 * b[j] * ws * ws
        else:
            if np.isinf(up[j]) and vt > a[j]:
                vt = a[j]
            if np.isinf(lo[j]) and vt < -a[j]:
                vt = -a[j]
            if up[j] > 0.0 and vt > a[j]:
                conj += (vt - a[j]) * up[j]
            if lo[j] < 0.0 and vt < -a[j]:
                conj += (vt + a[j]) * lo[j]
    primal = 0.5 * rr + pen
    dual = c * ycr - 0.5 * c * c * rr - conj
    return primal - dual, primal, dual


@njit(cache=True, inline="always", fastmath=_FM)
def _certified(out, gap, primal, dual, tol_gap, eps):
    """Record (gap, primal, converged) in ``out``; converged when the gap is at most
    ``tol_gap`` or at the rounding level of the objective."""
    out[0] = gap
    out[1] = primal
    out[2] = 1.0 if gap <= tol_gap or gap <= 16.0 * eps * max(abs(primal), abs(dual)) else 0.0
    return out[2] == 1.0


@njit(cache=True, fastmath=_FM)
def _kkt_max(w, v, a, b, lo, up):
    """(largest KKT violation, max |v|, max a) at w for the gradient -v."""
    kkt = 0.0
    vmax = 0.0
    amax = 0.0
    for j in range(w.shape[0]):
        kkt = max(kkt, _kkt1d(w[j], b[j] * w[j] - v[j], a[j], lo[j], up[j]))
        vmax = max(vmax, abs(v[j]))
        amax = max(amax, a[j])
    return kkt, vmax, amax


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_fit(G, q, yy, w, a, b, lo, up, tol_gap, max_epochs, K, eps, out):
    """Whole solve on the full Gram matrix ``G`` (p x p, C order), ``q = Xc' s yc / S``,
    ``yy = yc' s yc / S``: CD (``cd_gram``) until the duality gap is at most ``tol_gap``."""
    p = w.shape[0]
    v = np.empty(p)
    epochs = 0
    while True:
        _symv(G, w, v)
        for j in range(p):
            v[j] = q[j] - v[j]
        qw = _dot(q, w)
        rr = max(yy - qw - _dot(w, v), 0.0)
        gap, primal, dual = _gap_core(w, v, rr, yy - qw, a, b, lo, up)
        if _certified(out, gap, primal, dual, tol_gap, eps):
            return epochs
        if epochs >= max_epochs:
            return epochs
        kkt, vmax, amax = _kkt_max(w, v, a, b, lo, up)
        floor = 64.0 * eps * max(vmax, amax)
        if kkt <= floor:
            out[2] = 1.0  # the remaining gap is rounding error
            return epochs
        # the gap is about (KKT violation)^2 / curvature: aim the inner solve at the target
        tol_in = max(kkt * min(0.3, np.sqrt(tol_gap / gap)), floor)
        epochs += cd_gram(G, q, w, a, b, lo, up, max_epochs - epochs, tol_in, K)


@njit(cache=True, fastmath=_FM)
def _gradient(X, r, s, weighted, center, mu, S, v):
    """v = Xc' diag(s) r / S."""
    n, p = X.shape
    sr = np.empty(n)
    tot = 0.0
    for i in range(n):
        sr[i] = s[i] * r[i] if weighted else r[i]
        tot += sr[i]
    for j in range(p):
        acc = 0.0
        for i in range(n):
            acc += X[i, j] * sr[i]
        if center:
            acc -= mu[j] * tot
        v[j] = acc / S


@njit(cache=True, fastmath=_FM)
def _residual(X, yc, mu, center, w, r):
    """r = yc - Xc w, from the nonzeros of w."""
    n, p = X.shape
    r[:] = yc
    for j in range(p):
        if w[j] != 0.0:
            m = mu[j] if center else 0.0
            for i in range(n):
                r[i] -= w[j] * (X[i, j] - m)


@njit(cache=True, fastmath=_FM)
def _objective(r, s, weighted, S, w, supp, a, b):
    acc = 0.0
    for i in range(r.shape[0]):
        acc += (s[i] if weighted else 1.0) * r[i] * r[i]
    pen = 0.0
    for j in supp:
        pen += a[j] * abs(w[j]) + 0.5 * b[j] * w[j] * w[j]
    return 0.5 * acc / S + pen


@njit(cache=True, fastmath=_FM)
def _newton_target(M, rhs, wS, singular_max):
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
    ok, target = _newton_target(M, rhs, wS, singular_max)
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
def _support_newton(X, yc, s, weighted, center, mu, S, w, r, supp, a, b, lo, up,
                    singular_max):
    """Step towards the exact minimizer on the support and signs of w (see
    :func:`penalized.solvers.cd._support_newton`); kept only if the objective decreases.
    Returns 0 (no step), 1 (full step) or 2 (step cut at a sign change or bound)."""
    n = X.shape[0]
    k = supp.shape[0]
    # rows of Xs are the centered support columns (contiguous); no BLAS inside kernels:
    # OpenBLAS worker threads would spin on these small products
    Xs = np.empty((k, n))
    Xw = np.empty((k, n))
    for jj in range(k):
        j = supp[jj]
        m = mu[j] if center else 0.0
        for i in range(n):
            Xs[jj, i] = X[i, j] - m
            Xw[jj, i] = Xs[jj, i] * s[i] if weighted else Xs[jj, i]
    M = np.empty((k, k))
    rhs = np.empty(k)
    for jj in range(k):
        for ii in range(jj + 1):
            M[ii, jj] = _dot(Xw[ii], Xs[jj]) / S
            M[jj, ii] = M[ii, jj]
        rhs[jj] = _dot(Xw[jj], yc) / S
    wS = np.empty(k)
    for jj in range(k):
        j = supp[jj]
        wS[jj] = w[j]
        M[jj, jj] += b[j]
        rhs[jj] -= a[j] * np.sign(w[j])
    status, new = newton_step(M, rhs, wS, a[supp], lo[supp], up[supp], singular_max)
    if status == 0:
        return 0
    f_old = _objective(r, s, weighted, S, w, supp, a, b)
    w_new = w.copy()
    r_new = r.copy()
    for jj in range(k):
        delta = new[jj] - wS[jj]
        if delta != 0.0:
            w_new[supp[jj]] = new[jj]
            for i in range(n):
                r_new[i] -= delta * Xs[jj, i]
    if _objective(r_new, s, weighted, S, w_new, supp, a, b) < f_old - 1e-15 * abs(f_old):
        w[:] = w_new
        r[:] = r_new
        return status
    return 0


@njit(cache=True, nogil=True, fastmath=_FM)
def dense_fit(X, yc, mu, s, weighted, center, S, w, r, L, a, b, lo, up, tol_gap,
              max_epochs, K, eps, p0, newton_every, newton_max, singular_max, newton_ratio,
              ws_grow, active, Lf, fidx, fb, fk, max_add, active_tol, v, v_valid, out):
    """Whole working-set CD solve on dense F-ordered X (residual ``r = yc - Xc w`` kept
    up to date), with support Newton steps; see the module docstring. With ``active``,
    each working set is first solved by the active-set method of
    :mod:`penalized.solvers._active_set` (factor ``Lf, fidx, fb, fk``), and by CD from the
    first working set it cannot solve. ``v`` receives the last gradient ``Xc' s r / S``
    (it is the gradient at the initial w already when ``v_valid``)."""
    n, p = X.shape
    score = np.empty(p)
    epochs = 0
    since_newton = 0
    while True:
        if not v_valid:
            _residual(X, yc, mu, center, w, r)  # afresh: no drift in the certificate
            _gradient(X, r, s, weighted, center, mu, S, v)
            out[3] += 1.0
        v_valid = False
        rr = 0.0
        ycr = 0.0
        for i in range(n):
            si = s[i] if weighted else 1.0
            rr += si * r[i] * r[i]
            ycr += si * yc[i] * r[i]
        gap, primal, dual = _gap_core(w, v, rr / S, ycr / S, a, b, lo, up)
        if _certified(out, gap, primal, dual, tol_gap, eps):
            return epochs
        if epochs >= max_epochs:
            return epochs
        kkt = 0.0
        vmax = 0.0
        amax = 0.0
        nnz = 0
        for j in range(p):
            if L[j] <= 0.0 and b[j] <= 0.0:
                score[j] = -1.0  # constant column: stays at 0
                continue
            d = _kkt1d(w[j], b[j] * w[j] - v[j], a[j], lo[j], up[j])
            kkt = max(kkt, d)
            vmax = max(vmax, abs(v[j]))
            amax = max(amax, a[j])
            score[j] = d
            if w[j] != 0.0:
                score[j] = np.inf
                nnz += 1

        floor = 64.0 * eps * max(vmax, amax)
        if kkt <= floor:
            out[2] = 1.0  # the remaining gap is rounding error
            return epochs
        # working set: the support and the largest KKT violations, max(p0, 2 nnz) in all
        m = max(p0, nnz + int(ws_grow * nnz))
        cand = np.flatnonzero(score > 0.0)
        if cand.shape[0] > m:
            cand = cand[np.argsort(-score[cand])[:m]]
        ws = np.sort(cand)
        # the gap is about (KKT violation)^2 / curvature: aim the inner solve at the target
        tol_in = max(kkt * min(0.3, np.sqrt(tol_gap / gap)), floor)
        if active:
            # exact solves: a tight target costs little more and saves outer rounds
            used = active_set_solve(X, yc, mu, s, weighted, center, S, w, r, ws, a, b, lo,
                                    up, v, max(active_tol * tol_in, floor), Lf, fidx, fb, fk,
                                    max_epochs - epochs, max_add)
            if used >= 0:
                epochs += max(used, 1)
                continue
            active = False  # coordinate descent from here on
            out[4] += 1.0
        while True:  # CD on the working set, with Newton steps on the support when slow
            budget = max_epochs - epochs
            if 0 < nnz <= newton_max and (nnz < n or nnz <= singular_max):
                budget = min(budget, newton_every)
            act = ws[w[ws] != 0.0]
            if 0 < act.shape[0] < ws.shape[0]:
                # glmnet's active-set cycling: epochs on the nonzeros only, then one check
                # of the whole working set (two epochs at most: one means it holds)
                used = cd_dense(X, yc, mu, s, weighted, center, S, w, r, act, L, a, b, lo,
                                up, budget, tol_in, K)
                epochs += used
                since_newton += used
                if epochs >= max_epochs:
                    break
                used = cd_dense(X, yc, mu, s, weighted, center, S, w, r, ws, L, a, b, lo, up,
                                min(2, max_epochs - epochs), tol_in, K)
                epochs += used
                since_newton += used
                done = used == 1
            else:
                used = cd_dense(X, yc, mu, s, weighted, center, S, w, r, ws, L, a, b, lo, up,
                                budget, tol_in, K)
                epochs += used
                since_newton += used
                done = used < budget
            if done or epochs >= max_epochs:
                break  # the working set's KKT tolerance is met (or no epochs left)
            supp = np.flatnonzero(w)
            nnz = supp.shape[0]
            if not (0 < nnz <= newton_max and (nnz < n or nnz <= singular_max)):
                continue
            # only when the factorization costs about as much as the epochs it may save
            if n * nnz * nnz + nnz * nnz * nnz <= newton_ratio * n * ws.shape[0] * since_newton:
                for _ in range(4):  # a cut step changed the support: step again on it
                    if _support_newton(X, yc, s, weighted, center, mu, S, w, r, supp, a, b,
                                       lo, up, singular_max) != 2:
                        break
                    supp = np.flatnonzero(w)
                    if supp.shape[0] == 0:
                        break
                since_newton = 0


@njit(cache=True, nogil=True, fastmath=_FM)
def dense_path(X, yc, mu, s, weighted, center, S, w, r, L, a_unit, b_unit, lo, up, alphas,
               ca, cb, tol_gap, max_epochs, K, eps, p0, newton_every, newton_max,
               singular_max, newton_ratio, ws_grow, active, Lf, fidx, fb, fk, max_add, active_tol,
               W, stats):
    """A whole warm-started path of :func:`dense_fit` solves, one per alpha (penalty
    ``alpha * (ca a_unit |w| + cb b_unit w^2 / 2)``), in one call: column i of ``W``
    gets the solution at ``alphas[i]``, row i of ``stats`` (gap, primal, converged,
    epochs, weighted residual sum of squares)."""
    n, p = X.shape
    v = np.empty(p)
    a = np.empty(p)
    b = np.empty(p)
    out = np.zeros(5)
    v_valid = False
    for i in range(alphas.shape[0]):
        for j in range(p):
            a[j] = alphas[i] * ca * a_unit[j]
            b[j] = alphas[i] * cb * b_unit[j]
        out[:] = 0.0
        epochs = dense_fit(X, yc, mu, s, weighted, center, S, w, r, L, a, b, lo, up, tol_gap,
                           max_epochs, K, eps, p0, newton_every, newton_max, singular_max,
                           newton_ratio, ws_grow, active, Lf, fidx, fb, fk, max_add, active_tol,
                           v, v_valid, out)
        v_valid = True  # v is the gradient at the final w: the next fit's first one
        W[:, i] = w
        rss = 0.0
        for t in range(n):
            rss += (s[t] if weighted else 1.0) * r[t] * r[t]
        stats[i, 0] = out[0]
        stats[i, 1] = out[1]
        stats[i, 2] = out[2]
        stats[i, 3] = max(epochs, 1)
        stats[i, 4] = rss


@njit(cache=True, nogil=True, fastmath=_FM)
def gram_path(G, q, yy, w, a_unit, b_unit, lo, up, alphas, ca, cb, tol_gap, max_epochs, K,
              eps, W, stats):
    """A whole warm-started path of :func:`gram_fit` solves in one call (penalty
    ``alpha * (ca a_unit |w| + cb b_unit w^2 / 2)``): column i of ``W`` gets the solution
    at ``alphas[i]``, row i of ``stats`` (gap, primal, converged, epochs)."""
    p = w.shape[0]
    a = np.empty(p)
    b = np.empty(p)
    out = np.zeros(3)
    for i in range(alphas.shape[0]):
        for j in range(p):
            a[j] = alphas[i] * ca * a_unit[j]
            b[j] = alphas[i] * cb * b_unit[j]
        epochs = gram_fit(G, q, yy, w, a, b, lo, up, tol_gap, max_epochs, K, eps, out)
        W[:, i] = w
        stats[i, 0] = out[0]
        stats[i, 1] = out[1]
        stats[i, 2] = out[2]
        stats[i, 3] = max(epochs, 1)
