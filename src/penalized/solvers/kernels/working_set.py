"""The working-set solver of penalized least squares, whole in numba (cached on disk).

``ws_fit`` is the outer loop of the residual engine (:mod:`penalized.solvers.least_squares`)
for dense (F-ordered) and CSC designs alike; ``ws_path`` runs a warm-started path of such
fits in one call. One outer round:

1. the residual afresh and the full gradient ``v = Xc' s r / S`` (no drift in the
   certificate), the duality gap (:func:`~penalized.solvers.kernels.certificate.quad_gap`);
   stop when it is at most ``tol_gap`` or only rounding error is left;
2. the working set: the support, the unpenalized features and the largest KKT violations,
   ``max(p0, (1 + ws_grow) nnz)`` features in all;
3. its inner solve to a KKT target aimed at the gap's target (the gap is about the violation
   squared over the curvature), but at least a tenth of the violation while zero coordinates
   violate on a support below the rank (the next gradient changes the working set): on dense
   designs with 0/infinite bounds and no unpenalized feature, first the active-set method of
   :mod:`~penalized.solvers.kernels.active_set` (exact solves with a Cholesky factor kept
   across calls and along a path), from a cold start with continuation on the L1 weights:
   once the working set holds ``cfg.cont_from`` features and more zeros violate than it has
   room for, it is solved at the weights ``s a``, ``s`` divided by ``cfg.cont`` each round
   down to 1 (a short regularization path, one working set per alpha: near the rank the
   working set's own solution at ``a`` would interpolate with the few columns it has, and
   the next rounds would undo that support one Cholesky update at a time; the fit only stops
   after a solve at ``a`` itself); else, and from the first working set it cannot solve,
   coordinate descent (:func:`~penalized.solvers.kernels.cd.cd_epochs`) with glmnet's
   cycling on the nonzeros; when the epochs are slow (a CD call spends its budget, or 10
   epochs since the last step, and the step's flops are about those of the epochs since) the
   kernel returns and asks for a support Newton step (:mod:`penalized.solvers.newton`,
   LAPACK on a k x k system), then is called again. After a round that met its target in
   two epochs or fewer without halving the gap (slow CD on an ill-conditioned support),
   the next round first runs ``p / (2 k)`` epochs on its k features whatever their
   violations: the cost of the gradient it saves.

Along a path most fits need a few rounds of a few epochs each, so Python bookkeeping per
round would cost more than the epochs: the loop lives here.

Numba's on-disk cache keys each kernel on its own file only: after editing a module this
one calls, in a checkout, delete the stale entries (``find src -name '*.nb[ic]' -delete``);
an install rewrites every file, which invalidates every entry.
"""

from collections import namedtuple

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import KernelPenalty, kkt1d
from .active_set import active_set_solve
from .cd import cd_epochs, gradient, nonzeros, residual, weighted_sq
from .certificate import project_unpenalized, quad_gap

__all__ = ["Factor", "WSConfig", "ws_fit", "ws_path"]

# Settings of one solve (scalars): see penalized.solvers.least_squares for their values.
WSConfig = namedtuple("WSConfig", "tol_gap max_epochs K eps p0 ws_grow newton_every newton_max "
                                  "singular_max newton_ratio active active_tol max_add verbose "
                                  "seed cont cont_from")
# The active-set solver's Cholesky factor (rows ``Lf``, feature per row ``fidx``, the L2
# weight it was built with ``fb``, its size ``fk[0]``): kept across calls along a path.
Factor = namedtuple("Factor", "Lf fidx fb fk")


@njit(cache=True, fastmath=_FM, **INTERNAL)
def certify(out, gap, primal, dual, tol_gap, eps):
    """Record (gap, primal, converged) in ``out``; converged when the gap is at most
    ``tol_gap`` or at the rounding level of the objective."""
    out[0] = gap
    out[1] = primal
    out[2] = 1.0 if gap <= tol_gap or gap <= 16.0 * eps * max(abs(primal), abs(dual)) else 0.0
    return out[2] == 1.0


@njit(cache=True, fastmath=_FM, **INTERNAL)
def kkt_scores(w, v, pen, L, score):
    """Per-feature KKT violation at ``w`` for the gradient ``-v`` into ``score`` (-1 for
    constant columns; inf for the support and for zero coordinates without an L1 part
    that violate their condition: always in the working set). Returns (largest
    violation, its rounding floor scale (of the gradient, and of the penalty's weights
    where the coefficient is nonzero), nnz, number of infs, largest violation of a zero
    coordinate without an L1 part: such a zero is never certified, see ``ws_fit``)."""
    kkt = 0.0
    vmax = 0.0
    amax = 0.0
    nnz = 0
    n_inf = 0
    bad = 0.0
    for j in range(w.shape[0]):
        a, b = pen.a[j], pen.b[j]
        if L[j] <= 0.0 and b <= 0.0:
            score[j] = -1.0  # constant column: stays at 0
            continue
        d = kkt1d(w[j], b * w[j] - v[j], a, pen.lo[j], pen.up[j])
        kkt = max(kkt, d)
        vmax = max(vmax, abs(v[j]))
        if w[j] != 0.0:
            # the penalty's terms enter the violation (and its rounding) only where the
            # coefficient is nonzero: at zero it is max(|v| - a, 0), rounded like |v|.
            # (The largest weight over all features made a huge alpha's floor swallow an
            # unpenalized feature's violation: the null model returned as converged.)
            amax = max(amax, a + abs(b * w[j]))
        score[j] = d
        if w[j] != 0.0:
            score[j] = np.inf
            nnz += 1
            n_inf += 1
        elif a == 0.0 and d > 0.0:
            score[j] = np.inf
            n_inf += 1
            bad = max(bad, d)
    return kkt, max(vmax, amax), nnz, n_inf, bad


@njit(cache=True, fastmath=_FM)
def shuffle(ws, state):
    """Shuffle ``ws`` in place (Fisher-Yates, xorshift64 from ``state``); returns the new
    state. scikit-learn's ``selection="random"``: the epochs visit the working set in
    this order."""
    for i in range(ws.shape[0] - 1, 0, -1):
        state ^= (state << np.uint64(13)) & np.uint64(0xFFFFFFFFFFFFFFFF)
        state ^= state >> np.uint64(7)
        state ^= (state << np.uint64(17)) & np.uint64(0xFFFFFFFFFFFFFFFF)
        j = int(state % np.uint64(i + 1))
        t = ws[i]
        ws[i] = ws[j]
        ws[j] = t
    return state


@njit(cache=True, **INTERNAL)
def kth_smallest(a, k):
    """The k-th smallest entry (0-based) of ``a``, which it reorders (quickselect, median
    of three; plain loops: numba's ``np.partition`` compiled its argument checks, unique
    and sort, 4.5 s of a cold first ``Lasso().fit``)."""
    lo, hi = 0, a.shape[0] - 1
    while lo < hi:
        x, y, z = a[lo], a[(lo + hi) // 2], a[hi]
        if x > y:
            x, y = y, x
        if y > z:
            y = z
        pivot = max(x, y)
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                t = a[i]
                a[i] = a[j]
                a[j] = t
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return a[k]
    return a[k]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def pick_working_set(score, m):
    """The (sorted) features of the ``m`` largest positive scores (ties broken by index)."""
    # the candidates by loops (np.flatnonzero of a comparison compiled for 0.3 s of a cold
    # first fit)
    c = 0
    for j in range(score.shape[0]):
        if score[j] > 0.0:
            c += 1
    cand = np.empty(c, dtype=np.int64)
    c = 0
    for j in range(score.shape[0]):
        if score[j] > 0.0:
            cand[c] = j
            c += 1
    if c <= m:
        return cand
    # the m-th largest score by selection, O(c): sorting all candidates costs more than
    # the gradient on wide designs (100 x 10000: 0.9 against 0.3 ms per outer round)
    vals = np.empty(c)
    for i in range(c):
        vals[i] = score[cand[i]]
    thr = kth_smallest(vals, c - m)
    out = np.empty(m, dtype=np.int64)
    k = 0
    for j in cand:
        if score[j] > thr:
            out[k] = j
            k += 1
    if k < m:
        out2 = np.empty(m, dtype=np.int64)
        k2 = 0
        i1 = 0
        for j in cand:  # merge in the ties at the threshold, in index order
            if score[j] == thr and k2 < m - k:
                while i1 < k and out[i1] < j:
                    out2[i1 + k2] = out[i1]
                    i1 += 1
                out2[i1 + k2] = j
                k2 += 1
        while i1 < k:
            out2[i1 + k2] = out[i1]
            i1 += 1
        return out2
    return out


@njit(cache=True, fastmath=_FM, **INTERNAL)
def set_alpha(pen_unit, pen, alpha, ca, cb):
    """``pen``'s weights at ``alpha`` along a path: ``alpha * (ca a_unit, cb b_unit)``."""
    for j in range(pen.a.shape[0]):
        pen.a[j] = alpha * ca * pen_unit.a[j]
        pen.b[j] = alpha * cb * pen_unit.b[j]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def store_fit(W, stats, i, w, out):
    """Column i of ``W`` and the first columns of row i of ``stats`` (gap, primal,
    converged, epochs at least 1) of a path's finished fit."""
    for j in range(w.shape[0]):
        W[j, i] = w[j]
    stats[i, 0] = out[0]
    stats[i, 1] = out[1]
    stats[i, 2] = out[2]
    stats[i, 3] = max(stats[i, 3], 1.0)


@njit(cache=True, nogil=True, fastmath=_FM)
def ws_fit(D, yc, w, r, pen, proj, cfg, factor, v, v_valid, spent, out, hist):
    """Whole working-set solve (see the module docstring). ``r`` is the residual of
    ``w``; ``v`` receives the last gradient (it is the gradient at the initial ``w``
    already when ``v_valid``). ``out`` gets (gap, primal, converged, outer rounds,
    working sets the active-set method gave up (then it is not used again), Newton
    request); row t of ``hist`` (epochs, gap) of round t (the last row holds the last
    round beyond its capacity). ``spent`` epochs of the fit ran in earlier calls. Returns
    the epochs this call ran; with ``out[5] = 1`` it returns early for a support Newton
    step, after which it is called again."""
    n, p = D.n, D.p
    score = np.empty(p)
    epochs = spent
    since_newton = 0
    # ``proj`` None: no unpenalized features; ``factor`` None: no active-set steps. Numba
    # prunes the branches on them, so a fit without either never compiles that code (the
    # active-set solver is a third of the kernels' compile time).
    active = cfg.active and not D.sparse and out[4] == 0.0
    if proj is not None:
        active = False
    newton = cfg.newton_every > 0
    out[5] = 0.0
    rng = np.uint64(cfg.seed + 88172645463325252 + int(out[3]))
    stage = np.inf  # the continuation's last factor on the L1 weights
    staged = False  # whether the last solve was at a stage's weights
    short = False  # whether the last round ran 2 epochs or fewer
    last_gap = np.inf
    S = D.S
    while True:
        if not v_valid:
            residual(D, yc, w, r)  # afresh: no drift in the certificate
            gradient(D, r, v)
        v_valid = False
        out[3] += 1.0
        rr = weighted_sq(r, 0.0, D) / S
        ycr = 0.0
        for i in range(n):
            ycr += (D.s[i] if D.weighted else 1.0) * yc[i] * r[i]
        if proj is not None:
            vt, rr_t, ycr_t = project_unpenalized(w, v, rr, ycr / S, pen, proj)
            gap, primal, dual = quad_gap(w, vt, rr, rr_t, ycr_t, pen)
        else:
            gap, primal, dual = quad_gap(w, v, rr, rr, ycr / S, pen)
        t = min(int(out[3]) - 1, hist.shape[0] - 1)
        hist[t, 0] = epochs
        hist[t, 1] = gap
        if cfg.verbose > 0:
            print("[penalized] epochs=", epochs, "primal=", primal, "gap=", gap, "tol=",
                  cfg.tol_gap)
        kkt, scale, nnz, n_inf, bad = kkt_scores(w, v, pen, D.L, score)
        floor = 64.0 * cfg.eps * scale
        # a coordinate without an L1 part is never left at an exact zero that is not
        # its solution, however small the gap (e.g. a ridge path's first alphas)
        if certify(out, gap, primal, dual, cfg.tol_gap, cfg.eps) and bad <= floor:
            if not staged:
                return epochs - spent
            stage = 1.0  # certified at a stage's solution: finish at the penalty itself
        out[2] = 0.0
        if epochs >= cfg.max_epochs:
            return epochs - spent
        if kkt <= floor:
            out[2] = 1.0  # the remaining gap is rounding error
            return epochs - spent
        # (every nonzero stays in: the epochs' extrapolation relies on it)
        m_ws = max(cfg.p0, nnz + int(cfg.ws_grow * nnz), n_inf)
        pen_in = pen
        staged = False
        if active and cfg.cont > 0.0 and stage > 1.0 and m_ws >= cfg.cont_from:
            # continuation: while more zeros violate than the working set has room for,
            # it is solved at the L1 weights s a (s >= 1, divided by cfg.cont each round):
            # near the rank, its exact solution at a itself would interpolate with the
            # few columns it has, a support the next rounds undo one Cholesky update at a
            # time. Finite positive scores are exactly the violating zeros with an L1
            # part; top is their largest |v_j| / a_j - 1.
            nz_viol = 0
            top = 0.0
            for j in range(p):
                sj = score[j]
                if 0.0 < sj < np.inf:
                    nz_viol += 1
                    if sj > top * pen.a[j]:
                        top = sj / pen.a[j]
            if nz_viol > m_ws - n_inf:
                stage = min(stage, 1.0 + top) / cfg.cont
                if stage > 1.0:
                    for j in range(p):  # the violations at the stage's weights
                        sj = score[j]
                        if 0.0 < sj < np.inf:
                            score[j] = max(sj - (stage - 1.0) * pen.a[j], 0.0)
                    pen_in = KernelPenalty(pen.a * stage, pen.b, pen.lo, pen.up)
                    staged = True
                    if cfg.verbose > 0:
                        print("[penalized] continuation: L1 weights times", stage)
        ws = pick_working_set(score, m_ws)
        if cfg.seed >= 0:
            rng = shuffle(ws, rng)
        stalled = short and gap > 0.5 * last_gap
        last_gap = gap
        round_start = epochs
        # the gap is about (KKT violation)^2 / curvature: aim the inner solve at the
        # target; but while zeros violate, the next gradient changes the working set: a
        # round then aims at a tenth of the violation at least (sim 500 x 600 frac 0.01
        # at tol 1e-8: 256 -> 121 epochs). Only on supports below the rank: past it,
        # rounds at the floor ended after an epoch or two, each costing a gradient (the
        # elastic net on sim 100 x 10000 frac 0.01 at tol 1e-6: 69 ms, 18 without).
        joining = False
        if nnz < n:
            for j in range(p):
                if 0.0 < score[j] < np.inf:
                    joining = True
                    break
        aim = np.sqrt(cfg.tol_gap / gap)
        tol_in = max(kkt * min(0.3, max(0.1, aim) if joining else aim), floor)
        if active:
            # exact solves: a tight target costs little more and saves outer rounds
            used = -1
            if factor is not None:
                used = active_set_solve(D, yc, w, r, ws, pen_in, v,
                                        max(cfg.active_tol * tol_in, floor), factor,
                                        cfg.max_epochs - epochs, cfg.max_add)
            if used >= 0:
                epochs += max(used, 1)
                continue
            active = False  # coordinate descent from here on
            out[4] += 1.0
            staged = False  # (CD solves at the penalty itself)
        if stalled and not active:
            # the last round met its target in an epoch or two and the gap did not halve:
            # CD is slow on this working set (an ill-conditioned support, e.g. past the
            # rank). Its epochs' violations understate the KKT violation at their end, and
            # one-epoch rounds each cost a gradient (p / (2 k) epochs of the working set):
            # this round runs that many epochs first, so gradients take at most half the
            # time (Anderson's extrapolation gets the epochs it needs)
            forced = min(p // (2 * ws.shape[0]), cfg.max_epochs - epochs)
            if forced >= 2:
                used = cd_epochs(D, yc, w, r, ws, pen, forced, -1.0, cfg.K)
                epochs += used
                since_newton += used
        while True:  # CD on the working set, with Newton steps on the support when slow
            budget = cfg.max_epochs - epochs
            capped = newton and 0 < nnz <= cfg.newton_max and (nnz < n or
                                                               nnz <= cfg.singular_max)
            if capped:
                budget = min(budget, cfg.newton_every)
            act = ws[nonzeros(w[ws])]
            if 0 < act.shape[0] < ws.shape[0]:
                # glmnet's active-set cycling: epochs on the nonzeros only, then one check
                # of the whole working set (two epochs at most: one means it holds)
                used = cd_epochs(D, yc, w, r, act, pen, budget, tol_in, cfg.K)
                epochs += used
                since_newton += used
                # slow: CD itself (not features joining the support) takes epochs
                slow = used >= budget or since_newton >= cfg.newton_every
                if epochs >= cfg.max_epochs:
                    break
                used = cd_epochs(D, yc, w, r, ws, pen, min(2, cfg.max_epochs - epochs),
                                 tol_in, cfg.K)
                epochs += used
                since_newton += used
                done = used == 1
            else:
                used = cd_epochs(D, yc, w, r, ws, pen, budget, tol_in, cfg.K)
                epochs += used
                since_newton += used
                done = used < budget
                slow = True
            if done or epochs >= cfg.max_epochs:
                short = epochs - round_start <= 2
                break  # the working set's KKT tolerance is met (or no epochs left)
            supp = nonzeros(w)
            nnz = supp.shape[0]
            if not (slow and newton and 0 < nnz <= cfg.newton_max and (nnz < n or
                                                                      nnz <= cfg.singular_max)):
                continue
            # only when the factorization costs about as much as the epochs it may save
            if n * nnz * nnz + nnz * nnz * nnz <= cfg.newton_ratio * n * ws.shape[0] * \
                    since_newton:
                out[5] = 1.0
                return epochs - spent


@njit(cache=True, nogil=True, fastmath=_FM)
def ws_path(D, yc, w, r, pen_unit, pen, proj, alphas, ca, cb, cfg, factor, start, out, W,
            stats):
    """A warm-started path of :func:`ws_fit` solves from ``alphas[start]`` (penalty
    ``alpha * (ca a_unit |w| + cb b_unit w^2 / 2)``, written into ``pen``'s arrays):
    column i of ``W`` gets the solution at ``alphas[i]``, row i of ``stats`` (gap, primal,
    converged, epochs, weighted residual sum of squares, Newton steps). Returns the
    number of alphas; or the index of an alpha whose fit asks for a Newton step (``pen``
    holds its weights, ``out`` its state): the caller takes it and calls again from
    there."""
    p = D.p
    v = np.empty(p)
    hist = np.zeros((1, 2))
    v_valid = False
    for i in range(start, alphas.shape[0]):
        set_alpha(pen_unit, pen, alphas[i], ca, cb)
        epochs = ws_fit(D, yc, w, r, pen, proj, cfg, factor, v, v_valid, int(stats[i, 3]),
                        out, hist)
        stats[i, 3] += epochs
        if out[5] == 1.0:
            return i
        v_valid = True  # v is the gradient at the final w: the next fit's first one
        store_fit(W, stats, i, w, out)
        stats[i, 4] = weighted_sq(r, 0.0, D)
        for t in range(out.shape[0]):
            out[t] = 0.0
    return alphas.shape[0]
