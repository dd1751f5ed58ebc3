"""Proximal operators on tensors, in place (the arithmetic of :class:`Proximal`).

``step`` is either a number (the same step for every coordinate, as in SGD) or a tensor
shaped like the parameter (one step per coordinate, as in Adam). With per-coordinate
steps ``eta_i`` the operators solve the proximal problem in the metric ``diag(1/eta)``::

    argmin_z  sum_i (z_i - w_i)^2 / (2 eta_i)  +  penalty(z).

The formulas live in :mod:`penalized._nn.formulas` (shared with ``penalized.keras``);
this module supplies them with torch functions (:data:`XP`) and writes results back in
place.
"""

import torch

from .._nn import formulas

__all__ = ["XP", "group_soft_threshold_", "soft_threshold_", "work_dtype"]


def _clamp_min(x, y):
    return torch.maximum(x, y) if isinstance(y, torch.Tensor) else torch.clamp(x, min=y)


def _clamp_max(x, y):
    return torch.minimum(x, y) if isinstance(y, torch.Tensor) else torch.clamp(x, max=y)


def _sum(x, axis=None, keepdims=False):
    return x.sum() if axis is None else torch.sum(x, dim=axis, keepdim=keepdims)


def _max(x, axis=None, keepdims=False):
    return torch.amax(x, dim=axis, keepdim=keepdims)


def _min(x, axis=None, keepdims=False):
    return torch.amin(x, dim=axis, keepdim=keepdims)


def _norm(x, axis=None, keepdims=False):
    # vector_norm has a zero (sub)gradient at a zero slice, not NaN
    return torch.linalg.vector_norm(x, dim=axis, keepdim=keepdims)


XP = formulas.namespace(
    torch, "The numpy-like namespace of :mod:`penalized._nn.formulas`, on torch.",
    sum=_sum, max=_max, min=_min, maximum=_clamp_min, minimum=_clamp_max, clip=torch.clamp,
    norm=_norm)


def work_dtype(dtype):
    """float64 stays float64; float32, float16 and bfloat16 are computed in float32."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def soft_threshold_(w, thr):
    """``w <- sign(w) * max(|w| - thr, 0)`` in place; exact zeros where ``|w| <= thr``.

    ``thr`` is a number or a tensor broadcastable to ``w``.
    """
    x = w.to(work_dtype(w.dtype))
    if isinstance(thr, torch.Tensor):
        thr = thr.to(x.dtype)
    w.copy_(formulas.soft_threshold(XP, x, thr))
    return w


def _group_view(lam, x, dim):
    """``lam`` (number or one value per group) shaped to broadcast against ``x``."""
    if isinstance(lam, torch.Tensor) and lam.ndim == 1:
        shape = [1] * x.ndim
        shape[dim] = -1
        return lam.to(x.dtype).reshape(shape)
    return lam


def group_soft_threshold_(w, lam, dim, step=1.0):
    """Block soft-thresholding of the slices ``w.select(dim, g)`` in place.

    Solves ``argmin_z sum_i (z_i - w_i)^2 / (2 step_i) + sum_g lam_g ||z_g||_2``. A group
    becomes exactly zero when ``||w_g / step_g||_2 <= lam_g``. With one step per group this
    is ``z_g = max(1 - step * lam_g / ||w_g||, 0) * w_g``. With per-coordinate steps
    (``d = 1/step``) the solution is ``z_i = d_i w_i r / (d_i r + lam_g)`` where the radius
    ``r = ||z_g||`` solves ``sum_i (d_i w_i / (d_i r + lam_g))^2 = 1``; ``r`` is found by
    a fixed number of Newton iterations on the nearly linear function
    ``(sum_i (d_i w_i / (d_i r + lam_g))^2)^(-1/2) - 1``, started at a lower bound of the
    root and kept inside a bracket: no data-dependent branching, so it runs unchanged on
    any device and under ``torch.compile`` (see
    :func:`penalized._nn.formulas.group_soft_threshold`).
    """
    x = w.to(work_dtype(w.dtype))
    if x.ndim == 0:
        raise ValueError("group soft-thresholding needs a tensor with at least one dim")
    dim = dim % x.ndim
    lam = _group_view(lam, x, dim)
    per_coordinate = isinstance(step, torch.Tensor) and step.ndim > 0
    if per_coordinate:
        step = step.to(x.dtype)
    z = formulas.group_soft_threshold(XP, x, lam, dim, step, per_coordinate=per_coordinate,
                                      tiny=torch.finfo(x.dtype).tiny)
    w.copy_(z)
    return w
