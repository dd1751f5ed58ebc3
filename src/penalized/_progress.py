"""A progress bar for long loops (regularization paths, cross-validation folds).

``progress`` wraps an iterable in a :mod:`tqdm` bar when tqdm is importable and otherwise in a
minimal text counter written to standard error. It is a no-op when ``enabled`` is false, so
callers can write ``for a in progress(alphas, len(alphas), "path", verbose): ...``.
"""

import sys
import time

__all__ = ["progress"]


def _tqdm():
    """The ``tqdm`` class, or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def progress(iterable, total=None, desc=None, enabled=True):
    """Iterate over ``iterable`` while showing progress on standard error.

    Parameters
    ----------
    iterable : iterable
        The items to loop over; they are yielded unchanged and in order.
    total : int, default=None
        Number of items (taken from ``len(iterable)`` when possible and not given).
    desc : str, default=None
        Short description shown in front of the counter.
    enabled : bool or int, default=True
        When false (e.g. ``verbose=0``), ``iterable`` itself is returned and nothing is shown.

    Returns
    -------
    iterable
        ``iterable`` when disabled; a tqdm bar when tqdm is installed; otherwise a generator
        that writes ``desc: i/total`` lines to standard error.

    Examples
    --------
    >>> from penalized._progress import progress
    >>> list(progress(range(3), 3, "fit", enabled=False))
    [0, 1, 2]
    >>> sum(progress([1, 2, 3], desc="sum", enabled=True))  # bar goes to stderr
    6
    """
    if not enabled:
        return iterable
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    tqdm = _tqdm()
    if tqdm is not None:
        return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)
    return _fallback(iterable, total, desc)


def _fallback(iterable, total, desc, stream=None):
    """Text counter: ``desc: i/total (elapsed s)``, about 100 updates at most."""
    stream = sys.stderr if stream is None else stream
    prefix = f"{desc}: " if desc else ""
    every = max(1, total // 100) if total else 1
    start = time.perf_counter()
    i = 0

    def show(end=""):
        count = f"{i}/{total}" if total is not None else f"{i}"
        stream.write(f"\r{prefix}{count} ({time.perf_counter() - start:.1f} s){end}")
        stream.flush()

    try:
        show()
        for item in iterable:
            yield item
            i += 1
            if i % every == 0 or i == total:
                show()
    finally:
        show("\n")
