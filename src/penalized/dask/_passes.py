"""Passes over the data: one task per block, a fixed tree of merges, one compute.

Every pass of :mod:`penalized.dask` is a map-reduce: a function of one block of rows
(run on the worker that holds or reads it) returns small statistics (vectors of length
n_features, p x p matrices), and a tree of merges with a fixed shape sums them, so the
result does not depend on which worker ran what, nor on a worker lost and its tasks
rerun. Only the root, whose size does not grow with n_samples, reaches the client.

Dask's scheduler runs the graph: the default one, or the ``distributed.Client`` in use
(a ``LocalCluster`` or a scheduler address). With ``verbose > 0`` a pass shows dask's
progress bar (``distributed.progress`` on a cluster, ``dask.diagnostics.ProgressBar``
otherwise).
"""

import dask

__all__ = ["Runner", "compute", "tree_reduce"]

_FANIN = 8  # blocks merged per task of the reduction tree


def _client():
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def compute(*objs, verbose=False):
    """``dask.compute(*objs)`` (a single object unwrapped), with a progress bar when
    ``verbose``."""
    client = _client()
    if client is not None and verbose:
        from distributed import progress

        futures = client.compute(list(objs))
        progress(futures)
        out = client.gather(futures)
    elif verbose:
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            out = dask.compute(*objs)
    else:
        out = dask.compute(*objs)
    return out[0] if len(objs) == 1 else tuple(out)


def _merge_all(merge, *parts):
    acc = parts[0]
    for part in parts[1:]:
        acc = merge(acc, part)
    return acc


def tree_reduce(parts, merge):
    """One delayed object: the ``merge`` of all ``parts`` by a tree of fixed shape."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [dask.delayed(_merge_all, pure=True)(merge, *parts[i:i + _FANIN])
                 for i in range(0, len(parts), _FANIN)]
    return parts[0]


class Runner:
    """Runs the passes of one fit over :class:`~penalized.dask._data.Blocks` and counts
    them (``n_passes``: passes reading the data; ``length_passes``: passes reading one
    column to count the rows of a dataframe's partitions)."""

    def __init__(self, blocks, verbose=0):
        self.blocks = blocks
        self.verbose = int(verbose)
        self.n_passes = 0
        self.length_passes = 0

    def map_reduce(self, fn, merge, *args, extra=None):
        """``merge`` over blocks of ``fn(block, i, extra[i], *args)``: one pass."""
        tasks = [dask.delayed(fn, pure=True)(blk, i, None if extra is None else extra[i],
                                             *args)
                 for i, blk in enumerate(self.blocks.tasks)]
        self.n_passes += 1
        return compute(tree_reduce(tasks, merge), verbose=self.verbose > 0)

    def map_reduce_keep(self, fn, merge, *args, extra=None):
        """As :meth:`map_reduce` for a ``fn`` returning ``(stats, kept)``: the merged
        stats reach the client; the ``kept`` parts (e.g. per-sample vectors) stay on the
        workers, persisted, for :meth:`reduce_kept`. One pass."""
        tasks = [dask.delayed(fn, pure=True, nout=2)(
            blk, i, None if extra is None else extra[i], *args)
            for i, blk in enumerate(self.blocks.tasks)]
        stats = tree_reduce([t[0] for t in tasks], merge)
        kept = [t[1] for t in tasks]
        self.n_passes += 1
        persisted = dask.persist(stats, *kept)
        return compute(persisted[0], verbose=self.verbose > 0), list(persisted[1:])

    def reduce_kept(self, fn, merge, kept, *args):
        """``merge`` over the kept parts of ``fn(kept_i, *args)`` (no pass over the data)."""
        tasks = [dask.delayed(fn, pure=True)(k, *args) for k in kept]
        return compute(tree_reduce(tasks, merge))
