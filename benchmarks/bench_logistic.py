"""L1-logistic time-to-accuracy benchmark: penalized against liblinear, skglm and celer.

Protocol (BENCHMARKS.md):

* objective ``F(w) = mean(log(1 + exp(Xw)) - y Xw) + lam ||w||_1`` for y in {0, 1}, no
  intercept, ``lam = frac * ||X'(y - 1/2)||_inf / n`` (so ``F(0) = log 2``);
* ``F*`` = the lowest objective reached by any solver run at ``tol = 1e-12`` (these runs are
  also each solver's warm-up: JIT compilation happens here, untimed).  At 1e-12 some solvers
  can never meet their own stopping test and would only stop at their iteration cap (penalized's
  duality gap stalls near 1e-10; liblinear on dexter frac=0.01 runs 100000 iterations, over
  two minutes), so these reference fits alone run under smaller caps (``REF_CAPS``);
* for each solver, ``tol`` is tightened over 1e-2, 1e-3, ..., 1e-12 until the returned ``w``
  satisfies ``F(w) - F* <= 1e-6 F(0)``; that ``tol``'s fit time (median of the repeats) is the
  solver's figure.  The repeats of all solvers are interleaved (round robin), so that a slow
  phase of this noisy machine hits every solver alike;
* BLAS is pinned to one thread (threadpoolctl) for every solver, for the whole run;
* each solver gets the layout its ``fit`` would otherwise convert to (``--layout native``):
  Fortran / CSC for penalized and skglm, C / CSR for liblinear and celer, converted once
  outside the timer, so that no solver pays for a layout copy inside ``fit``.

Report ratios penalized / best peer measured in the same run, never absolute times from
another run.

Usage::

    python benchmarks/bench_logistic.py                    # all 6 rows, 7 repeats
    python benchmarks/bench_logistic.py --quick            # 3 repeats
    python benchmarks/bench_logistic.py --rows leukemia,a9a --out results.json
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
import scipy.sparse as sp
from _problems import (
    DataUnavailable,
    load_a9a,
    load_dexter,
    load_leukemia,
    logreg_lambda,
    logreg_objective,
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

PROBLEMS: dict[str, Callable[[], tuple]] = {
    "leukemia 72x7129": load_leukemia,
    "dexter 300x20000 sparse": load_dexter,
    "a9a 32560x123 sparse": load_a9a,
}


# ----------------------------------------------------------------------------------------------
# solvers: factory(lam, tol, n, ref) returning an unfitted estimator with a .coef_ after fit;
# ``ref`` is True for the tol = 1e-12 reference fits only (smaller iteration caps, REF_CAPS)
# ----------------------------------------------------------------------------------------------
REF_CAPS = {
    # On these rows penalized's fits that converge take up to ~300 epochs and liblinear's up to
    # ~130 iterations; at tol 1e-12 penalized's gap stalls (~1e-10) and it would spin to
    # max_iter=100000 (minutes per row), as would liblinear on dexter frac=0.01.  Hitting
    # these caps only costs accuracy of that solver's reference point, never F*: F* is the
    # best of all solvers, and the last column of the tol table checks they all agree.
    "penalized": 1000,
    "liblinear": 1000,
}


def _penalized(lam: float, tol: float, n: int, ref: bool):
    import penalized

    return penalized.LogisticRegression(
        l1_ratio=1.0,
        alpha=lam,
        fit_intercept=False,
        tol=tol,
        max_iter=REF_CAPS["penalized"] if ref else 100_000,
    )


def _penalized_base(lam: float, tol: float, n: int, ref: bool):
    import penalized_base

    return penalized_base.LogisticRegression(
        penalty="l1", alpha=lam, fit_intercept=False, tol=tol,
        max_iter=REF_CAPS["penalized"] if ref else 100_000)


def _liblinear(lam: float, tol: float, n: int, ref: bool):
    # scikit-learn >= 1.8 deprecates `penalty`: leaving it at its default and passing
    # l1_ratio=1 selects L1 without a warning.  Objective: sum log-loss + 1/C ||w||_1,
    # so C = 1 / (n lam).
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=1.0 / (n * lam),
        l1_ratio=1.0,
        solver="liblinear",
        fit_intercept=False,
        tol=tol,
        max_iter=REF_CAPS["liblinear"] if ref else 100_000,
    )


def _skglm(lam: float, tol: float, n: int, ref: bool):
    # mean log-loss (labels +-1) + alpha ||w||_1: alpha = lam.  ProxNewton with working sets;
    # max_iter = outer iterations (working sets), max_epochs = prox-Newton steps per subproblem.
    import skglm

    return skglm.SparseLogisticRegression(
        alpha=lam, fit_intercept=False, tol=tol, max_iter=1000, max_epochs=100_000
    )


def _celer(lam: float, tol: float, n: int, ref: bool):
    # sum log-loss (labels +-1) + 1/C ||w||_1: C = 1 / (n lam).  Default solver "celer-pn";
    # stops when the duality gap < tol * n * log 2, i.e. tol relative to F(0).
    import celer

    return celer.LogisticRegression(
        C=1.0 / (n * lam), fit_intercept=False, tol=tol, max_iter=1000, max_epochs=100_000
    )


@dataclass(frozen=True)
class Solver:
    module: str  # import name
    factory: Callable
    layout: str  # "F" (Fortran / CSC) or "C" (C / CSR): what its fit converts X to
    pm1: bool  # labels passed as -1/+1 instead of 0/1


SOLVERS: dict[str, Solver] = {
    "penalized": Solver("penalized", _penalized, "F", False),
    "liblinear": Solver("sklearn", _liblinear, "C", False),
    "skglm": Solver("skglm", _skglm, "F", True),
    "celer": Solver("celer", _celer, "C", True),
}
if baseline_available():  # an older penalized side by side (not a peer)
    SOLVERS[BASE] = Solver("penalized_base", _penalized_base, "F", False)
PEERS = ("liblinear", "skglm", "celer")


@dataclass
class Row:
    problem: str
    frac: float

    @property
    def label(self) -> str:
        return f"{self.problem} frac={self.frac:g}"


@dataclass
class Data:
    """One problem in both layouts and both label codings (all built outside the timers)."""

    XF: object  # Fortran-ordered ndarray or CSC
    XC: object  # C-ordered ndarray or CSR
    y01: np.ndarray
    ypm: np.ndarray

    @classmethod
    def build(cls, X, y: np.ndarray) -> Data:
        if sp.issparse(X):
            XF, XC = sp.csc_matrix(X), sp.csr_matrix(X)
            XF.sort_indices()
            XC.sort_indices()
        else:
            XF, XC = np.asfortranarray(X), np.ascontiguousarray(X)
        y01 = np.ascontiguousarray(y, dtype=np.float64)
        return cls(XF, XC, y01, 2.0 * y01 - 1.0)

    def args(self, s: str, layout: str) -> tuple:
        solver = SOLVERS[s]
        lay = solver.layout if layout == "native" else layout
        return (self.XF if lay == "F" else self.XC), (self.ypm if solver.pm1 else self.y01)


# ----------------------------------------------------------------------------------------------
def _fit(
    s: str, lam: float, tol: float, X, y, ref: bool = False
) -> tuple[float, np.ndarray, object]:
    """One fit; returns (seconds, coef, estimator).  Only ``fit`` is inside the timer."""
    est = SOLVERS[s].factory(lam, tol, X.shape[0], ref)
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


def run_row(
    row: Row, data: Data, solvers: list[str], layout: str, repeats: int, min_time: float, log,
    curves: bool = False, max_rounds: int = MAX_ROUNDS,
) -> dict:
    X, y = data.XF, data.y01  # for the objective
    n, p = X.shape
    lam = logreg_lambda(X, y, row.frac)
    F0 = logreg_objective(X, y, np.zeros(p), lam)

    def objective(w: np.ndarray) -> float:
        return logreg_objective(X, y, w, lam)

    res: dict = {
        "problem": row.problem,
        "frac": row.frac,
        "n": n,
        "p": p,
        "sparse": sp.issparse(X),
        "lam": lam,
        "F0": F0,
        "solvers": {},
    }

    # 1. warm-up + F*: every solver at the tightest tol (untimed for the figure)
    for s in solvers:
        try:
            dt, w, est = _fit(s, lam, TOLS[-1], *data.args(s, layout), ref=True)
        except Exception as exc:  # a solver that breaks must not end the run
            log(f"  {s}: fit failed: {type(exc).__name__}: {exc}")
            res["solvers"][s] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        res["solvers"][s] = {
            "F_tightest": objective(w),
            "first_fit_ms": 1e3 * dt,
            "nnz_tightest": int(np.count_nonzero(w)),
            "n_iter_tightest": _n_iter(est),
        }
        cap = REF_CAPS.get(s)
        if cap is not None and _n_iter(est) is not None and _n_iter(est) >= cap:
            log(f"  {s}: tol 1e-12 reference fit stopped at its cap ({cap} iterations)")
    ok = [s for s in solvers if "error" not in res["solvers"][s]]
    if not ok:
        return res
    Fstar = min(res["solvers"][s]["F_tightest"] for s in ok)
    res["Fstar"] = Fstar
    res["Fstar_solver"] = min(ok, key=lambda s: res["solvers"][s]["F_tightest"])
    threshold = RTOL * F0
    for s in ok:
        r = res["solvers"][s]
        r["rel_subopt_tightest"] = (r["F_tightest"] - Fstar) / F0
        if r["F_tightest"] - Fstar > threshold:
            log(
                f"  {s}: at tol 1e-12 F - F* = {r['rel_subopt_tightest']:.2e} F(0): "
                "not the common optimum"
            )

    # 2. per solver: loosest tol in TOLS reaching F(w) - F* <= 1e-6 F(0)
    chosen: dict[str, float] = {}
    trial: dict[str, float] = {}
    for s in ok:
        r = res["solvers"][s]
        Xs, ys = data.args(s, layout)

        def fit(tol, s=s, Xs=Xs, ys=ys):
            dt, w, est = _fit(s, lam, tol, Xs, ys)
            return dt, objective(w) - Fstar, int(np.count_nonzero(w)), _n_iter(est)

        got = tol_sweep(r, fit, TOLS, F0, threshold, curves)
        if got is None:
            log(f"  {s}: never reached F - F* <= {RTOL:g} F(0) (at tol 1e-12: "
                f"{r['rel_subopt']:.2e})")
        else:
            chosen[s], trial[s] = got

    # 3. timed repeats, interleaved across solvers; fast fits get more rounds
    args = {s: data.args(s, layout) for s in chosen}
    times = timed_rounds(res, {s: trial[s] for s in chosen},
                         lambda s: 1e3 * _fit(s, lam, chosen[s], *args[s])[0],
                         repeats, min_time, max_rounds)
    return summarize(res, times, PEERS)


# ----------------------------------------------------------------------------------------------
def print_tables(results: list[dict], solvers: list[str]) -> None:
    print_time_table(results, solvers)

    head = ["problem", "frac", *[f"{s} tol" for s in solvers], "F* from", "max ref. subopt"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r["problem"], f"{r['frac']:g}"]
        for s in solvers:
            tol = r["solvers"].get(s, {}).get("tol")
            cells.append(f"{tol:.0e}" if tol else "-")
        cells.append(r.get("Fstar_solver", "-"))
        subs = [v["rel_subopt_tightest"] for v in r["solvers"].values() if "error" not in v]
        cells.append(f"{max(subs):.1e}" if subs else "-")
        lines.append("| " + " | ".join(cells) + " |")
    print(
        "\ntol each solver needed; last column: largest (F - F*) / F(0) of the tol 1e-12 "
        "reference fits (all solvers reach the same optimum when it is <= 1e-6)"
    )
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
        "contains any of them, e.g. 'leukemia' or 'a9a,frac=0.01'",
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
    ap.add_argument(
        "--layout",
        choices=("native", "F", "C"),
        default="native",
        help="memory layout of X: 'native' (default) gives each solver the one its fit "
        "converts to (F/CSC: penalized, skglm; C/CSR: liblinear, celer); 'F' or 'C' gives "
        "every solver that one",
    )
    ap.add_argument("--curves", action="store_true",
                    help="go on tightening tol past the threshold, down to F - F* <= "
                    f"{CURVE_FLOOR:g} F(0), for suboptimality-against-time curves (run.py)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

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
            __import__(SOLVERS[s].module)
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
        data: dict[str, Data | None] = {}
        for row in rows:
            if row.problem not in data:
                try:
                    X, y = PROBLEMS[row.problem]()
                except DataUnavailable as exc:
                    data[row.problem] = None
                    log(f"note: skipping {row.problem}: {exc}")
                else:
                    data[row.problem] = Data.build(X, y)
            if data[row.problem] is None:
                continue
            log(f"{row.label} ...")
            t0 = time.perf_counter()
            res = run_row(row, data[row.problem], solvers, args.layout, repeats, min_time, log,
                          args.curves, args.max_rounds)
            log(f"  done in {time.perf_counter() - t0:.1f} s")
            results.append(res)

    if results:
        print_tables(results, solvers)
    else:
        print("no row ran (data missing?)")
    rounds = sorted({r.get("rounds", repeats) for r in results}) or [repeats]
    print(
        f"\ntotal {time.perf_counter() - t_start:.0f} s, {rounds[0]}-{rounds[-1]} timed rounds "
        f"per row, BLAS threads: 1, layout: {args.layout}"
    )

    if args.out:
        meta = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "blas": blas,
            "layout": args.layout,
            "repeats": repeats,
            "min_time_s": min_time,
            "max_rounds": args.max_rounds,
            "rtol": RTOL,
            "tols": TOLS,
            "ref_caps": REF_CAPS,
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
