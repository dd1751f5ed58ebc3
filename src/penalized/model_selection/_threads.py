"""Fold-level parallelism in a persistent thread pool.

The fold tasks spend their time in numba kernels and BLAS calls that release the GIL, so
threads run them in parallel without copying the data to workers. A joblib ``Parallel``
call with the threading backend costs about 10 ms to start here, as much as a whole
tall-data fold; the pools below are created once per worker count and reused. ``n_jobs``
is resolved as joblib does (``None`` is 1 unless a ``joblib.parallel_config`` says
otherwise, negative values count back from the number of CPUs).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from joblib import effective_n_jobs, parallel_config

from .._blas import one_blas_thread

__all__ = ["run_tasks"]

_POOLS = {}
_LOCK = threading.Lock()


def _after_fork_in_child():
    # a forked child has none of the pools' threads: new pools (and a new lock), or the
    # first task submitted there would wait forever; none of the parent's fits runs there
    global _LOCK
    _POOLS.clear()
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _pool(k):
    with _LOCK:
        if k not in _POOLS:
            _POOLS[k] = ThreadPoolExecutor(k, thread_name_prefix=f"penalized-{k}")
        return _POOLS[k]


def run_tasks(tasks, n_jobs):
    """Results of joblib-style ``delayed`` tasks ``(func, args, kwargs)``, in order."""
    with parallel_config(backend="threading"):  # threads (loky's limits do not apply)
        k = min(effective_n_jobs(n_jobs), len(tasks))
    if k <= 1:
        return [func(*args, **kwargs) for func, args, kwargs in tasks]
    pool = _pool(k)
    # BLAS on one thread while the folds are the parallelism (idle OpenBLAS workers spin)
    with one_blas_thread():
        futures = [pool.submit(func, *args, **kwargs) for func, args, kwargs in tasks]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise
