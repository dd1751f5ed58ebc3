"""Step sizes of Keras optimizers: the metric in which :class:`Proximal` takes the prox.

For an update ``w <- w - eta * direction`` the proximal step uses the same ``eta``, read
from the optimizer's state after its update (``t`` is then the step just taken)::

    SGD (any momentum)   eta = lr
    Adam, AdamW          eta = lr * sqrt(1 - beta_2^t) / (sqrt(v) + epsilon)
                         (v the velocity, or velocity_hat with amsgrad)
    Adamax               eta = lr / (u + epsilon)         (u the infinity norm)
    Adagrad              eta = lr / sqrt(accumulator + epsilon)
    RMSprop              eta = lr / sqrt(velocity [- average_gradient^2] + epsilon)

These are Keras's own formulas, which place ``epsilon`` differently from PyTorch's; both
adapters compute them with :func:`penalized._nn.formulas.adaptive_step`. Each function
takes ``(optimizer, variable, lr, dtype)`` and returns ``eta``: a scalar tensor for SGD,
a tensor shaped like the variable otherwise.
"""

import keras
from keras import ops

from .._nn.formulas import adaptive_step
from .._nn.proximal import StepTable
from ._ops import XP, read

__all__ = ["KNOWN", "STEPS", "lr_step", "step_function"]


def _state(opt, name, variable, dtype):
    return ops.cast(read(getattr(opt, name)[opt._get_variable_index(variable)]), dtype)


def lr_step(opt, variable, lr, dtype):
    return lr


def _adam(opt, variable, lr, dtype):
    v = _state(opt, "_velocity_hats" if opt.amsgrad else "_velocities", variable, dtype)
    t = ops.cast(opt.iterations, dtype)  # the step just taken (counted from 1)
    beta_2 = opt.beta_2
    # a Python number's ** keeps float64 (ops.power computes it in float32)
    bc2 = 1.0 - (beta_2 ** t if isinstance(beta_2, (int, float))
                 else ops.power(ops.cast(beta_2, dtype), t))
    # Keras adds epsilon to sqrt(v) before the bias correction: in units of sqrt(v_hat)
    # it is epsilon / sqrt(bc2)
    return adaptive_step(XP, lr, v, opt.epsilon / ops.sqrt(bc2), bias_correction=bc2)


def _adamax(opt, variable, lr, dtype):
    return lr / (_state(opt, "_u", variable, dtype) + opt.epsilon)


def _adagrad(opt, variable, lr, dtype):
    s = _state(opt, "_accumulators", variable, dtype)
    return adaptive_step(XP, lr, s, opt.epsilon, eps_inside_sqrt=True)


def _rmsprop(opt, variable, lr, dtype):
    s = _state(opt, "_velocities", variable, dtype)
    if opt.centered:
        s = s - ops.square(_state(opt, "_average_gradients", variable, dtype))
    return adaptive_step(XP, lr, s, opt.epsilon, eps_inside_sqrt=True)


KNOWN = (
    (keras.optimizers.Adam, _adam),  # AdamW is an Adam
    (keras.optimizers.Adamax, _adamax),
    (keras.optimizers.Adagrad, _adagrad),
    (keras.optimizers.RMSprop, _rmsprop),
    (keras.optimizers.SGD, lr_step),
)


STEPS = StepTable(KNOWN, lr_step, lr_is="the learning rate",
                  signature="step(optimizer, variable, learning_rate, dtype)")
step_function = STEPS.find
