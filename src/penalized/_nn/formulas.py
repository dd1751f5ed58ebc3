"""Penalty values, proximal operators and step sizes over a numpy-like namespace ``xp``.

The arithmetic of penalized's neural-network adapters, written once: ``penalized.torch``
calls it with a namespace of torch functions, ``penalized.keras`` with one of
``keras.ops`` (so it runs on every Keras backend), and the tests may call it with numpy.
``xp`` must provide, with numpy's names and semantics::

    abs, sqrt, rsqrt, sum, max, min          (the reductions take axis= and keepdims=)
    maximum, minimum, clip                   (a bound may be a Python number)
    where, zeros_like
    norm(x, axis, keepdims)                  (Euclidean norm over ``axis``; its gradient
                                              must be 0, not NaN, at a zero slice)

:func:`namespace` builds such an ``xp`` from an array module: the elementwise functions
:data:`ELEMENTWISE` come from the module, the rest (:data:`ADAPTED`) are given.

The functions never branch on data (only on shapes and Python numbers), so they trace
unchanged under ``torch.compile``, ``jax.jit`` and ``tf.function``. They return new
arrays; converting dtypes and writing results back is the adapters' job.

Scaling (the same as penalized's estimators)::

    elastic net   a * sum |w| + b / 2 * sum w^2    with a = alpha * l1_ratio,
                                                        b = alpha * (1 - l1_ratio)
    group lasso   lam * sum_g ||w_g||_2             (groups: slices along one axis)
"""

import math

from ..penalties.elastic_net import ElasticNet as _CoreElasticNet

__all__ = [
    "ADAPTED",
    "ELEMENTWISE",
    "NEWTON_STEPS",
    "adaptive_step",
    "elastic_net_coefs",
    "elastic_net_value",
    "group_lasso_value",
    "group_soft_threshold",
    "l2_shrink",
    "namespace",
    "other_axes",
    "size_weight",
    "soft_threshold",
]

NEWTON_STEPS = 8  # converges to rounding error for step ratios up to e^20 (see tests)

# the functions of ``xp``: those numpy, torch and keras.ops all have with numpy's
# signature, and those an adapter writes (other names, keywords or numerics)
ELEMENTWISE = ("abs", "sqrt", "rsqrt", "where", "zeros_like")
ADAPTED = ("sum", "max", "min", "maximum", "minimum", "clip", "norm")


def namespace(module, doc, **adapted):
    """An ``xp`` class: :data:`ELEMENTWISE` from ``module``, :data:`ADAPTED` as given."""
    if set(adapted) != set(ADAPTED):
        raise TypeError(f"namespace() needs exactly {ADAPTED}, got {tuple(adapted)}.")
    attrs = {name: staticmethod(getattr(module, name)) for name in ELEMENTWISE}
    attrs.update({name: staticmethod(fn) for name, fn in adapted.items()})
    return type("XP", (), {"__doc__": doc, **attrs})


# ------------------------------------------------------------------------ coefficients
def elastic_net_coefs(alpha, l1_ratio):
    """``(a, b)``: the L1 and L2 weights of ``alpha`` and ``l1_ratio``, as floats.

    The split of penalized's core :class:`~penalized.penalties.ElasticNet` (which also
    validates ``l1_ratio`` in [0, 1]).
    """
    arr = _CoreElasticNet(alpha, l1_ratio).arrays(1)
    return float(arr.a[0]), float(arr.b[0])


def other_axes(ndim, axis):
    """The axes other than ``axis`` (the ones a group norm reduces over), as a tuple."""
    axis = axis % ndim
    return tuple(i for i in range(ndim) if i != axis)


def size_weight(shape, axis):
    """``sqrt(group size)`` for the groups along ``axis`` of an array of ``shape``."""
    return math.sqrt(math.prod(shape) / shape[axis])


# ------------------------------------------------------------------------------ values
def elastic_net_value(xp, w, a, b, *, l1=True, l2=True):
    """``a * sum|w| + 0.5 * b * sum w^2``; ``l1``/``l2`` False leave a term out."""
    out = None
    if l1:
        out = a * xp.sum(xp.abs(w))
    if l2:
        t = 0.5 * b * xp.sum(w * w)
        out = t if out is None else out + t
    return out


def group_lasso_value(xp, w, axis, lam):
    """``lam * sum_g ||w_g||_2`` over the slices of ``w`` along ``axis``."""
    red = other_axes(len(w.shape), axis)
    norms = xp.norm(w, axis=red, keepdims=False) if red else xp.abs(w)
    return lam * xp.sum(norms)


# ---------------------------------------------------------------------- prox operators
def soft_threshold(xp, x, thr):
    """``sign(x) * max(|x| - thr, 0)``: exact zeros where ``|x| <= thr``.

    ``thr`` is a number or an array broadcastable to ``x`` (one step per coordinate).
    """
    return x - xp.clip(x, -thr, thr)


def l2_shrink(x, lr, b):
    """The decoupled L2 step ``x / (1 + lr * b)`` (AdamW's ``x * (1 - lr * b)`` to first
    order; the exact prox of ``b / 2 * ||x||^2`` for the scalar step ``lr``)."""
    return x / (1.0 + lr * b)


def group_soft_threshold(xp, x, lam, axis, step=1.0, *, per_coordinate=False, tiny):
    """Block soft-thresholding of the slices of ``x`` along ``axis``.

    Solves ``argmin_z sum_i (z_i - x_i)^2 / (2 step_i) + sum_g lam_g ||z_g||_2``. A group
    becomes exactly zero when ``||x_g / step_g||_2 <= lam_g``.

    Parameters
    ----------
    xp : namespace
        The array functions (see the module docstring).
    x : array
    lam : number or array
        The group weight, or one per group already shaped to broadcast against ``x``.
    axis : int
        The axis that indexes the groups.
    step : number or array, default=1.0
        One step for all coordinates (a number or a 0-d array), or, with
        ``per_coordinate=True``, an array shaped like ``x`` (as for Adam).
    per_coordinate : bool, default=False
        Whether ``step`` differs per coordinate.
    tiny : float
        The smallest positive normal number of ``x``'s dtype (guards divisions).

    Notes
    -----
    With one step ``t`` this is ``z_g = max(1 - t * lam_g / ||x_g||, 0) * x_g``. With
    per-coordinate steps (``d = 1/step``) the solution is ``z_i = d_i x_i r / (d_i r +
    lam_g)``, where the radius ``r = ||z_g||`` solves ``sum_i (d_i x_i / (d_i r +
    lam_g))^2 = 1``; ``r`` is found by a fixed number (:data:`NEWTON_STEPS`) of Newton
    iterations on the nearly linear function ``(sum_i (d_i x_i / (d_i r + lam_g))^2)^(-1/2)
    - 1``, started at a lower bound of the root and kept inside a bracket: no
    data-dependent branching.
    """
    red = other_axes(len(x.shape), axis)
    if not per_coordinate:
        norm = xp.norm(x, axis=red, keepdims=True) if red else xp.abs(x)
        scale = xp.maximum(1.0 - (step * lam) / xp.maximum(norm, tiny), 0.0)
        return x * scale
    d = 1.0 / step
    a = d * x

    def _sum(t):
        return xp.sum(t, axis=red, keepdims=True) if red else t

    def _amax(t):
        return xp.max(t, axis=red, keepdims=True) if red else t

    def _amin(t):
        return xp.min(t, axis=red, keepdims=True) if red else t

    na = xp.sqrt(_sum(a * a))
    alive = na > lam
    excess = xp.maximum(na - lam, 0.0)
    lo = excess / _amax(d)
    hi = excess / _amin(d)
    r = lo
    for _ in range(NEWTON_STEPS):
        den = xp.maximum(d * r + lam, tiny)
        u2 = (a / den) ** 2
        s = xp.maximum(_sum(u2), tiny)
        ds = -2.0 * _sum(u2 * d / den)
        chi = xp.rsqrt(s)
        dchi = -0.5 * chi / s * ds
        r = xp.minimum(xp.maximum(r - (chi - 1.0) / dchi, lo), hi)
    z = a * r / xp.maximum(d * r + lam, tiny)
    return xp.where(alive, z, xp.zeros_like(z))


# -------------------------------------------------------------------------- step sizes
def adaptive_step(xp, lr, s, eps, *, bias_correction=1.0, eps_inside_sqrt=False):
    """Per-coordinate step ``eta`` of an update ``w <- w - eta * direction``.

    ``lr / (sqrt(s / bias_correction) + eps)``, or ``lr / sqrt(s + eps)`` with
    ``eps_inside_sqrt``, for the second-moment estimate ``s`` of an adaptive optimizer::

        Adam, AdamW (torch)   s = exp_avg_sq, bias_correction = 1 - beta2^t
        Adam, AdamW (Keras)   the same with eps / sqrt(1 - beta2^t): Keras adds eps to
                              sqrt(v) before the bias correction
        Adagrad               s = sum of squared gradients (Keras: eps_inside_sqrt)
        RMSprop               s = mean square [- mean^2 if centered] (Keras:
                              eps_inside_sqrt)

    Adamax's step ``lr / (u + eps)`` has no square root and is computed by the adapters.
    """
    if eps_inside_sqrt:
        return lr / xp.sqrt(s + eps)
    if not (isinstance(bias_correction, (int, float)) and bias_correction == 1.0):
        s = s / bias_correction
    return lr / (xp.sqrt(s) + eps)
