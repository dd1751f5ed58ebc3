"""``keras.ops`` as the numpy-like namespace of :mod:`penalized._nn.formulas`."""

from keras import backend, ops

__all__ = ["XP", "acc", "read", "tiny", "work_dtype"]


class XP:
    """The array functions :mod:`penalized._nn.formulas` needs, from ``keras.ops``."""

    abs = staticmethod(ops.abs)
    sqrt = staticmethod(ops.sqrt)
    rsqrt = staticmethod(ops.rsqrt)
    where = staticmethod(ops.where)
    zeros_like = staticmethod(ops.zeros_like)

    # by where rather than ops.maximum/minimum, which compute float64 in float32 (Keras's
    # promotion rules follow JAX's default of 32-bit results)
    @staticmethod
    def maximum(x, y):
        return ops.where(x < y, y, x)

    @staticmethod
    def minimum(x, y):
        return ops.where(x > y, y, x)

    @staticmethod
    def clip(x, lo, hi):
        return XP.minimum(XP.maximum(x, lo), hi)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return ops.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return ops.max(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return ops.min(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def norm(x, axis=None, keepdims=False):
        # sqrt of a sum of squares whose gradient is 0 (not NaN) at a zero slice, on
        # every backend: sqrt is only ever evaluated at positive arguments
        s = ops.sum(x * x, axis=axis, keepdims=keepdims)
        pos = s > 0
        return ops.where(pos, ops.sqrt(ops.where(pos, s, ops.ones_like(s))),
                         ops.zeros_like(s))


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
