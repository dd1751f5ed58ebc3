"""GLMs on dask: distributed prox-Newton, one pass over the data per Newton step.

A first pass reduces the weighted column means and variances (centering, constant
columns, ``standardize``) and the labels (classes, class weights). Then each Newton step
is one pass that, at the current coefficients, reduces over blocks the loss, the gradient
``Xc' s l'(eta)`` and the weighted Gram matrices of the quadratic model (for K classes
all K(K+1)/2 blocks of the Hessian ``Xc' diag(s (diag(P) - P P')) Xc``: a full Newton
step, where the in-memory engine goes class by class). On the client the intercepts are
profiled out of the model and the penalized quadratic subproblem is solved by the
in-memory Gram engine (:func:`penalized.solvers.least_squares.gram_solve`); the next
pass, at the proposed point, gives its objective for the Armijo test (a rejected step
costs a line-search pass) and the next model.

The certificate is the in-memory one (:func:`penalized.solvers.certificate.gap_from_sums`):
its conjugate term ``sum_i s_i l*(y_i, c l'(eta_i))`` needs the dual scaling ``c``,
known only after the reduction, so the pass keeps ``(y, s, l'(eta), offset)`` of each
block on its worker and a second reduction over those vectors (not over X) evaluates it.
"""

from dataclasses import dataclass

import numpy as np

from ..penalties.separable import PenaltyArrays
from ..solvers.certificate import gap_from_sums
from ..solvers.least_squares import FullGram, gram_solve
from ..solvers.result import warn_not_converged
from ._moments import block_moments, fold_labels, merge, merge_folds, weighted_sum

__all__ = ["GLMProblem", "class_moments", "free_kkt", "glm_fit", "glm_moments_pass",
           "merge_label_moments"]

_ARMIJO = 1e-4
_EPS = np.finfo(float).eps
_T_GRID = 0.5 ** np.arange(1, 31)  # line-search steps of a rejected Newton step


@dataclass
class GLMProblem:
    """What the passes need: the datafit, how to read the target, the centering and the
    rows (``fold``: the label of the fold left out, None for all rows)."""

    datafit: object
    kind: str  # "numeric", "binary" or "multinomial"
    classes: object  # class labels (binary / multinomial)
    class_weight: object  # per class index, or None
    mu: np.ndarray  # weighted column means of the rows used (zeros without intercept)
    center: bool
    S: float
    fold: object = None
    fold_extra: object = None  # per block (start, bounds) of contiguous folds

    @property
    def K(self):
        return len(self.classes) if self.kind == "multinomial" else 1


def _target(prob, y_raw, s):
    """(y, s) of a block: 0/1 or one-hot targets, class weights folded into s."""
    if prob.kind == "numeric":
        return y_raw, s
    idx = np.searchsorted(prob.classes, y_raw)
    bad = (idx >= len(prob.classes)) | (prob.classes[np.minimum(idx, len(prob.classes) - 1)]
                                        != y_raw)
    if np.any(bad):
        raise ValueError(f"y has labels not seen in the first pass: {y_raw[bad][:3]}.")
    if prob.class_weight is not None:
        cw = prob.class_weight[idx]
        s = cw if s is None else s * cw
    if prob.kind == "binary":
        return (idx == 1).astype(np.float64), s
    return np.eye(len(prob.classes))[idx], s


def _rows(prob, block, i):
    """The block's (X, y, s, offset) with the left-out fold's rows at weight 0."""
    X, y_raw, s, off, fid = block
    y, s = _target(prob, y_raw, s)
    if prob.fold is not None:
        start, bounds = (None, None) if prob.fold_extra is None else prob.fold_extra[i]
        keep = fold_labels(X.shape[0], start, bounds, fid) != prob.fold
        s = keep.astype(np.float64) if s is None else s * keep
    if s is None:
        s = np.ones(X.shape[0])
    return X, y, s, off


def _eta(X, W, b, off):
    eta = X @ W + b
    if off is not None:
        eta = eta + (off[:, None] if eta.ndim == 2 else off)
    return eta


def _newton_block(block, i, extra, prob, W, b):
    X, y, s, off = _rows(prob, block, i)
    loss = prob.datafit
    eta = _eta(X, W, b, off)
    with np.errstate(over="ignore", invalid="ignore"):
        lsum = float(s @ loss.loss(y, eta))
    Xc = X - prob.mu
    K = prob.K
    if K == 1:
        g, h = loss.derivatives(y, eta)
        h = np.maximum(h, loss.hess_floor)
        G, Hw = g[:, None], [[s * h]]
    else:
        P = loss.inverse_link(eta)
        G = P - y
        Hw = [[s * ((k == m) * P[:, k] - P[:, k] * P[:, m]) for m in range(K)]
              for k in range(K)]
    sG = s[:, None] * G
    p = X.shape[1]
    A = np.empty((K, K, p, p))
    a = np.empty((K, K, p))
    c = np.empty((K, K))
    for k in range(K):
        for m in range(k, K):
            wk = Hw[k][m]
            A[k, m] = Xc.T @ (Xc * wk[:, None])
            a[k, m], c[k, m] = Xc.T @ wk, wk.sum()
            if m != k:
                A[m, k], a[m, k], c[m, k] = A[k, m].T, a[k, m], c[k, m]
    sgo = 0.0 if off is None else float(off @ sG[:, 0])
    stats = dict(loss=lsum, Xg=Xc.T @ sG, sg=sG.sum(axis=0), A=A, a=a, c=c, sgo=sgo,
                 S=float(s.sum()), sat=float(s @ loss.saturated(y)))
    return stats, (y, s, G if K > 1 else G[:, 0])


def _add(x, y):
    return {k: x[k] + y[k] for k in x}


def _conj_block(kept, loss, cval):
    y, s, G = kept
    return float(s @ loss.conjugate(y, cval * G))


def _ls_block(block, i, extra, prob, W, b, D, db):
    X, y, s, off = _rows(prob, block, i)
    eta0 = _eta(X, W, b, off)
    d = X @ D + db
    loss = prob.datafit
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([float(s @ loss.loss(y, eta0 + t * d)) for t in _T_GRID])


def glm_moments_pass(runner, kind, fold_extra=None):
    """The first pass: ``{fold: (moments, {label: weighted count})}``, the moments those
    of x and y (numeric y) or ``{label: moments of x}`` (class labels, so that class
    weights known only after the pass weight them: :func:`class_moments`)."""
    return runner.map_reduce(_first_block, _merge_first, kind, extra=fold_extra)


def _first_block(block, i, extra, kind):
    X, y, s, _, fid = block
    if kind == "numeric" and np.any(y < 0):
        raise ValueError(f"Some value(s) of y are negative in block {i}: PoissonRegressor "
                         "needs y >= 0.")
    start, bounds = (None, None) if extra is None else extra
    labels = fold_labels(X.shape[0], start, bounds, fid)
    out = {}
    for k in np.unique(labels):
        rows = labels == k
        key = k.item() if hasattr(k, "item") else k
        sk = None if s is None else s[rows]
        Z = X[rows]
        if kind == "numeric":
            out[key] = (block_moments(np.column_stack([Z, y[rows]]), sk), {})
            continue
        uniq, inv = np.unique(y[rows], return_inverse=True)
        wsum = np.bincount(inv, weights=sk, minlength=uniq.size)
        by_label, counts = {}, {}
        for j, u in enumerate(uniq):
            lab = u.item() if hasattr(u, "item") else u
            rj = inv == j
            by_label[lab] = block_moments(Z[rj], None if sk is None else sk[rj])
            counts[lab] = float(wsum[j])
        out[key] = (by_label, counts)
    return out


def _merge_first(a, b):
    out = dict(a)
    for k, (mom, cnt) in b.items():
        if k in out:
            m0, c0 = out[k]
            c = dict(c0)
            for lab, v in cnt.items():
                c[lab] = c.get(lab, 0.0) + v
            out[k] = (merge_folds(m0, mom) if isinstance(mom, dict) else merge(m0, mom), c)
        else:
            out[k] = (mom, cnt)
    return out


def class_moments(mom, classes=None, class_weight=None):
    """The moments of x over all rows from the first pass's ``{label: moments}`` (with
    each class's rows weighted by its class weight, as the in-memory design's weights
    are), or ``mom`` itself for a numeric target."""
    if not isinstance(mom, dict):
        return mom
    if class_weight is None:
        return weighted_sum(mom, lambda lab: 1.0)
    cw = {c.item() if hasattr(c, "item") else c: w
          for c, w in zip(classes, class_weight, strict=True)}
    return weighted_sum(mom, lambda lab: cw.get(lab, 0.0))


def merge_label_moments(parts):
    """Merge the first pass's moments of several folds (dicts by label, or Moments)."""
    out = None
    for mom in parts:
        if out is None:
            out = mom
        else:
            out = merge_folds(out, mom) if isinstance(mom, dict) else merge(out, mom)
    return out


@dataclass
class GLMResult:
    coef: np.ndarray
    intercept: object
    dual_gap: float
    n_iter: int
    converged: bool


def _model(st, prob, pen, Wf, dead):
    """The reduced quadratic model ``(H, q, yy, C^+, a)`` in the flattened coefficients
    (the intercepts profiled out)."""
    K, S = prob.K, st["S"]
    p = Wf.size // K
    A = st["A"].transpose(0, 2, 1, 3).reshape(K * p, K * p)
    a = st["a"].transpose(0, 2, 1).reshape(K * p, K)
    r = st["Xg"].T.reshape(-1)
    if prob.center:
        Cp = np.linalg.pinv(st["c"], rcond=1e-12, hermitian=True)
        H = (A - a @ Cp @ a.T) / S
        r = (r - a @ (Cp @ st["sg"])) / S
    else:
        Cp = None
        H, r = A / S, r / S
    H = 0.5 * (H + H.T)
    H[dead, :] = 0.0
    H[:, dead] = 0.0
    q = H @ Wf - r
    q[dead] = 0.0
    yy = float(q @ np.linalg.lstsq(H, q, rcond=1e-12)[0]) if q.any() else 0.0
    return H, q, max(yy, 0.0), Cp, a


def glm_fit(runner, prob, pen, *, tol, max_iter, tol_scale=None, W0=None, b0=None,
            warn=True, dead=None):
    """Minimize ``1/S sum_i s_i l(y_i, x_i W + b + o_i) + sum_k penalty(W[:, k])`` by
    distributed prox-Newton; returns a :class:`GLMResult` (and the last statistics)."""
    loss, K, p = prob.datafit, prob.K, prob.mu.size
    W = np.zeros((p, K)) if W0 is None else np.array(W0, dtype=np.float64).reshape(p, K)
    b = np.zeros(K) if b0 is None else np.array(b0, dtype=np.float64).reshape(K)
    if not prob.center:
        b = np.zeros(K)
    pen_t = PenaltyArrays(np.tile(pen.a, K), np.tile(pen.b, K), np.tile(pen.lo, K),
                          np.tile(pen.up, K))
    dead_t = np.zeros(p * K, dtype=bool) if dead is None else np.tile(dead, K)
    unpen = pen.unpenalized

    def evaluate(W, b):
        (st, kept) = runner.map_reduce_keep(_newton_block, _add, prob, _out(W), _out(b))
        S = st["S"]
        V = -st["Xg"] / S
        bc = b + prob.mu @ W

        def conjugate(cval):
            F = runner.reduce_kept(_conj_block, _sum, kept, loss, cval)
            return (F - cval * st["sgo"]) / S

        g_mean = st["sg"] / S if prob.center else None
        gap, primal, kkt_u, _ = gap_from_sums(
            pen, unpen, _out(W), st["loss"] / S, _out(V), conjugate, g_mean,
            bc if prob.center else None)
        return st, gap, primal, free_kkt(kkt_u, W, unpen, g_mean, bc)

    st, gap, primal, kkt_u = evaluate(W, b)
    # what tol is relative to: the start's loss above the saturated loss (the null
    # model's when the start is the null model, as the estimators start)
    scale = (st["loss"] - st["sat"]) / st["S"] if tol_scale is None else tol_scale
    tol_gap = tol * max(scale, np.finfo(float).tiny)
    steps, converged, tight = 0, False, 1.0
    while True:
        if gap <= tol_gap and kkt_u <= tol_gap:
            converged = True
            break
        if steps >= max_iter:
            break
        Wf = W.T.reshape(-1)
        H, q, yy, Cp, a = _model(st, prob, pen_t, Wf, dead_t)
        # passes dominate: each model is solved to well below the outer tolerance (its
        # own gap can be far below the outer one at a warm start whose dual point is
        # scaled down, so a target relative to the outer gap could stop it unmoved)
        inner = tight * 1e-2 * tol_gap
        Wn_f = gram_solve(FullGram.from_arrays(H, q, yy), pen_t, Wf, tol_gap=inner,
                          max_iter=100_000)[0]
        dW = Wn_f - Wf
        dbc = -Cp @ (st["sg"] + a.T @ dW) if prob.center else np.zeros(K)
        Wn = Wn_f.reshape(K, p).T
        bn = b + dbc - prob.mu @ (Wn - W) if prob.center else b
        S = st["S"]
        decrease = float(st["Xg"].T.reshape(-1) @ dW + st["sg"] @ dbc) / S + \
            _pen_change(pen, W, Wn)
        steps += 1
        if not decrease < 0:
            tight *= 1e-3
            if tight < 1e-9:
                break
            continue
        st1, gap1, primal1, kkt1 = evaluate(Wn, bn)
        tiny = -decrease <= 16 * _EPS * abs(primal)
        if primal1 <= primal + _ARMIJO * decrease or (tiny and gap1 < gap):
            if gap1 > 0.5 * gap:
                # the step left the certificate nearly where it was: the model was solved
                # too loosely for it (a weak L1 penalty certifies only once the gradient
                # is below alpha, far below the model's absolute target), so solve the
                # next ones tighter (a pass per step, client work only)
                tight = max(tight * 1e-3, 1e-12)
            W, b, st, gap, primal, kkt_u = Wn, bn, st1, gap1, primal1, kkt1
            continue
        if tiny:
            break  # steps below the objective's rounding level no longer help
        f_t = runner.map_reduce(_ls_block, _add_arrays, prob, _out(W), _out(b),
                                _out(Wn - W), _out(bn - b)) / S
        ok = [j for j, t in enumerate(_T_GRID)
              if f_t[j] + _pen_value(pen, W + t * (Wn - W)) <= primal + _ARMIJO * t * decrease]
        if not ok:
            tight *= 1e-3
            if tight < 1e-9:
                break
            continue
        t = _T_GRID[ok[0]]
        W, b = W + t * (Wn - W), b + t * (bn - b)
        st, gap, primal, kkt_u = evaluate(W, b)
    if not converged and warn:
        warn_not_converged(f"Distributed prox-Newton ({loss.name})", gap, tol_gap, tol,
                           "the null model's excess loss", max_iter=max_iter,
                           stalled=steps < max_iter, stacklevel=4)
    return GLMResult(coef=_out(W), intercept=_out(b), dual_gap=float(gap),
                     n_iter=max(steps, 1), converged=converged), st


def free_kkt(kkt_u, W, unpen, g_mean, b_c):
    """The optimality test of the unpenalized coefficients, as the in-memory engines':
    their largest gradient times (1 + their largest size), for the unpenalized features
    and, with an intercept, for the intercepts. The gap's intercept term is no test of
    the intercepts: with ``c g_mean`` opposite in sign to ``b_c`` it cancels against the
    primal-dual difference (a fold's fit started from the full data's intercept has a
    zero gap at ``W = 0``), so a stale intercept is caught here."""
    W = np.asarray(W)
    out = kkt_u * (1.0 + float(np.max(np.abs(W[unpen]), initial=0.0)))
    if g_mean is not None:
        out = max(out, float(np.max(np.abs(g_mean))) *
                  (1.0 + float(np.max(np.abs(b_c)))))
    return out


def _out(A):
    """(p, 1) -> (p,) and (1,) -> scalar array for single-output problems."""
    A = np.asarray(A, dtype=np.float64)
    return A[..., 0] if A.shape[-1] == 1 else A


def _pen_value(pen, W):
    W = np.asarray(W).reshape(pen.a.size, -1)
    return sum(pen.value(W[:, k]) for k in range(W.shape[1]))


def _pen_change(pen, W, Wn):
    return sum(pen.value_change(W[:, k], Wn[:, k]) for k in range(W.shape[1]))


def _sum(x, y):
    return x + y


def _add_arrays(x, y):
    return x + y
