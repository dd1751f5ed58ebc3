"""``keras.ops`` as the numpy-like namespace of :mod:`penalized._nn.formulas`."""

from keras import backend, ops

from .._nn import formulas

__all__ = ["XP", "acc", "read", "tiny", "work_dtype"]


# by where rather than ops.maximum/minimum, which compute float64 in float32 (Keras's
# promotion rules follow JAX's default of 32-bit results)
def _maximum(x, y):
    return ops.where(x < y, y, x)


def _minimum(x, y):
    return ops.where(x > y, y, x)


def _clip(x, lo, hi):
    return _minimum(_maximum(x, lo), hi)


def _norm(x, axis=None, keepdims=False):
    # sqrt of a sum of squares whose gradient is 0 (not NaN) at a zero slice, on every
    # backend: sqrt is only ever evaluated at positive arguments
    s = ops.sum(x * x, axis=axis, keepdims=keepdims)
    pos = s > 0
    return ops.where(pos, ops.sqrt(ops.where(pos, s, ops.ones_like(s))), ops.zeros_like(s))


XP = formulas.namespace(
    ops, "The array functions :mod:`penalized._nn.formulas` needs, from ``keras.ops``.",
    sum=ops.sum, max=ops.max, min=ops.min, maximum=_maximum, minimum=_minimum, clip=_clip,
    norm=_norm)


def work_dtype(dtype):
    """float64 stays float64; float32, float16 and bfloat16 are computed in float32."""
    return "float64" if backend.standardize_dtype(dtype) == "float64" else "float32"


def tiny(dtype):
    """Smallest positive normal number of a work dtype."""
    return 2.2250738585072014e-308 if dtype == "float64" else 1.1754943508222875e-38


def acc(x):
    """A variable or tensor as a tensor in its work dtype (differentiable)."""
    x = ops.convert_to_tensor(x)
    return ops.cast(x, work_dtype(x.dtype))


def read(x):
    """The value of a variable or tensor in its work dtype, without gradient."""
    x = ops.stop_gradient(ops.convert_to_tensor(x))
    return ops.cast(x, work_dtype(x.dtype))
