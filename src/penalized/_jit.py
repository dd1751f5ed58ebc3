"""``njit``: the decorator of penalized's kernels, numba's with a lighter on-disk cache load.

Every kernel is ``@njit(cache=True, ...)``. When numba loads a compiled kernel from its
on-disk cache it first refreshes its whole target context: it imports and registers the
typing and lowering implementations of every numba feature (about 65 modules: 0.08-0.12 s
of a warm process's first ``Lasso().fit``, a third of penalized's start-up beyond
scikit-learn's), none of which loading machine code uses. The cache of the kernels
decorated here loads a kernel after setting up only what its machine code links against:

* numba's runtime (NRT: allocation of arrays), ``rtsys.initialize``, the one symbol-table
  step of the refresh;
* numba's C helpers, the C math functions and CPython's exception classes, which numba
  registers when the target context is created, before any load.

Two numba modules register further symbols when imported, which the refresh would have
imported: ``numba.np.ufunc.parallel`` (``parallel=True``: refused here) and
``numba.cpython.hashing`` (``hash`` of strings and tuples: no kernel hashes; in the fits
tested, the numba modules the cached environments name import it). ``tests/test_jit.py`` runs
every family's first fit in a fresh process, each kernel loaded this way. Compiling (a
cache miss) goes through numba's compiler, which refreshes the context in full as
before, as does everything outside penalized.

If numba's cache class lacks the methods this relies on (a numba release that renamed
them), the kernels use numba's own cache (``cache=True``) unchanged.
"""

from __future__ import annotations

import numba
from numba.core.caching import FunctionCache

__all__ = ["njit"]

# The loader below calls these two methods of numba's cache in place of its
# ``load_overload`` (in numba 0.68: ``refresh()``, then the same two calls).
_LIGHT = all(hasattr(FunctionCache, m)
             for m in ("_guard_against_spurious_io_errors", "_load_overload"))


def _runtime_ready(target_context) -> None:
    """Numba's runtime symbols (what a context refresh does first), or the full refresh."""
    try:
        from numba.core.runtime import rtsys

        rtsys.initialize(target_context)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - other numba
        target_context.refresh()


class _KernelCache(FunctionCache):
    """numba's per-function on-disk cache; a load does not refresh the target context."""

    def load_overload(self, sig, target_context):
        _runtime_ready(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)


class _LazyKernelCache:
    """A kernel's :class:`_KernelCache`, made at its first use.

    numba's cache locates its folder when made, creating and deleting a file there to test
    that it is writable: for each of the ~200 kernels at import, though a fit calls a few.
    """

    __slots__ = ("_cache", "_py_func")

    def __init__(self, py_func):
        self._py_func = py_func
        self._cache = None

    def __getattr__(self, name):
        if self._cache is None:
            self._cache = _KernelCache(self._py_func)
        return getattr(self._cache, name)


def njit(*args, cache: bool = False, **options):
    """``numba.njit`` whose ``cache=True`` loads compiled kernels without a context refresh.

    Used like ``numba.njit`` with keyword options (``@njit(cache=True, fastmath=...)``).
    ``parallel`` is refused: its kernels link against symbols that only a full refresh
    registers.
    """
    if options.get("parallel"):
        raise TypeError("penalized's njit does not compile parallel=True kernels")
    if not (cache and _LIGHT):
        return numba.njit(*args, cache=cache, **options)

    def decorate(func):
        dispatcher = numba.njit(**options)(func)
        if hasattr(dispatcher, "enable_caching"):  # not under NUMBA_DISABLE_JIT
            dispatcher._cache = _LazyKernelCache(dispatcher.py_func)
        return dispatcher

    if args:
        if len(args) == 1 and callable(args[0]):
            return decorate(args[0])
        raise TypeError("penalized's njit takes keyword options only")
    return decorate
