"""What the adapters' ``Proximal`` wrappers share, apart from the formulas.

* :class:`StepTable`: the step functions of the known optimizer classes, and how
  ``Proximal(step=...)`` picks one ("auto", "lr" or a callable);
* :func:`add_prox_terms`: the L1 weight, L2 weight and group terms acting on one weight;
* :func:`delegated`: a property forwarded to the wrapped optimizer.

Nothing here imports torch or keras.
"""

import warnings

__all__ = ["StepTable", "add_prox_terms", "delegated"]


class StepTable:
    """An adapter's step functions by optimizer class, and the choice ``step=`` makes.

    Parameters
    ----------
    known : tuple of (class, function)
        Optimizer classes and the functions reading their step sizes; the first class
        the optimizer is an instance of wins.
    lr_step : function
        The step of the learning rate: used for ``step="lr"`` and, with a warning, for
        optimizer classes not in ``known``.
    lr_is : str
        What the warning says ``lr_step`` uses.
    signature : str
        The signature of a step function, as the warning shows it.
    """

    def __init__(self, known, lr_step, *, lr_is, signature):
        self.known, self.lr_step = tuple(known), lr_step
        self._lr_is, self._signature = lr_is, signature

    def find(self, optimizer):
        """The step function for ``optimizer``'s class, or None when the class is unknown."""
        for cls, fn in self.known:
            if isinstance(optimizer, cls):
                return fn
        return None

    @staticmethod
    def check(step):
        """ValueError unless ``step`` is "auto", "lr" or a callable."""
        if not (callable(step) or step in ("auto", "lr")):
            raise ValueError(f"The 'step' parameter must be 'auto', 'lr' or a callable, "
                             f"got {step!r}.")

    def resolve(self, step, optimizer, *, stacklevel=3):
        """The step function for ``Proximal(optimizer, step=step)``.

        A callable is used as given, "lr" is ``lr_step``, and "auto" is the function for
        the optimizer's class, or ``lr_step`` with a UserWarning when the class is
        unknown. ``stacklevel`` 3 points the warning at the code that built the Proximal
        when its constructor calls this.
        """
        if callable(step):
            return step
        self.check(step)
        if step == "lr":
            return self.lr_step
        fn = self.find(optimizer)
        if fn is None:
            warnings.warn(
                f"Proximal does not know the step sizes of {type(optimizer).__name__}; it "
                f"uses {self._lr_is} as the proximal step (right for SGD-like updates). "
                f"Pass step='lr' to silence this warning, or a function {self._signature}.",
                UserWarning, stacklevel=stacklevel)
            fn = self.lr_step
        return fn


def add_prox_terms(terms):
    """``(a, b, groups)`` of the ``(a, b, group or None)`` terms acting on one weight.

    ``a`` and ``b`` are the summed L1 and L2 weights, ``groups`` the list of the group
    terms ``(lam, axis)`` that are not None, in order.
    """
    a, b, groups = 0.0, 0.0, []
    for ta, tb, g in terms:
        a, b = a + ta, b + tb
        if g is not None:
            groups.append(g)
    return a, b, groups


def delegated(inner, name, *, settable=True):
    """A property reading (and, if ``settable``, setting) ``self.<inner>.<name>``."""

    def fget(self):
        return getattr(getattr(self, inner), name)

    def fset(self, value):
        setattr(getattr(self, inner), name, value)

    return property(fget, fset if settable else None)
