"""Schedules for penalty strengths, used like torch's learning-rate schedulers.

A scheduler remembers each penalty's ``alpha`` at construction (``base_alphas``) and sets
``alpha = base_alpha * factor(t)``, with ``t = 0`` at construction and ``t`` increased by
one at each :meth:`PenaltyScheduler.step` (call it once per epoch or per batch, as you
like). Setting ``penalty.alpha`` directly works too; the next ``step()`` overrides it.
"""

import math

from .._validation import check_int, check_scalar
from .base import Penalty

__all__ = ["ExponentialPenalty", "LambdaPenalty", "LinearPenalty", "PenaltyScheduler"]


class PenaltyScheduler:
    """Base class: ``alpha_t = base_alpha * factor(t)`` for every term of a penalty.

    Subclasses implement ``factor(t)``. For a :class:`PenaltySum` every term is scaled
    by the same factor. ``state_dict()`` / ``load_state_dict()`` checkpoint the schedule
    (and restore the penalties' ``alpha``), as for learning-rate schedulers.

    Parameters
    ----------
    penalty : Penalty
        The penalty whose ``alpha`` is scheduled.

    Examples
    --------
    >>> from penalized.torch import L1, PenaltyScheduler
    >>> class Halving(PenaltyScheduler):
    ...     def factor(self, t):
    ...         return 0.5 ** t
    >>> pen = L1(1.0)
    >>> sched = Halving(pen)
    >>> sched.step(); sched.step()
    >>> pen.alpha
    0.25
    """

    def __init__(self, penalty):
        if not isinstance(penalty, Penalty):
            raise TypeError(f"'penalty' must be a Penalty, got {type(penalty).__name__}.")
        self.penalty = penalty
        self.base_alphas = [leaf.alpha for leaf in penalty.leaves()]
        self.last_epoch = -1
        self.step()

    def factor(self, t):
        """Multiplier of the base strengths at step ``t`` (t = 0 at construction)."""
        raise NotImplementedError

    def _apply(self):
        f = self.factor(self.last_epoch)
        if not (isinstance(f, (int, float)) and math.isfinite(f) and f >= 0):
            raise ValueError(
                f"{type(self).__name__}.factor({self.last_epoch}) must be a finite number "
                f">= 0, got {f!r}.")
        for leaf, base in zip(self.penalty.leaves(), self.base_alphas, strict=True):
            leaf.alpha = base * f

    def step(self):
        """Advance the schedule by one and set the penalties' ``alpha``."""
        self.last_epoch += 1
        self._apply()

    def get_last_alpha(self):
        """The strengths set by the last ``step()`` (one per term of the penalty)."""
        return [leaf.alpha for leaf in self.penalty.leaves()]

    def state_dict(self):
        """Schedule state (no penalty, no callables), for checkpoints."""
        return {k: v for k, v in self.__dict__.items()
                if k != "penalty" and not callable(v)}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()`` and set the penalties' ``alpha`` accordingly."""
        self.__dict__.update(state_dict)
        self._apply()

    def __repr__(self):
        return f"{type(self).__name__}({self.penalty!r}, last_epoch={self.last_epoch})"


class LambdaPenalty(PenaltyScheduler):
    """``alpha_t = base_alpha * fn(t)`` (like ``torch.optim.lr_scheduler.LambdaLR``).

    Parameters
    ----------
    penalty : Penalty
    fn : callable
        ``fn(t) -> float >= 0``. It is not part of ``state_dict()``.

    Examples
    --------
    >>> from penalized.torch import L1, LambdaPenalty
    >>> pen = L1(0.1)
    >>> sched = LambdaPenalty(pen, lambda t: min(1.0, t / 4))  # warm up over 4 steps
    >>> pen.alpha
    0.0
    >>> sched.step(); sched.step()
    >>> pen.alpha
    0.05
    """

    def __init__(self, penalty, fn):
        if not callable(fn):
            raise TypeError(f"'fn' must be callable, got {type(fn).__name__}.")
        self.fn = fn
        super().__init__(penalty)

    def factor(self, t):
        return float(self.fn(t))


class LinearPenalty(PenaltyScheduler):
    """Linear ramp of the factor from ``start_factor`` to ``end_factor`` (then constant).

    ``factor(t) = start + (end - start) * min(t, total_iters) / total_iters``; the
    default 0 -> 1 is a warm-up that lets the network fit before sparsifying.

    Parameters
    ----------
    penalty : Penalty
    start_factor, end_factor : float, default=0.0, 1.0
        Factors (>= 0) at ``t = 0`` and ``t >= total_iters``.
    total_iters : int, default=5
        Length of the ramp in steps (>= 1).

    Examples
    --------
    >>> from penalized.torch import GroupLasso, LinearPenalty
    >>> pen = GroupLasso(1e-2)
    >>> sched = LinearPenalty(pen, total_iters=4)
    >>> for _ in range(2):
    ...     sched.step()
    >>> pen.alpha
    0.005
    """

    def __init__(self, penalty, start_factor=0.0, end_factor=1.0, total_iters=5):
        self.start_factor = check_scalar(start_factor, "start_factor", low=0.0)
        self.end_factor = check_scalar(end_factor, "end_factor", low=0.0)
        self.total_iters = check_int(total_iters, "total_iters", low=1)
        super().__init__(penalty)

    def factor(self, t):
        frac = min(t, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * frac


class ExponentialPenalty(PenaltyScheduler):
    """``alpha_t = base_alpha * gamma ** t`` (like ``ExponentialLR``).

    Parameters
    ----------
    penalty : Penalty
    gamma : float
        Factor per step (> 0): < 1 decays the penalty, > 1 strengthens it.

    Examples
    --------
    >>> from penalized.torch import L2, ExponentialPenalty
    >>> pen = L2(1.0)
    >>> sched = ExponentialPenalty(pen, gamma=0.5)
    >>> sched.step()
    >>> pen.alpha
    0.5
    """

    def __init__(self, penalty, gamma):
        self.gamma = check_scalar(gamma, "gamma", low=0.0, low_open=True)
        super().__init__(penalty)

    def factor(self, t):
        return self.gamma ** t
