"""Risk-set sums of the Cox partial likelihood (numba, cached; compiled only by Cox fits).

Every function takes the samples sorted by stratum, then by decreasing time:
``eta``, weights ``s`` and events ``d`` (0/1) in that order, ``gptr`` the boundaries of the
groups of equal (stratum, time) and ``sptr`` the boundaries of the strata in groups.
Within a stratum the risk set of a group is every sample up to the group's end (time at
least the group's time). A group with ``m`` event rows of total weight ``sw`` and event
sum ``D = sum s e^eta`` contributes, with ``W`` the risk-set sum ``sum s e^eta``, terms
``om_r log(W - f_r D)`` (:func:`_term`, the one place of the tie rules; ``ties`` code):

* 0, Breslow: one term ``sw log W``;
* 1, Efron with survival's weighting: ``m`` terms of weight ``sw / m``, ``f_r = r / m``
  (one term when m = 1);
* 2, Efron with frequency weights: ``ceil(sw)`` terms ``f_r = r / sw`` of weight
  ``min(1, sw - r)`` (one term when sw <= 1): with integer weights exactly the Efron
  terms of the data with every row repeated ``s`` times (unit weights: as 1);

minus ``sum s eta`` over its events. ``e^eta`` is shifted by the stratum's largest eta.
"""

import numpy as np

from .._jit import njit
from ..penalties._fastmath import INTERNAL

# reassociation lets the risk-set sums vectorize; no NaN/inf assumptions (as the penalties)
FASTMATH = {"reassoc", "contract", "arcp", "nsz"}

__all__ = ["concordance_pairs", "cox_conjugate_bound", "cox_derivatives", "cox_groups",
           "cox_increments", "cox_saturated", "cox_terms", "cox_terms_into", "survival_ok"]


@njit(cache=True)
def survival_ok(time, event):
    """Whether every time is finite and >= 0, every event 0 or 1 and at least one is 1 (one
    pass; the checks that name what is wrong run only when not)."""
    any_event = False
    for i in range(time.shape[0]):
        t = time[i]
        e = event[i]
        if not (t >= 0.0 and t < np.inf):
            return False
        if e == 1.0:
            any_event = True
        elif e != 0.0:
            return False
    return any_event


@njit(cache=True, **INTERNAL)
def radix_order(keys):
    """The stable order of increasing ``keys`` (uint64): an LSD radix sort, 11 bits a
    pass, the passes where every key has the same digit skipped. Branch-free: a
    comparison sort of 2000 times mispredicts its way to 0.1 ms, this takes 0.03 (and
    compiles in a fraction of numba's sorts)."""
    n = keys.shape[0]
    k1 = keys.copy()
    i1 = np.empty(n, dtype=np.int64)
    k2 = np.empty(n, dtype=np.uint64)
    i2 = np.empty(n, dtype=np.int64)
    for i in range(n):
        i1[i] = i
    mask = np.uint64(2047)
    cnt = np.empty(2048, dtype=np.int64)
    for shift in range(0, 64, 11):
        sh = np.uint64(shift)
        cnt[:] = 0
        for i in range(n):
            cnt[(k1[i] >> sh) & mask] += 1
        top = 0
        for b in range(2048):
            top = max(top, cnt[b])
        if top == n:
            continue
        acc = 0
        for b in range(2048):
            c = cnt[b]
            cnt[b] = acc
            acc += c
        for i in range(n):
            b = (k1[i] >> sh) & mask
            pos = cnt[b]
            cnt[b] = pos + 1
            k2[pos] = k1[i]
            i2[pos] = i1[i]
        k1, k2 = k2, k1
        i1, i2 = i2, i1
    return i1


@njit(cache=True, **INTERNAL)
def decreasing_key(x):
    """A uint64 that increases as the float ``x >= 0`` (inf included) decreases (-0.0
    as 0.0): the complement of its bits, which increase with the value."""
    return ~np.float64(x + 0.0).view(np.uint64)


@njit(cache=True, **INTERNAL)
def _increasing_key(x):
    """A uint64 that increases with the finite float ``x`` of any sign (-0.0 as 0.0)."""
    b = np.float64(x + 0.0).view(np.uint64)
    if b >> np.uint64(63):
        return ~b
    return b | (np.uint64(1) << np.uint64(63))


@njit(cache=True)
def cox_groups(time, event, stratum, s_full):
    """The sort order of the sums and their group structure, in one pass after the sort:
    ``(order, s, d, gptr, sptr)``, the samples sorted by stratum, then by decreasing time
    (stable: ``np.lexsort((-time, stratum))``), their weights and events in that order,
    the boundaries of the groups of equal (stratum, time) and of the strata in groups."""
    n = time.shape[0]
    keys = np.empty(n, dtype=np.uint64)
    for i in range(n):
        keys[i] = decreasing_key(time[i])
    order = radix_order(keys)
    one = True
    for i in range(1, n):
        if stratum[i] != stratum[0]:
            one = False
            break
    if not one:  # then stably by stratum
        for i in range(n):
            keys[i] = _increasing_key(stratum[order[i]])
        order = order[radix_order(keys)]
    s = np.empty(n)
    d = np.empty(n)
    gptr = np.empty(n + 1, dtype=np.int64)
    sptr = np.empty(n + 1, dtype=np.int64)
    G = 0
    nst = 0
    for i in range(n):
        o = order[i]
        s[i] = s_full[o]
        d[i] = event[o]
        if i == 0 or stratum[o] != stratum[order[i - 1]]:
            sptr[nst] = G
            nst += 1
            gptr[G] = i
            G += 1
        elif time[o] != time[order[i - 1]]:
            gptr[G] = i
            G += 1
    gptr[G] = n
    sptr[nst] = G
    return order, s, d, gptr[:G + 1].copy(), sptr[:nst + 1].copy()


@njit(cache=True, **INTERNAL)
def _n_group_terms(ties, m, sw):
    """How many terms a group with ``m`` event rows of total weight ``sw`` has."""
    if ties == 1 and m > 1:
        return m
    if ties == 2 and sw > 1.0:
        return int(np.ceil(sw))
    return 1


@njit(cache=True)
def _term(ties, r, R, m, sw):
    """``(om_r, f_r)``: weight and event fraction of term r of a group's R terms."""
    if R == 1:
        return sw, 0.0
    if ties == 1:
        return sw / m, r / m
    return min(1.0, sw - r), r / sw


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def _stratum_shift(eta, lo, hi):
    sh = -np.inf
    for i in range(lo, hi):
        if eta[i] > sh:
            sh = eta[i]
    return sh if np.isfinite(sh) else 0.0


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def _group(eta, s, d, lo, hi, sh, ex):
    """(sum s e, D, sw, m, sum_events s eta) of one group; fills ex = e^(eta - sh)."""
    W = 0.0
    D = 0.0
    sw = 0.0
    m = 0
    se = 0.0
    for i in range(lo, hi):
        e = np.exp(eta[i] - sh)
        ex[i] = e
        W += s[i] * e
        if d[i] > 0 and s[i] > 0:
            D += s[i] * e
            sw += s[i]
            m += 1
            se += s[i] * eta[i]
    return W, D, sw, m, se


@njit(cache=True, fastmath=FASTMATH)
def cox_derivatives(eta, s, d, gptr, sptr, ties, grad, hess, h1):
    """The total loss; fills the per-sample gradient ``grad`` (``d total / d eta_k`` over
    ``s_k``), the diagonal Hessian ``hess`` (likewise) and its first part ``h1``
    (``e^eta A``: the Hessian is ``diag(s h1) - sum_terms w m m'``)."""
    n = eta.shape[0]
    G = gptr.shape[0] - 1
    a = np.zeros(G)
    ae = np.zeros(G)
    b = np.zeros(G)
    be = np.zeros(G)
    ex = np.empty(n)
    loss = 0.0
    for st in range(sptr.shape[0] - 1):
        g0, g1 = sptr[st], sptr[st + 1]
        sh = _stratum_shift(eta, gptr[g0], gptr[g1])
        W = 0.0
        for g in range(g0, g1):
            Wg, D, sw, m, se = _group(eta, s, d, gptr[g], gptr[g + 1], sh, ex)
            W += Wg
            if m == 0:
                continue
            R = _n_group_terms(ties, m, sw)
            for r in range(R):
                om, f = _term(ties, r, R, m, sw)
                Z = W - f * D
                if not Z * Z > 0.0:
                    # the risk set's weight underflows against the stratum's shift (its
                    # largest eta): eta spans more than ~350, as a line-search trial step
                    # can (CoxPHCV, a fold with p = n = 50 at float32: the trial step's
                    # 1 / Z raised ZeroDivisionError in numba, a crash of the fit). Not
                    # representable with one shift: +inf, so the step is refused
                    return np.inf
                loss += om * (np.log(Z) + sh)
                a[g] += om / Z
                ae[g] += om * (1.0 - f) / Z
                b[g] += om / (Z * Z)
                be[g] += om * (1.0 - f) * (1.0 - f) / (Z * Z)
            loss -= se
        A = 0.0
        B = 0.0
        for g in range(g1 - 1, g0 - 1, -1):
            for i in range(gptr[g], gptr[g + 1]):
                e = ex[i]
                if d[i] > 0 and s[i] > 0:
                    Ai, Bi = A + ae[g], B + be[g]
                else:
                    Ai, Bi = A + a[g], B + b[g]
                h1[i] = e * Ai
                grad[i] = e * Ai - (d[i] if s[i] > 0 else 0.0)
                hess[i] = e * Ai - s[i] * e * e * Bi
            A += a[g]
            B += b[g]
    return loss


@njit(cache=True, **INTERNAL)
def _xlogx_ratio(p, q):
    return p * np.log(p / q) if p > 0.0 else 0.0


@njit(cache=True, fastmath=FASTMATH)
def cox_conjugate_bound(eta, s, d, gptr, sptr, ties, c):
    """An upper bound of the conjugate of the total loss at ``c`` times its gradient.

    The loss is ``sum_terms w_t log(sum_j gamma_tj e^eta_j) - sum_i s_i d_i eta_i``; its
    conjugate at ``u`` is the least ``sum_t w_t KL(p_t || gamma_t)`` over distributions
    ``p_t`` on the terms' risk sets with ``sum_t w_t p_t = u + s d``. At ``u = c grad``
    the distributions ``c pi_t + (1 - c) e_t`` (``pi_t`` the softmax at eta, ``e_t`` the
    term's events weighted by s) are feasible, and their value is returned: exact at
    c = 1 (Fenchel-Young), an upper bound below.
    """
    n = eta.shape[0]
    ex = np.empty(n)
    total = 0.0
    logc = np.log(c) if c > 0.0 else 0.0
    for st in range(sptr.shape[0] - 1):
        g0, g1 = sptr[st], sptr[st + 1]
        sh = _stratum_shift(eta, gptr[g0], gptr[g1])
        W = 0.0
        Weta = 0.0  # sum over the risk set of s e (eta - sh)
        for g in range(g0, g1):
            lo, hi = gptr[g], gptr[g + 1]
            Wg, D, sw, m, _ = _group(eta, s, d, lo, hi, sh, ex)
            W += Wg
            De = 0.0
            for i in range(lo, hi):
                Weta += s[i] * ex[i] * (eta[i] - sh)
                if d[i] > 0 and s[i] > 0:
                    De += s[i] * ex[i] * (eta[i] - sh)
            if m == 0:
                continue
            R = _n_group_terms(ties, m, sw)
            for r in range(R):
                om, f = _term(ties, r, R, m, sw)
                cr = 1.0 - f
                Z = W - f * D
                PE = cr * D / Z
                term = 0.0
                if c > 0.0:
                    term = c * ((1.0 - PE) * (logc - np.log(Z)) + (Weta - De) / Z)
                for i in range(lo, hi):
                    if d[i] > 0 and s[i] > 0:
                        gam = s[i] * cr
                        pi = gam * ex[i] / Z
                        term += _xlogx_ratio(c * pi + (1.0 - c) * s[i] / sw, gam)
                total += om * term
    return total


@njit(cache=True, **INTERNAL)
def _n_terms(s, d, gptr, ties):
    """Rows of :func:`cox_terms`: one per group with events, two when it has several
    terms."""
    T = 0
    for g in range(gptr.shape[0] - 1):
        m = 0
        sw = 0.0
        for i in range(gptr[g], gptr[g + 1]):
            if d[i] > 0 and s[i] > 0:
                m += 1
                sw += s[i]
        if m > 0:
            T += 1 if _n_group_terms(ties, m, sw) == 1 else 2
    return T


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def cox_terms_into(X, order, ws, es, s, d, gptr, sptr, ties, MT, om):
    """The rank-one terms of the Hessian in the coefficients of the columns ``ws`` of X
    (original row order, ``es`` sorted): fills ``MT`` (k x T, the transpose of
    :func:`cox_terms`' ``M``) and ``om``. The running sums of ``s e^eta x`` over the risk
    set and a group's events are kept for all k columns at once, reading X's rows in the
    sums' order (no copy of the block: the Cox kernel passes the whole design)."""
    n = es.shape[0]
    k = ws.shape[0]
    ex = np.empty(n)
    cx = np.empty(k)
    dx = np.empty(k)
    t = 0
    for st in range(sptr.shape[0] - 1):
        g0, g1 = sptr[st], sptr[st + 1]
        sh = _stratum_shift(es, gptr[g0], gptr[g1])
        W = 0.0
        cx[:] = 0.0
        for g in range(g0, g1):
            lo, hi = gptr[g], gptr[g + 1]
            Wg, D, sw, m, _ = _group(es, s, d, lo, hi, sh, ex)
            W += Wg
            if m > 0:
                dx[:] = 0.0
            for i in range(lo, hi):
                we = s[i] * ex[i]
                if we == 0.0:
                    continue
                row = order[i]
                if d[i] > 0 and s[i] > 0:
                    for j in range(k):
                        v = we * X[row, ws[j]]
                        cx[j] += v
                        dx[j] += v
                else:
                    for j in range(k):
                        cx[j] += we * X[row, ws[j]]
            if m == 0:
                continue
            R = _n_group_terms(ties, m, sw)
            if R == 1:
                om[t] = sw
                inv = 1.0 / W
                for j in range(k):
                    MT[j, t] = cx[j] * inv
                t += 1
                continue
            h11 = 0.0
            h12 = 0.0
            h22 = 0.0
            for r in range(R):
                w_r, f = _term(ties, r, R, m, sw)
                Z = W - f * D
                q = w_r / (Z * Z)
                h11 += q
                h12 += q * f
                h22 += q * f * f
            l11 = np.sqrt(h11)
            l21 = h12 / l11
            l22 = np.sqrt(max(h22 - l21 * l21, 0.0))
            om[t] = 1.0
            om[t + 1] = 1.0
            for j in range(k):
                MT[j, t] = l11 * cx[j] - l21 * dx[j]
                MT[j, t + 1] = l22 * dx[j]
            t += 2


@njit(cache=True, fastmath=FASTMATH)
def cox_terms(Xc, order, eta, s, d, gptr, sptr, ties):
    """The rank-one terms of the Hessian: ``(M, om)`` such that the Hessian of the total
    loss in ``w`` is ``Xs' diag(s h1) Xs - M' diag(om) M`` (``Xs = Xc[order]``; ``Xc`` in
    the original row order, eta sorted).

    A group with one term gives ``M[t] = Xs' pi`` (the risk-set mean of the rows under
    the term's softmax) with weight ``om``. Several terms ``(c - f_r e) / Z_r`` (``c`` and
    ``e`` the risk set's and the events' sums of ``s e^eta x``) sum to the 2 x 2 form
    ``[c e] H [c e]'`` with ``H = sum_r om_r / Z_r^2 [[1, -f_r], [-f_r, f_r^2]]``, written
    as two rows of weight 1 (its Cholesky factor): two rows per group, however many terms.
    """
    k = Xc.shape[1]
    T = _n_terms(s, d, gptr, ties)
    MT = np.empty((k, T))
    om = np.zeros(T)
    cox_terms_into(Xc, order, np.arange(k), eta, s, d, gptr, sptr, ties, MT, om)
    return MT.T, om


@njit(cache=True)
def cox_increments(eta, s, d, gptr, sptr, ties):
    """Baseline cumulative-hazard increment of every group (0 without events):
    ``sum_r om_r / (W - f_r D)`` over its terms (Breslow: ``sw / W``), on the unshifted
    scale."""
    n = eta.shape[0]
    G = gptr.shape[0] - 1
    ex = np.empty(n)
    out = np.zeros(G)
    for st in range(sptr.shape[0] - 1):
        g0, g1 = sptr[st], sptr[st + 1]
        sh = _stratum_shift(eta, gptr[g0], gptr[g1])
        W = 0.0
        for g in range(g0, g1):
            Wg, D, sw, m, _ = _group(eta, s, d, gptr[g], gptr[g + 1], sh, ex)
            W += Wg
            if m == 0:
                continue
            R = _n_group_terms(ties, m, sw)
            acc = 0.0
            for r in range(R):
                om, f = _term(ties, r, R, m, sw)
                acc += om / (W - f * D)
            out[g] = acc * np.exp(-sh)
    return out


@njit(cache=True)
def cox_saturated(s, d, gptr, ties):
    """The saturated loss (the infimum over eta): each group's events dominate its risk
    set at a common eta, ``sum_r om_r log(sw (1 - f_r))`` per group (Breslow:
    ``sw log sw``, glmnet's saturated log-likelihood)."""
    total = 0.0
    for g in range(gptr.shape[0] - 1):
        m = 0
        sw = 0.0
        for i in range(gptr[g], gptr[g + 1]):
            if d[i] > 0 and s[i] > 0:
                m += 1
                sw += s[i]
        if m == 0:
            continue
        R = _n_group_terms(ties, m, sw)
        for r in range(R):
            om, f = _term(ties, r, R, m, sw)
            total += om * np.log(sw * (1.0 - f))
    return total


@njit(cache=True)
def concordance_pairs(time, event, risk, w, strata):
    """Harrell's concordance: (concordant, comparable) weights over the pairs (i, j) of
    one stratum with an event at ``time[i]`` and ``time[j] > time[i]`` (or equal times and
    no event at j); a tie in risk counts one half. Pair weight ``w_i w_j``."""
    n = time.shape[0]
    conc = 0.0
    comp = 0.0
    for i in range(n):
        if event[i] == 0 or w[i] == 0.0:
            continue
        for j in range(n):
            if j == i or strata[j] != strata[i]:
                continue
            if time[j] > time[i] or (time[j] == time[i] and event[j] == 0):
                pw = w[i] * w[j]
                comp += pw
                if risk[i] > risk[j]:
                    conc += pw
                elif risk[i] == risk[j]:
                    conc += 0.5 * pw
    return conc, comp
