"""``Proximal``: wrap a Keras optimizer so penalties are applied as exact proximal steps."""

import weakref

import keras
from keras import ops

from .._nn import formulas
from .._nn.proximal import delegated
from ._ops import XP, read, tiny, work_dtype
from ._steps import STEPS
from .penalties import Penalty

__all__ = ["Proximal"]


class _Item:
    """One penalized variable and its penalty (a plain object: Keras's attribute tracking
    must not mistake the model's variables for optimizer variables)."""

    __slots__ = ("penalty", "variable")

    def __init__(self, variable, penalty):
        self.variable, self.penalty = variable, penalty
        penalty.prox_terms(variable.shape)  # validates e.g. GroupLasso's axis now


class _Plan:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


@keras.saving.register_keras_serializable(package="penalized")
class Proximal(keras.optimizers.Optimizer):
    """Optimizer wrapper that applies the exact proximal step of the regularizers.

    ``Proximal(optimizer)`` runs ``optimizer``'s update and then replaces each trainable
    weight ``w`` whose regularizer is a penalized :class:`Penalty` (``L1``, ``L2``,
    ``ElasticNet``, ``GroupLasso`` or a sum) by its proximal point for the step just
    taken::

        w <- argmin_z  sum_i (z_i - w_i)^2 / (2 eta_i)  +  penalty(z)

    so L1 and group penalties produce exact zeros, which gradient steps on the loss plus
    the penalty never do. ``eta`` is the optimizer's own step: the learning rate for SGD
    (with or without momentum) and the per-coordinate step ``lr * sqrt(1 - beta_2^t) /
    (sqrt(v) + epsilon)`` for Adam and AdamW (Adamax, Adagrad and RMSprop likewise). Once
    the Proximal is built (``fit`` builds it before the first step) those regularizers
    contribute 0 to the loss: the penalty is applied once, exactly, not also as a loss
    term. Other regularizers (e.g. ``keras.regularizers.L2``) stay loss terms.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        The optimizer to wrap. Its ``learning_rate`` (a float, a schedule or a callable)
        scales the proximal step; it must not use ``use_ema`` (the averaged weights it
        writes back are not sparse) or ``gradient_accumulation_steps``.
    step : {"auto", "lr"} or callable, default="auto"
        Step sizes of the prox. "auto" uses the optimizer's own steps for the classes
        above and the learning rate for SGD (other classes: the learning rate, with a
        warning); "lr" always uses the learning rate (decoupled, like AdamW's weight
        decay); a callable ``step(optimizer, variable, learning_rate, dtype)`` returns a
        scalar or a tensor shaped like the variable (use a registered Keras serializable
        function to save a model compiled with it).
    name : str, default=None

    Notes
    -----
    Per weight, the proximal steps are applied in this order:

    1. soft-thresholding by ``eta * a``, ``a`` the total L1 weight (``alpha *
       l1_ratio``): ``w <- sign(w) * max(|w| - eta * a, 0)``;
    2. block soft-thresholding for the group term (:class:`GroupLasso`), the exact prox in
       the metric ``diag(1/eta)`` also when ``eta`` differs per coordinate;
    3. the L2 part, decoupled as in AdamW: ``w <- w / (1 + lr * b)`` with ``b = alpha *
       (1 - l1_ratio)``.

    With full-batch SGD and ``lr = 1 / L`` this is the proximal gradient method (ISTA): a
    ``Dense(1)`` trained on the loss ``0.5 * mean squared error`` reaches the
    coefficients of :class:`penalized.Lasso`. The arithmetic is shared with
    ``penalized.torch.Proximal`` (:mod:`penalized._nn.formulas`) and uses only
    ``keras.ops``. Weights without a gradient in a step are skipped. ``alpha`` is read
    when the train function is traced (every step on the torch backend). In a custom
    training loop call ``proximal.build(model.trainable_variables)`` before computing the
    first loss, so that the regularizers already contribute 0 to it.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from penalized.keras import L1, Proximal
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)).astype("float32")
    >>> y = X[:, :1] - 2 * X[:, 1:2]                     # only two inputs matter
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((5,)),
    ...                           keras.layers.Dense(1, kernel_regularizer=L1(0.05))])
    >>> model.compile(optimizer=Proximal(keras.optimizers.SGD(0.1)), loss="mse")
    >>> _ = model.fit(X, y, batch_size=100, epochs=300, verbose=0)
    >>> kernel = model.layers[0].kernel.numpy().ravel()
    >>> bool(np.all(kernel[2:] == 0))                    # exact zeros
    True
    >>> np.round(kernel[:2], 2)
    array([ 0.97, -1.97], dtype=float32)
    >>> float(model.losses[0])                          # not in the loss...
    0.0
    >>> round(float(L1(0.05).value(model.layers[0].kernel)), 3)  # ...but still there
    0.147
    """

    def __init__(self, optimizer, *, step="auto", name=None, **kwargs):
        if not isinstance(optimizer, keras.optimizers.Optimizer) or isinstance(
                optimizer, Proximal):
            raise ValueError(
                "Proximal wraps a keras.optimizers.Optimizer (not another Proximal), got "
                f"{type(optimizer).__name__}.")
        if getattr(optimizer, "use_ema", False):
            raise ValueError(
                f"Proximal cannot wrap {type(optimizer).__name__}(use_ema=True): the moving "
                "averages it writes back into the weights are not sparse.")
        if getattr(optimizer, "gradient_accumulation_steps", None):
            raise ValueError(
                f"Proximal cannot wrap {type(optimizer).__name__} with "
                "gradient_accumulation_steps: it applies the prox after every update.")
        for key, default in (("learning_rate", None), ("weight_decay", None)):
            if kwargs.get(key, default) is not None:
                raise ValueError(f"Proximal does not take '{key}': set it on the wrapped "
                                 "optimizer.")
        kwargs.pop("learning_rate", None)
        kwargs.pop("weight_decay", None)
        if kwargs:
            raise ValueError(f"Proximal does not take the arguments {sorted(kwargs)}.")
        STEPS.check(step)
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = optimizer
        self.step = step
        self._step_fn = STEPS.resolve(step, optimizer)
        self._plan = _Plan([])
        self._owned = _Plan([])

    # -- building: which variables, and which penalties stop being loss terms ----------
    def build(self, var_list):
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(var_list)
        super().build(var_list)
        items = []
        for v in var_list:
            reg = getattr(v, "regularizer", None)
            if isinstance(reg, Penalty):
                items.append(_Item(v, reg))
        self._own([it.penalty for it in items])
        self._plan = _Plan(items)

    def _own(self, penalties):
        self.release()
        leaves = []
        for pen in penalties:
            for leaf in pen.leaves():
                leaf._owners.add(self)
                leaves.append(weakref.ref(leaf))
        self._owned = _Plan(leaves)

    def release(self):
        """Stop applying the penalties: they become loss terms again (retrace or recompile
        on the JAX and TensorFlow backends)."""
        for ref in self._owned.items:
            leaf = ref()
            if leaf is not None:
                leaf._owners.discard(self)
        self._owned = _Plan([])
        self._plan = _Plan([])

    @property
    def penalized_variables(self):
        """The variables this optimizer applies proximal steps to."""
        return [it.variable for it in self._plan.items]

    # -- the step -----------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        """Apply the wrapped optimizer's update, then the proximal steps."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("Proximal must be built before apply() without "
                                 "trainable_variables: call build(trainable_variables).")
            trainable_variables = list(trainable_variables)
            with keras.name_scope(self.name, caller=self):
                self.build(trainable_variables)
            self.built = True
        tvars = (self._trainable_variables if trainable_variables is None
                 else list(trainable_variables))
        # the learning rate of this step (a schedule moves on with the iterations)
        lr = ops.convert_to_tensor(self.inner_optimizer.learning_rate)
        self.inner_optimizer.apply(grads, trainable_variables)
        grad_of = {id(v): g for v, g in zip(tvars, grads, strict=False)}
        for item in self._plan.items:
            if grad_of.get(id(item.variable)) is not None:
                self._prox(item, lr)

    def _prox(self, item, lr):
        v = item.variable
        # the terms are read at every step: alpha may change between steps
        a, b, groups = item.penalty.prox_terms(v.shape)
        groups = [(lam, axis) for lam, axis in groups if lam > 0]
        if a <= 0 and b <= 0 and not groups:
            return
        x = read(v)
        dtype = work_dtype(x.dtype)
        lr = ops.cast(lr, dtype)
        if a > 0 or groups:
            eta = ops.cast(self._step_fn(self.inner_optimizer, v, lr, dtype), dtype)
            per_coordinate = len(eta.shape) > 0
            if a > 0:
                x = formulas.soft_threshold(XP, x, eta * a)
            for lam, axis in groups:
                if per_coordinate:  # eta = 0 (lr = 0) would divide by zero: no step
                    moving = eta > 0
                    z = formulas.group_soft_threshold(
                        XP, x, lam, axis, ops.where(moving, eta, ops.ones_like(eta)),
                        per_coordinate=True, tiny=tiny(dtype))
                    x = ops.where(moving, z, x)
                else:
                    x = formulas.group_soft_threshold(XP, x, lam, axis, eta, tiny=tiny(dtype))
        if b > 0:
            x = formulas.l2_shrink(x, lr, b)
        v.assign(ops.cast(x, v.dtype))

    # -- delegated to the wrapped optimizer -------------------------------------------
    @property
    def variables(self):
        return self._variables[:] + self.inner_optimizer.variables

    learning_rate = delegated("inner_optimizer", "learning_rate")
    iterations = delegated("inner_optimizer", "iterations", settable=False)

    def scale_loss(self, loss):
        return self.inner_optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        step = self.step
        if callable(step):
            step = keras.saving.serialize_keras_object(step)
        return {"name": self.name,
                "optimizer": keras.saving.serialize_keras_object(self.inner_optimizer),
                "step": step}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects)
        step = config.pop("step", "auto")
        if isinstance(step, dict):
            step = keras.saving.deserialize_keras_object(step, custom_objects=custom_objects)
        return cls(optimizer, step=step, **config)

    def __repr__(self):
        return f"Proximal({type(self.inner_optimizer).__name__})"
