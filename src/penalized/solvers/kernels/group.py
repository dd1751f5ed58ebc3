"""Block coordinate descent for least squares with a (sparse-)group lasso, whole in numba.

Minimizes ``1/(2 S) sum_i s_i r_i^2 + sum_g (sum_{j in g} a1_j |w_j| + wg_g ||w_g||_2)``
(``r = yc - Xc w``, implicitly centered; dense F-ordered or CSC designs) by block updates:
group g takes the proximal-gradient step ``w_g <- prox(w_g + Xc_g' s r / (S L_g))`` of
step ``1 / L_g`` (``L_g`` the largest eigenvalue of the group's Gram matrix, from
:func:`group_lipschitz`; the exact block minimizer for a group of one feature), with the
block formulas of :mod:`penalized.penalties.group`. On group working sets:

1. the residual afresh, the full gradient ``v`` and the duality gap: the dual point is the
   residual (projected off the unpenalized features, as the lasso's) scaled by the largest
   ``c <= 1`` that puts every group's ``c v_g`` in its dual ball
   (:func:`~penalized.penalties.group.block_dual_scale`); stop when the gap is at most
   ``tol_gap`` or at the objective's rounding level;
2. the working set: the groups with a nonzero, the unpenalized ones and the largest
   violations (``kkt_g^2 / (2 L_g)``), ``max(p0, 2 nnz)`` groups;
3. epochs on it, extrapolated every ``K`` epochs (Anderson, kept when it lowers the
   objective), to a target aimed at the gap's.
"""

from collections import namedtuple

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.group import block_dual_scale, block_kkt, block_prox, block_value
from ...penalties.separable import FASTMATH as _FM
from .cd import (
    anderson_candidate,
    col_dot,
    fold_shift,
    gradient,
    move_residual,
    residual,
    take_candidate,
    weighted_sq,
    weighted_sum,
)
from .certificate import project_unpenalized
from .working_set import certify, pick_working_set

__all__ = ["BLOCK_STEPS", "GroupConfig", "group_fit", "group_grams"]

BLOCK_STEPS = 8  # proximal gradient steps per block update, at most

GroupConfig = namedtuple("GroupConfig", "tol_gap max_epochs K eps p0 verbose")


@njit(cache=True, fastmath=_FM)
def group_grams(D, pen, gptr, grams):
    """Each group's Gram matrix ``Xc_g' diag(s) Xc_g / S`` (k_g x k_g, row-major) into
    ``grams[gptr[g]:gptr[g + 1]]``."""
    order, starts = pen.order, pen.starts
    tmp = np.empty(D.n)
    for g in range(starts.shape[0] - 1):
        st, en = starts[g], starts[g + 1]
        k = en - st
        base = gptr[g]
        for a in range(k):
            ja = order[st + a]
            for i in range(D.n):
                tmp[i] = 0.0
            if D.sparse:
                for ii in range(D.indptr[ja], D.indptr[ja + 1]):
                    tmp[D.indices[ii]] = D.data[ii]
            else:
                for i in range(D.n):
                    tmp[i] = D.X[i, ja]
            if D.weighted:
                for i in range(D.n):
                    tmp[i] *= D.s[i]
            for b in range(a + 1):
                jb = order[st + b]
                acc = col_dot(D, jb, tmp, False) / D.S
                if D.center:
                    acc -= D.mu[ja] * D.mu[jb]
                grams[base + a * k + b] = acc
                grams[base + b * k + a] = acc


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _gather(src, order, st, en, buf):
    for q in range(st, en):
        buf[q - st] = src[order[q]]


@njit(cache=True, fastmath=_FM)
def penalty_value(w, pen, gs):
    """The penalty over the groups ``gs``."""
    out = 0.0
    wb = np.empty(w.shape[0])
    ab = np.empty(w.shape[0])
    for gg in range(gs.shape[0]):
        g = gs[gg]
        st, en = pen.starts[g], pen.starts[g + 1]
        _gather(w, pen.order, st, en, wb)
        _gather(pen.a1, pen.order, st, en, ab)
        out += block_value(wb[:en - st], ab[:en - st], pen.wg[g])
    return out


@njit(cache=True, fastmath=_FM, **INTERNAL)
def group_scores(w, v, pen, lip, score):
    """Per group: ``kkt_g^2 / (2 L_g)`` into ``score`` (-1 for a group without curvature,
    inf for groups with a nonzero and unpenalized ones). Returns (the largest
    ``kkt_g^2 / (2 L_g)``, the largest violation, its rounding scale, groups with a
    nonzero)."""
    m = pen.starts.shape[0] - 1
    p = w.shape[0]
    wb = np.empty(p)
    vb = np.empty(p)
    ab = np.empty(p)
    crit = 0.0
    kmax = 0.0
    scale = 0.0
    nnz = 0
    for g in range(m):
        st, en = pen.starts[g], pen.starts[g + 1]
        if lip[g] <= 0.0:
            score[g] = -1.0
            continue
        _gather(w, pen.order, st, en, wb)
        _gather(v, pen.order, st, en, vb)
        _gather(pen.a1, pen.order, st, en, ab)
        k = en - st
        d = block_kkt(wb[:k], vb[:k], ab[:k], pen.wg[g], pen.positive)
        kmax = max(kmax, d)
        nz = False
        free = pen.wg[g] == 0.0
        for q in range(k):
            # the weights enter the violation's rounding only where the block (the
            # coefficient) is nonzero; at zero the violation is rounded like the gradient
            scale = max(scale, abs(vb[q]))
            if wb[q] != 0.0:
                nz = True
                scale = max(scale, ab[q])
            if ab[q] != 0.0:
                free = False
        if nz:
            scale = max(scale, pen.wg[g])
        score[g] = d * d / (2.0 * lip[g])
        crit = max(crit, score[g])
        if nz or free:
            score[g] = np.inf
        if nz:
            nnz += 1
    return crit, kmax, scale, nnz


@njit(cache=True, fastmath=_FM, **INTERNAL)
def group_gap(w, v, rr, rr_t, ycr_t, pen):
    """``(gap, primal, dual)``: ``v`` the (projected) gradient ``Xc' s theta / S``."""
    m = pen.starts.shape[0] - 1
    p = w.shape[0]
    vb = np.empty(p)
    ab = np.empty(p)
    c = 1.0
    for g in range(m):
        st, en = pen.starts[g], pen.starts[g + 1]
        _gather(v, pen.order, st, en, vb)
        _gather(pen.a1, pen.order, st, en, ab)
        c = min(c, block_dual_scale(vb[:en - st], ab[:en - st], pen.wg[g], pen.positive))
    gs = np.arange(m)
    primal = 0.5 * rr + penalty_value(w, pen, gs)
    dual = c * ycr_t - 0.5 * c * c * rr_t
    return primal - dual, primal, dual


@njit(cache=True, nogil=True, fastmath=_FM, **INTERNAL)
def group_epochs(D, yc, w, r, gws, pen, lip, grams, gptr, max_epochs, tol_in, K):
    """Block-CD epochs on the groups ``gws`` (holding every nonzero of ``w``) until an
    epoch's largest ``kkt_g^2 / (2 L_g)`` is at most ``tol_in``; ``r`` is the exact
    residual on entry and on return. Each block takes up to ``BLOCK_STEPS`` proximal
    gradient steps, the gradient updated through the group's Gram matrix (``2 k n``
    flops for the products with X, ``k^2`` per step): nearly the block's exact minimizer
    for the cost of one step. Returns the epochs run."""
    n = D.n
    mu, S, center, X = D.mu, D.S, D.center, D.X
    dense = not D.sparse
    order, starts = pen.order, pen.starts
    # the working set's coordinates, group by group (for the extrapolation)
    k = 0
    for gg in range(gws.shape[0]):
        k += starts[gws[gg] + 1] - starts[gws[gg]]
    feats = np.empty(k, dtype=np.int64)
    k = 0
    gmax = 1
    for gg in range(gws.shape[0]):
        g = gws[gg]
        gmax = max(gmax, starts[g + 1] - starts[g])
        for q in range(starts[g], starts[g + 1]):
            feats[k] = order[q]
            k += 1
    u = np.empty(gmax)
    wb = np.empty(gmax)
    vb = np.empty(gmax)
    ab = np.empty(gmax)
    w0 = np.empty(gmax)
    W = np.empty((K + 1, k))
    r_acc = np.empty(n)
    w_acc = np.empty(k)
    # the extrapolation's bounds: the sign constraint
    lo = np.full(D.p, 0.0 if pen.positive else -np.inf)
    up = np.full(D.p, np.inf)
    off = 0.0
    n_stored = np.int64(0)  # (a literal 0 compiled the callee a second time)
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        SR = weighted_sum(r, D) if center else 0.0
        for gg in range(gws.shape[0]):
            g = gws[gg]
            L = lip[g]
            if L <= 0.0:
                continue
            st, en = starts[g], starts[g + 1]
            gk = en - st
            for q in range(st, en):
                j = order[q]
                acc = col_dot(D, j, r, D.weighted)
                if center:
                    acc -= mu[j] * SR
                vb[q - st] = acc / S
                wb[q - st] = w[j]
                ab[q - st] = pen.a1[j]
                u[q - st] = w[j] + vb[q - st] / L
            d = block_kkt(wb[:gk], vb[:gk], ab[:gk], pen.wg[g], pen.positive)
            viol = max(viol, d * d / (2.0 * L))
            for q in range(gk):
                w0[q] = wb[q]
            base = gptr[g]
            for step in range(BLOCK_STEPS if gk > 1 else 1):
                if step > 0:
                    for q in range(gk):
                        u[q] = wb[q] + vb[q] / L
                block_prox(u[:gk], ab[:gk], pen.wg[g], pen.positive, 1.0 / L)
                moved = 0.0
                size = 0.0
                for q in range(gk):
                    u[q], wb[q] = wb[q], u[q]  # u: the change, wb: the new point
                    u[q] = wb[q] - u[q]
                    moved += u[q] * u[q]
                    size += wb[q] * wb[q]
                if moved == 0.0 or gk == 1:
                    break
                for a in range(gk):  # the block's gradient after the step
                    acc = 0.0
                    for b in range(gk):
                        acc += grams[base + a * gk + b] * u[b]
                    vb[a] -= acc
                if moved <= 1e-6 * size:
                    break
            for q in range(st, en):
                j = order[q]
                delta = wb[q - st] - w0[q - st]
                if delta == 0.0:
                    continue
                w[j] = wb[q - st]
                if dense:  # written out: see cd_epochs (inlined, the helper cost 17-19%)
                    m = mu[j] if center else 0.0
                    for i in range(n):
                        r[i] -= delta * (X[i, j] - m)
                else:
                    off, SR = move_residual(D, mu, center, j, delta, r, off, SR)
        off = fold_shift(r, off)
        if viol <= tol_in:
            break
        n_stored, ready, f_acc, f_cur = anderson_candidate(D, yc, w, r, feats, lo, up, W,
                                                           n_stored, w_acc, r_acc)
        if ready:
            # the penalty at both points (w is written back only if the extrapolation wins)
            for jj in range(k):
                w[feats[jj]] = w_acc[jj]
            f_acc += penalty_value(w, pen, gws)
            for jj in range(k):
                w[feats[jj]] = W[K, jj]
            if f_acc < f_cur + penalty_value(w, pen, gws):
                take_candidate(w, feats, w_acc, r, r_acc)
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def group_fit(D, yc, w, r, pen, lip, grams, gptr, proj, box, cfg, out):
    """The working-set solve of the module docstring (``proj`` and ``box``: the
    :data:`~penalized.solvers.kernels.certificate.Projection` of the unpenalized features
    and a ``KernelPenalty`` holding their bounds). ``out`` gets (gap, primal, converged,
    outer rounds). Returns the epochs run."""
    p = D.p
    m = pen.starts.shape[0] - 1
    v = np.empty(p)
    score = np.empty(m)
    epochs = 0
    S = D.S
    while True:
        residual(D, yc, w, r)
        gradient(D, r, v)
        out[3] += 1.0
        rr = weighted_sq(r, 0.0, D) / S
        ycr = 0.0
        for i in range(D.n):
            ycr += (D.s[i] if D.weighted else 1.0) * yc[i] * r[i]
        ycr /= S
        if proj.cols.shape[0] > 0:
            vt, rr_t, ycr_t = project_unpenalized(w, v, rr, ycr, box, proj)
        else:
            vt, rr_t, ycr_t = v, rr, ycr
        gap, primal, dual = group_gap(w, vt, rr, rr_t, ycr_t, pen)
        if cfg.verbose > 0:
            print("[penalized:group] epochs=", epochs, "primal=", primal, "gap=", gap,
                  "tol=", cfg.tol_gap)
        crit, kmax, scale, nnz = group_scores(w, v, pen, lip, score)
        if certify(out, gap, primal, dual, cfg.tol_gap, cfg.eps):
            return epochs
        if epochs >= cfg.max_epochs:
            return epochs
        floor = 64.0 * cfg.eps * scale
        if kmax <= floor:
            out[2] = 1.0  # the remaining gap is rounding error
            return epochs
        gws = pick_working_set(score, max(cfg.p0, 2 * nnz))
        # the gap is about the violations' crit: aim the inner solve at the target
        tol_in = max(crit * min(0.09, cfg.tol_gap / gap),
                     floor * floor / (2.0 * max(lip.max(), 1e-300)))
        epochs += group_epochs(D, yc, w, r, gws, pen, lip, grams, gptr,
                               cfg.max_epochs - epochs, tol_in, cfg.K)
