"""Out-of-core benchmark of penalized.dask: LassoCV and L1 logistic on Parquet.

Protocol:

* data: ``--n`` rows (default 20,000,000) x ``--p`` features (50) of standard normal X
  (float64), with a regression target ``y = X beta + noise`` (beta: 10 nonzero entries)
  and a classification target ``label ~ Bernoulli(expit(X beta / 2))`` in the same files,
  written as Parquet part files of ``--rows-per-file`` rows (250,000) by the workers of a
  LocalCluster, one part at a time from its own seed (never the whole data in memory);
  8.2 GB on disk at the default size;
* each fit runs on a fresh ``LocalCluster`` of ``--workers`` worker processes (1 thread
  each) reading the Parquet files with ``dask.dataframe.read_parquet``:
  ``penalized.dask.LassoCV(cv=5, alphas=100)`` and
  ``penalized.dask.LogisticRegression(l1_ratio=1, alpha=--alpha-logistic)`` (penalized's
  alpha: ``C = 1 / (alpha n)`` in scikit-learn's terms);
* reported per fit: wall time, passes over the data (``n_passes_``; plus the passes that
  read one column to count the rows of the partitions, ``n_length_passes_``), the client
  process's peak RSS (it also hosts the LocalCluster's scheduler) and each worker's peak
  RSS (``VmHWM``, reset before the fit);
* ``--dask-ml``: dask-ml's ``LinearRegression(penalty="l1")`` and
  ``LogisticRegression(penalty="l1")`` on the same data where dask-ml installs and runs
  (its admm/proximal-gradient solvers stop on iteration counts; no certificate).

Usage::

    python benchmarks/bench_dask.py --dir /tmp/pz_parquet          # write, then fit
    python benchmarks/bench_dask.py --dir /tmp/pz_parquet --skip-write
    python benchmarks/bench_dask.py --n 200000 --rows-per-file 50000 --dir /tmp/small
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return True


def _write_part(i, out, rows, p, seed):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, i])
    beta = np.zeros(p)
    beta[:10] = np.linspace(1.0, 0.1, 10) * np.where(np.arange(10) % 2, -1, 1)
    X = rng.standard_normal((rows, p))
    eta = X @ beta
    y = eta + rng.standard_normal(rows)
    label = (rng.random(rows) < 1.0 / (1.0 + np.exp(-0.5 * eta))).astype(np.int64)
    cols = {f"x{j}": X[:, j] for j in range(p)}
    cols["y"] = y
    cols["label"] = label
    pq.write_table(pa.table(cols), os.path.join(out, f"part-{i:05d}.parquet"))
    return rows


def write(args):
    from distributed import Client, LocalCluster

    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    n_files = -(-args.n // args.rows_per_file)
    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        sizes = [min(args.rows_per_file, args.n - i * args.rows_per_file)
                 for i in range(n_files)]
        futs = [client.submit(_write_part, i, str(out), sizes[i], args.p, args.seed,
                              pure=False) for i in range(n_files)]
        total = sum(client.gather(futs))
    return {"rows": total, "files": n_files, "seconds": time.perf_counter() - t0,
            "bytes": sum(f.stat().st_size for f in out.glob("*.parquet"))}


def _fit(args, name, make, target, columns):
    import dask.dataframe as dd
    import numpy as np
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.memory_limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        ddf = dd.read_parquet(args.dir, columns=columns)
        client.run(_reset_peak)
        _reset_peak()
        t0 = time.perf_counter()
        est = make().fit(ddf, target)
        wall = time.perf_counter() - t0
        workers = sorted(v / 1024 for v in client.run(_vmhwm_kb).values())
        client_mb = _vmhwm_kb() / 1024
    out = {"fit": name, "wall_s": round(wall, 1),
           "passes": getattr(est, "n_passes_", None),
           "length_passes": getattr(est, "n_length_passes_", None),
           "client_peak_mb": round(client_mb), "worker_peak_mb": [round(w) for w in workers]}
    for attr in ("alpha_", "dual_gap_", "n_iter_"):
        if hasattr(est, attr):
            out[attr] = float(np.ravel(getattr(est, attr))[0])  # n_iter_ may be (1,)
    coef = getattr(est, "coef_", None)
    if coef is not None:
        out["nnz"] = int((abs(coef) > 0).sum())
    print(json.dumps(out), flush=True)
    return out


def _dask_ml(args, results, features):
    try:
        import dask_ml.linear_model as dlm
    except ImportError as exc:
        results.append({"fit": "dask-ml", "skipped": f"not importable: {exc}"})
        return
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    for name, make, target in (
            ("dask-ml LinearRegression(l1)",
             lambda: dlm.LinearRegression(penalty="l1", C=1.0 / args.alpha_lasso), "y"),
            ("dask-ml LogisticRegression(l1)",
             lambda: dlm.LogisticRegression(penalty="l1", C=1.0 / args.alpha_logistic),
             "label")):
        try:
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              memory_limit=args.memory_limit, dashboard_address=None) as c, \
                    Client(c) as client:
                ddf = dd.read_parquet(args.dir, columns=features + [target])
                A = ddf.to_dask_array(lengths=True)  # one frame: the same partitions
                X, y = A[:, :-1], A[:, -1]
                client.run(_reset_peak)
                _reset_peak()
                t0 = time.perf_counter()
                make().fit(X, y)
                wall = time.perf_counter() - t0
                workers = sorted(v / 1024 for v in client.run(_vmhwm_kb).values())
            res = {"fit": name, "wall_s": round(wall, 1), "client_peak_mb": round(
                _vmhwm_kb() / 1024), "worker_peak_mb": [round(w) for w in workers]}
        except Exception as exc:  # noqa: BLE001 - a peer that fails is reported, not fatal
            res = {"fit": name, "failed": f"{type(exc).__name__}: {str(exc)[:200]}"}
        print(json.dumps(res), flush=True)
        results.append(res)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="folder of the Parquet files")
    ap.add_argument("--n", type=int, default=20_000_000)
    ap.add_argument("--p", type=int, default=50)
    ap.add_argument("--rows-per-file", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="4GB", help="per worker (dask's spill/pause "
                    "thresholds; the target is a peak under 2 GB)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alpha-logistic", type=float, default=0.01)
    ap.add_argument("--alpha-lasso", type=float, default=0.01)
    ap.add_argument("--skip-write", action="store_true")
    ap.add_argument("--skip-logistic", action="store_true")
    ap.add_argument("--skip-lassocv", action="store_true")
    ap.add_argument("--dask-ml", action="store_true")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    from penalized import dask as pdk

    results = []
    if not args.skip_write:
        res = write(args)
        print(json.dumps({"write": res}), flush=True)
        results.append({"write": res})
    features = [f"x{j}" for j in range(args.p)]
    if not args.skip_lassocv:
        results.append(_fit(args, "LassoCV(cv=5, alphas=100)",
                            lambda: pdk.LassoCV(cv=5, alphas=100), "y", features + ["y"]))
    if not args.skip_logistic:
        results.append(_fit(args, f"LogisticRegression(l1, alpha={args.alpha_logistic})",
                            lambda: pdk.LogisticRegression(l1_ratio=1.0,
                                                           alpha=args.alpha_logistic),
                            "label", features + ["label"]))
    if args.dask_ml:
        _dask_ml(args, results, features)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
