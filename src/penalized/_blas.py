"""``one_blas_thread``: BLAS limited to one thread for a block, process-wide and shared.

OpenBLAS's worker threads spin for a while after every call that woke them, waiting for
the next one. One matrix-vector product at the start of a fit of a few milliseconds then
keeps a second core busy through the whole fit: a Lasso with an intercept on 100 x 10000
used twice its wall time in CPU, and on a machine whose cores are all busy the spinning
thread takes its share of the fit's own core. A product under this limit runs on the
calling thread and wakes no worker.

The limit goes through threadpoolctl (a dependency of scikit-learn); its controller scans
the loaded libraries once per process. It is process-wide: blocks running at once (CV
folds on several threads, fits in a user's threads) share one limit, set by the first to
enter and restored by the last to leave. Each restoring the limit it saw on entry would
leave BLAS at one thread for good when two overlap.
"""

import contextlib
import os
import threading

__all__ = ["one_blas_thread"]

_LOCK = threading.Lock()
_CONTROLLER = []
# [number of blocks inside, the limiter of the first]
_LIMIT = [0, None]


def _after_fork_in_child():
    # the child has only the forking thread: no block runs there
    global _LOCK
    _LOCK = threading.Lock()
    _LIMIT[:] = [0, None]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def one_blas_thread():
    """BLAS on one thread inside the block (process-wide, shared by overlapping blocks).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized._blas import one_blas_thread
    >>> X = np.ones((1024, 50), order="F")
    >>> with one_blas_thread():
    ...     means = X.T @ np.full(1024, 1 / 1024)
    >>> float(means[0])
    1.0
    """
    from threadpoolctl import ThreadpoolController

    with _LOCK:
        if not _CONTROLLER:
            _CONTROLLER.append(ThreadpoolController())
        if _LIMIT[0] == 0:
            _LIMIT[1] = _CONTROLLER[0].limit(limits=1, user_api="blas")
        _LIMIT[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _LIMIT[0] -= 1
            if _LIMIT[0] == 0:
                _LIMIT[1].restore_original_limits()
                _LIMIT[1] = None
