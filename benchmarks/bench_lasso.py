"""Lasso time-to-accuracy benchmark: penalized against scikit-learn, skglm and celer.

Protocol (BENCHMARKS.md):

* objective ``F(w) = 1/(2n) ||y - Xw||^2 + lam ||w||_1``, no intercept,
  ``lam = frac * ||X'y||_inf / n`` (``--l1-ratio r`` < 1: the elastic net's
  ``lam (r ||w||_1 + (1 - r)/2 ||w||^2)`` with the same lam, ElasticNet classes);
* ``F*`` = the lowest objective reached by any solver run at ``tol = 1e-12`` (these runs are
  also each solver's warm-up: JIT compilation happens here, untimed);
* for each solver, ``tol`` is tightened over 1e-2, 1e-3, ..., 1e-12 until the returned ``w``
  satisfies ``F(w) - F* <= 1e-6 F(0)``; that ``tol``'s fit time (median of the repeats) is the
  solver's figure.  The repeats of all solvers are interleaved (round robin), so that a slow
  phase of this noisy machine hits every solver alike;
* BLAS is pinned to one thread (threadpoolctl) for every solver, for the whole run;
* every design is passed as a Fortran-ordered float64 array (``--order C`` to change), so no
  solver pays for a layout copy inside ``fit``.

Report ratios penalized / best peer measured in the same run, never absolute times from
another run.

Usage::

    python benchmarks/bench_lasso.py                       # all 8 rows, 7 repeats
    python benchmarks/bench_lasso.py --quick               # 3 repeats
    python benchmarks/bench_lasso.py --rows riboflavin,500x600 --out results.json
    python benchmarks/bench_lasso.py --l1-ratio 0.5 --quick  # elastic-net rows
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from _problems import (
    DataUnavailable,
    enet_objective,
    lasso_lambda,
    lasso_objective,
    load_riboflavin,
    simulated,
)
from _report import (
    BASE,
    CURVE_FLOOR,
    FRACS,
    MAX_ROUNDS,
    RTOL,
    TOLS,
    baseline_available,
    collect_garbage,
    print_time_table,
    summarize,
    timed_rounds,
    tol_sweep,
    version,
)
from threadpoolctl import threadpool_info, threadpool_limits

PROBLEMS: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "sim 100x10000": lambda: simulated(100, 10000)[:2],
    "sim 500x600": lambda: simulated(500, 600)[:2],
    "sim 10000x100": lambda: simulated(10000, 100)[:2],
    "riboflavin 71x4088": load_riboflavin,
}


# ----------------------------------------------------------------------------------------------
# solvers: name -> factory(lam, tol) returning an unfitted estimator with a .coef_ after fit
# ----------------------------------------------------------------------------------------------
L1_RATIO = 1.0  # --l1-ratio: elastic-net rows (ElasticNet classes) below 1


def _en(mod, lam: float, **kw):
    """``mod.Lasso(alpha=lam, **kw)``, or ``mod.ElasticNet(alpha=lam, l1_ratio=L1_RATIO, **kw)``
    for the elastic-net rows."""
    if L1_RATIO == 1.0:
        return mod.Lasso(alpha=lam, **kw)
    return mod.ElasticNet(alpha=lam, l1_ratio=L1_RATIO, **kw)


def objective(X, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    if L1_RATIO == 1.0:
        return lasso_objective(X, y, w, lam)
    return enet_objective(X, y, w, lam, L1_RATIO)


def _penalized(lam: float, tol: float):
    import penalized

    return _en(penalized, lam, fit_intercept=False, tol=tol, max_iter=100_000)


def _sklearn(lam: float, tol: float):
    import sklearn.linear_model

    return _en(sklearn.linear_model, lam, fit_intercept=False, tol=tol, max_iter=100_000)


def _skglm(lam: float, tol: float):
    # skglm.Lasso = GeneralizedLinearEstimator(Quadratic(), L1(alpha), AndersonCD(...)), i.e.
    # their default single-alpha path (working sets + Anderson-accelerated CD).
    import skglm

    return _en(skglm, lam, fit_intercept=False, tol=tol, max_iter=1000, max_epochs=100_000)


def _celer(lam: float, tol: float):
    import celer

    return _en(celer, lam, fit_intercept=False, tol=tol, max_iter=1000, max_epochs=100_000)


def _penalized_base(lam: float, tol: float):
    import penalized_base

    return _en(penalized_base, lam, fit_intercept=False, tol=tol, max_iter=100_000)


SOLVERS: dict[str, tuple[str, Callable]] = {
    # display name: (import name, factory)
    "penalized": ("penalized", _penalized),
    "scikit-learn": ("sklearn", _sklearn),
    "skglm": ("skglm", _skglm),
    "celer": ("celer", _celer),
}
if baseline_available():  # an older penalized side by side (not a peer)
    SOLVERS[BASE] = ("penalized_base", _penalized_base)
PEERS = ("scikit-learn", "skglm", "celer")


@dataclass
class Row:
    problem: str
    frac: float

    @property
    def label(self) -> str:
        return f"{self.problem} frac={self.frac:g}"


# ----------------------------------------------------------------------------------------------
def _fit(factory: Callable, lam: float, tol: float, X, y) -> tuple[float, np.ndarray, object]:
    """One fit; returns (seconds, coef, estimator).  Only ``fit`` is inside the timer."""
    est = factory(lam, tol)
    collect_garbage()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            est.fit(X, y)
            dt = time.perf_counter() - t0
    finally:
        gc.enable()
    return dt, np.asarray(est.coef_, dtype=np.float64).ravel(), est


def _n_iter(est) -> int | None:
    n = getattr(est, "n_iter_", None)
    try:
        return int(np.max(n)) if n is not None else None
    except (TypeError, ValueError):
        return None


def run_row(row: Row, X, y, solvers: list[str], repeats: int, min_time: float, log,
            curves: bool = False, max_rounds: int = MAX_ROUNDS) -> dict:
    n, p = X.shape
    lam = lasso_lambda(X, y, row.frac)
    F0 = objective(X, y, np.zeros(p), lam)
    res: dict = {
        "problem": row.problem + (f" EN l1_ratio={L1_RATIO:g}" if L1_RATIO < 1 else ""),
        "frac": row.frac,
        "n": n,
        "p": p,
        "lam": lam,
        "F0": F0,
        "solvers": {},
    }

    # 1. warm-up + F*: every solver at its tightest tol (untimed for the figure)
    for s in solvers:
        factory = SOLVERS[s][1]
        try:
            dt, w, est = _fit(factory, lam, TOLS[-1], X, y)
        except Exception as exc:  # a solver that breaks must not end the run
            log(f"  {s}: fit failed: {type(exc).__name__}: {exc}")
            res["solvers"][s] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        res["solvers"][s] = {
            "F_tightest": objective(X, y, w, lam),
            "first_fit_ms": 1e3 * dt,
            "nnz_tightest": int(np.count_nonzero(w)),
        }
    ok = [s for s in solvers if "error" not in res["solvers"][s]]
    if not ok:
        return res
    Fstar = min(res["solvers"][s]["F_tightest"] for s in ok)
    res["Fstar"] = Fstar
    res["Fstar_solver"] = min(ok, key=lambda s: res["solvers"][s]["F_tightest"])
    threshold = RTOL * F0

    # 2. per solver: loosest tol in TOLS reaching F(w) - F* <= 1e-6 F(0)
    chosen: dict[str, float] = {}
    trial: dict[str, float] = {}
    for s in ok:
        r = res["solvers"][s]
        factory = SOLVERS[s][1]

        def fit(tol, factory=factory):
            dt, w, est = _fit(factory, lam, tol, X, y)
            return dt, objective(X, y, w, lam) - Fstar, int(np.count_nonzero(w)), _n_iter(est)

        got = tol_sweep(r, fit, TOLS, F0, threshold, curves)
        if got is None:
            log(f"  {s}: never reached F - F* <= {RTOL:g} F(0) (at tol 1e-12: "
                f"{r['rel_subopt']:.2e})")
        else:
            chosen[s], trial[s] = got

    # 3. timed repeats, interleaved across solvers; fast fits get more rounds
    times = timed_rounds(res, {s: trial[s] for s in chosen},
                         lambda s: 1e3 * _fit(SOLVERS[s][1], lam, chosen[s], X, y)[0],
                         repeats, min_time, max_rounds)
    return summarize(res, times, PEERS)


# ----------------------------------------------------------------------------------------------
def print_tables(results: list[dict], solvers: list[str]) -> None:
    print_time_table(results, solvers)

    head = ["problem", "frac", *[f"{s} tol" for s in solvers], "F* from"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r["problem"], f"{r['frac']:g}"]
        for s in solvers:
            tol = r["solvers"].get(s, {}).get("tol")
            cells.append(f"{tol:.0e}" if tol else "-")
        cells.append(r.get("Fstar_solver", "-"))
        lines.append("| " + " | ".join(cells) + " |")
    print("\ntol each solver needed")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="3 timed repeats instead of 7, no extra rounds"
    )
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (>= 3)")
    ap.add_argument(
        "--rows",
        default="",
        help="comma-separated substrings; keep rows whose label ('<problem> frac=<f>') "
        "contains any of them, e.g. 'riboflavin' or '100x10000,frac=0.01'",
    )
    ap.add_argument(
        "--solvers",
        default=",".join(SOLVERS),
        help=f"comma-separated subset of {','.join(SOLVERS)}",
    )
    ap.add_argument(
        "--min-time",
        type=float,
        default=0.3,
        help="a solver with fast fits gets extra rounds (at most --max-rounds) until its "
        "fits add up to this many seconds (default 0.3; --quick: 0)",
    )
    ap.add_argument("--max-rounds", type=int, default=MAX_ROUNDS,
                    help=f"cap on one solver's timed rounds (default {MAX_ROUNDS})")
    ap.add_argument("--order", choices=("F", "C"), default="F", help="memory layout of X")
    ap.add_argument("--l1-ratio", type=float, default=1.0,
                    help="elastic-net rows (ElasticNet, objective with this l1_ratio) below 1")
    ap.add_argument("--curves", action="store_true",
                    help="go on tightening tol past the threshold, down to F - F* <= "
                    f"{CURVE_FLOOR:g} F(0), for suboptimality-against-time curves (run.py)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    global L1_RATIO
    if not 0.0 < args.l1_ratio <= 1.0:
        ap.error("--l1-ratio must be in (0, 1]")
    L1_RATIO = args.l1_ratio
    repeats = args.repeats or (3 if args.quick else 7)
    min_time = 0.0 if args.quick else args.min_time
    if repeats < 3:
        ap.error("the protocol needs at least 3 repeats")
    if args.max_rounds < repeats:
        ap.error(f"--max-rounds ({args.max_rounds}) must be at least the repeats ({repeats})")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    solvers = []
    for s in [s.strip() for s in args.solvers.split(",") if s.strip()]:
        if s not in SOLVERS:
            ap.error(f"unknown solver {s!r}")
        try:
            __import__(SOLVERS[s][0])
        except Exception as exc:
            log(f"note: {s} skipped, import failed: {type(exc).__name__}: {exc}")
            continue
        solvers.append(s)

    wanted = [w.strip() for w in args.rows.split(",") if w.strip()]
    rows = [
        Row(p, f)
        for p in PROBLEMS
        for f in FRACS
        if not wanted or any(w in Row(p, f).label for w in wanted)
    ]
    if not rows:
        ap.error("--rows matched no row")

    results: list[dict] = []
    t_start = time.perf_counter()
    # One BLAS thread for every solver, for the whole run (X @ w, X.T @ r, gap computations).
    with threadpool_limits(limits=1, user_api="blas"):
        blas = [
            {k: d.get(k) for k in ("internal_api", "version", "num_threads")}
            for d in threadpool_info()
            if d.get("user_api") == "blas"
        ]
        data: dict[str, tuple] = {}
        for row in rows:
            if row.problem not in data:
                try:
                    X, y = PROBLEMS[row.problem]()
                except DataUnavailable as exc:
                    data[row.problem] = None
                    log(f"note: skipping {row.problem}: {exc}")
                else:
                    X = np.asfortranarray(X) if args.order == "F" else np.ascontiguousarray(X)
                    data[row.problem] = (X, y)
            if data[row.problem] is None:
                continue
            X, y = data[row.problem]
            log(f"{row.label} ...")
            t0 = time.perf_counter()
            res = run_row(row, X, y, solvers, repeats, min_time, log, args.curves,
                          args.max_rounds)
            log(f"  done in {time.perf_counter() - t0:.1f} s")
            results.append(res)

    if results:
        print_tables(results, solvers)
    rounds = sorted({r.get("rounds", repeats) for r in results}) or [repeats]
    print(
        f"\ntotal {time.perf_counter() - t_start:.0f} s, {rounds[0]}-{rounds[-1]} timed rounds "
        "per row, BLAS threads: 1"
    )

    if args.out:
        meta = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "blas": blas,
            "order": args.order,
            "repeats": repeats,
            "min_time_s": min_time,
            "max_rounds": args.max_rounds,
            "rtol": RTOL,
            "tols": TOLS,
            "versions": {
                d: version(d)
                for d in ("penalized", "numpy", "scipy", "numba", "scikit-learn", "skglm", "celer")
            },
        }
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "rows": results}, fh, indent=1)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
