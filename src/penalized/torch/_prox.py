"""Proximal operators on tensors, in place (the arithmetic of :class:`Proximal`).

``step`` is either a number (the same step for every coordinate, as in SGD) or a tensor
shaped like the parameter (one step per coordinate, as in Adam). With per-coordinate
steps ``eta_i`` the operators solve the proximal problem in the metric ``diag(1/eta)``::

    argmin_z  sum_i (z_i - w_i)^2 / (2 eta_i)  +  penalty(z).
"""

import torch

__all__ = ["group_soft_threshold_", "soft_threshold_", "work_dtype"]

_NEWTON_STEPS = 8  # converges to rounding error for step ratios up to e^20 (see tests)


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
        x = x - torch.clamp(x, -thr, thr)
    else:
        x = x - torch.clamp(x, -thr, thr)
    w.copy_(x)
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
    any device and under ``torch.compile``.
    """
    x = w.to(work_dtype(w.dtype))
    if x.ndim == 0:
        raise ValueError("group soft-thresholding needs a tensor with at least one dim")
    red = [i for i in range(x.ndim) if i != dim % x.ndim]
    lam = _group_view(lam, x, dim % x.ndim)
    tiny = torch.finfo(x.dtype).tiny
    if not isinstance(step, torch.Tensor) or step.ndim == 0:
        norm = torch.linalg.vector_norm(x, dim=red, keepdim=True) if red else x.abs()
        scale = torch.clamp(1.0 - (step * lam) / torch.clamp(norm, min=tiny), min=0.0)
        w.copy_(x * scale)
        return w
    d = 1.0 / step.to(x.dtype)
    a = d * x

    def _sum(t):
        return t.sum(dim=red, keepdim=True) if red else t

    def _amax(t):
        return t.amax(dim=red, keepdim=True) if red else t

    def _amin(t):
        return t.amin(dim=red, keepdim=True) if red else t

    na = torch.sqrt(_sum(a * a))
    alive = na > lam
    excess = torch.clamp(na - lam, min=0.0)
    lo = excess / _amax(d)
    hi = excess / _amin(d)
    r = lo
    for _ in range(_NEWTON_STEPS):
        den = torch.clamp(d * r + lam, min=tiny)
        u2 = (a / den) ** 2
        s = torch.clamp(_sum(u2), min=tiny)
        ds = -2.0 * _sum(u2 * d / den)
        chi = s.rsqrt()
        dchi = -0.5 * chi / s * ds
        r = torch.minimum(torch.maximum(r - (chi - 1.0) / dchi, lo), hi)
    z = a * r / torch.clamp(d * r + lam, min=tiny)
    w.copy_(torch.where(alive, z, torch.zeros_like(z)))
    return w
