"""Atomic output files: a result is either written completely or not at all."""

import contextlib
import os
import tempfile

__all__ = ["atomic_write"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode="w", *, encoding="utf-8", newline=None):
    """Open a temporary file next to ``path`` and move it onto ``path`` on success.

    The temporary file is created in the same directory (so that the final
    :func:`os.replace` is atomic on POSIX and Windows), flushed and synced when the
    block ends without an exception, then renamed over ``path``. If the block raises,
    the temporary file is removed, ``path`` is left as it was (absent, or its previous
    content) and the exception propagates.

    Parameters
    ----------
    path : str or path-like
        The final file.
    mode : {"w", "wt", "wb"}, default="w"
        Text or binary writing.
    encoding : str, default="utf-8"
        Text mode only.
    newline : str, default=None
        Text mode only, as :func:`open`.

    Yields
    ------
    file object

    Raises
    ------
    OSError
        If the directory does not exist or is not writable (nothing is created).

    Examples
    --------
    >>> import os, tempfile
    >>> from penalized.tables.files import atomic_write
    >>> d = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(d, "out.txt")) as fh:
    ...     _ = fh.write("done")
    >>> os.listdir(d)
    ['out.txt']
    >>> try:
    ...     with atomic_write(os.path.join(d, "bad.txt")) as fh:
    ...         _ = fh.write("partial")
    ...         raise RuntimeError("failed half-way")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir(d)
    ['out.txt']
    """
    if mode not in ("w", "wt", "wb"):
        raise ValueError(f"mode must be 'w', 'wt' or 'wb', got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        if "b" in mode:
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file readable by its owner only; give it the permissions
        # an ordinary open() would have given it
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
