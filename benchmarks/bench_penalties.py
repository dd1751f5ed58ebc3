"""Penalties beyond the lasso, time to the same objective: penalized against skglm (MCP,
SCAD, group lasso, weighted lasso), celer (group lasso, weighted lasso) and scikit-learn
(MultiTaskLasso, MultiTaskLassoCV), side by side in one process.

Protocol (BENCHMARKS.md), as ``bench_lasso.py``:

* no intercept; objectives ``F(w) = 1/(2n) ||y - Xw||^2 + pen(w)`` with ``pen`` one of
  ``sum_j MCP(|w_j|; lam, 3)``, ``sum_j SCAD(|w_j|; lam, 3.7)``,
  ``lam sum_g sqrt(|g|) ||w_g||`` (groups of 10 contiguous features),
  ``lam sum_j v_j |w_j|`` (weights ``v`` drawn in [0.5, 2], seed 0) and, for several
  tasks, ``1/(2n) ||Y - XW||_F^2 + lam sum_j ||W_j||_2``; ``lam = frac * lam_max`` with
  ``lam_max`` the smallest lam giving 0 (for MCP and SCAD: the lasso's);
* ``F*`` = the lowest objective any solver reached at ``tol = 1e-12`` (these fits are the
  warm-up: JIT compilation happens there, untimed); each solver's ``tol`` is tightened over
  1e-2 ... 1e-12 until ``F(w) - F* <= 1e-6 F(0)``; that fit's median time over interleaved
  repeats is its figure. For the nonconvex rows every solver starts from zero on a problem
  with a unique critical point reached in practice (the rows are chosen so; a solver stuck
  at another critical point would show as "not reached");
* the CV row (MultiTaskLassoCV: 100 alphas from alpha_max to 1e-3 alpha_max, the same
  explicit grid for both, ``KFold(5)``, intercept): each library's ``tol`` is tightened
  until its mean CV curve is within 1e-3 (relative) of the exact one (penalized at
  ``tol = 1e-12``) from alpha_max down to half the exact alpha_min (BENCHMARKS.md's CV
  update);
* BLAS pinned to one thread; X Fortran-ordered float64.

Usage::

    python benchmarks/bench_penalties.py                 # every row, 5 repeats
    python benchmarks/bench_penalties.py --quick         # 3 repeats
    python benchmarks/bench_penalties.py --rows mcp,group --out penalties.json
    python benchmarks/bench_penalties.py --clock cpu       # CPU time (a shared machine)
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
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from _problems import DataUnavailable, load_riboflavin, simulated
from _report import (
    RTOL,
    TOLS,
    collect_garbage,
    print_time_table,
    summarize,
    timed_rounds,
    version,
)
from threadpoolctl import threadpool_info, threadpool_limits

CV_RTOL = 1e-3
GROUP = 10  # group size of the group-lasso rows
PEERS = ("scikit-learn", "skglm", "celer")


# ---------------------------------------------------------------------------------- problems
def _sim(n, p):
    return lambda: simulated(n, p)[:2]


def _multitask(n, p, T, seed=27):
    """AR(1) design of BENCHMARKS.md, 10% of rows nonzero in every task, SNR 3."""
    def load():
        X, _, _ = simulated(n, p, seed=seed)
        rng = np.random.default_rng(seed)
        W = np.zeros((p, T))
        rows = rng.choice(p, max(1, p // 10), replace=False)
        W[rows] = rng.standard_normal((rows.size, T))
        signal = X @ W
        noise = rng.standard_normal((n, T))
        return X, signal + noise / np.linalg.norm(noise) * np.linalg.norm(signal) / 3.0
    return load


PROBLEMS: dict[str, Callable] = {
    "sim 500x600": _sim(500, 600),
    "sim 200x2000": _sim(200, 2000),
    "sim 5000x200": _sim(5000, 200),
    "riboflavin 71x4088": load_riboflavin,
    "sim 300x500 T=10": _multitask(300, 500, 10),
    "sim 200x100 T=5": _multitask(200, 100, 5),
}


# -------------------------------------------------------------------------------- penalties
def _mcp_value(w, lam, gamma=3.0):
    t = np.abs(w)
    return float(np.sum(np.where(t <= gamma * lam, lam * t - t * t / (2 * gamma),
                                 gamma * lam * lam / 2)))


def _scad_value(w, lam, gamma=3.7):
    t = np.abs(w)
    mid = (2 * gamma * lam * t - t * t - lam * lam) / (2 * (gamma - 1))
    return float(np.sum(np.where(t <= lam, lam * t, np.where(t <= gamma * lam, mid,
                                                             lam * lam * (gamma + 1) / 2))))


def _group_value(w, lam):
    G = w.reshape(-1, GROUP)
    return float(lam * np.sqrt(GROUP) * np.linalg.norm(G, axis=1).sum())


def _weights(p):
    return np.random.default_rng(0).uniform(0.5, 2.0, p)


@dataclass
class Kind:
    """One penalty: its lam_max, its value and a factory per solver."""
    lam_max: Callable
    value: Callable
    factories: dict = field(default_factory=dict)
    multitask: bool = False


def _lasso_lam_max(X, y):
    return float(np.max(np.abs(X.T @ y)) / X.shape[0])


KINDS: dict[str, Kind] = {}


def _register():
    import penalized

    def pen_mcp(lam, tol, X):
        return penalized.MCPRegression(alpha=lam, gamma=3.0, fit_intercept=False, tol=tol,
                                       max_iter=100_000)

    def pen_scad(lam, tol, X):
        return penalized.SCADRegression(alpha=lam, gamma=3.7, fit_intercept=False, tol=tol,
                                        max_iter=100_000)

    def pen_group(lam, tol, X):
        return penalized.GroupLasso(GROUP, alpha=lam, fit_intercept=False, tol=tol,
                                    max_iter=100_000)

    def pen_wlasso(lam, tol, X):
        return penalized.Lasso(alpha=lam, penalty_factor=_weights(X.shape[1]),
                               fit_intercept=False, tol=tol, max_iter=100_000)

    def pen_mtl(lam, tol, X):
        return penalized.MultiTaskLasso(alpha=lam, fit_intercept=False, tol=tol,
                                        max_iter=100_000)

    def sk_mcp(lam, tol, X):
        import skglm

        return skglm.MCPRegression(alpha=lam, gamma=3.0, fit_intercept=False, tol=tol,
                                   max_iter=1000, max_epochs=100_000)

    def sk_scad(lam, tol, X):
        from skglm import GeneralizedLinearEstimator
        from skglm.datafits import Quadratic
        from skglm.penalties import SCAD
        from skglm.solvers import AndersonCD

        return GeneralizedLinearEstimator(Quadratic(), SCAD(lam, 3.7),
                                          AndersonCD(tol=tol, max_iter=1000, max_epochs=100_000,
                                                     fit_intercept=False))

    def sk_group(lam, tol, X):
        import skglm

        return skglm.GroupLasso(GROUP, alpha=lam, weights=np.sqrt(GROUP) * np.ones(
            X.shape[1] // GROUP), fit_intercept=False, tol=tol, max_iter=1000,
            max_epochs=100_000)

    def sk_wlasso(lam, tol, X):
        import skglm

        return skglm.WeightedLasso(alpha=lam, weights=_weights(X.shape[1]), fit_intercept=False,
                                   tol=tol, max_iter=1000, max_epochs=100_000)

    def ce_group(lam, tol, X):
        import celer

        return celer.GroupLasso(GROUP, alpha=lam, weights=np.sqrt(GROUP) * np.ones(
            X.shape[1] // GROUP), fit_intercept=False, tol=tol, max_iter=1000,
            max_epochs=100_000)

    def ce_wlasso(lam, tol, X):
        import celer

        return celer.Lasso(alpha=lam, weights=_weights(X.shape[1]), fit_intercept=False,
                           tol=tol, max_iter=1000, max_epochs=100_000)

    def sl_mtl(lam, tol, X):
        from sklearn.linear_model import MultiTaskLasso

        return MultiTaskLasso(alpha=lam, fit_intercept=False, tol=tol, max_iter=100_000)

    def group_lam_max(X, y):
        g = (X.T @ y).reshape(-1, GROUP)
        return float(np.max(np.linalg.norm(g, axis=1)) / (np.sqrt(GROUP) * X.shape[0]))

    def wl_lam_max(X, y):
        return float(np.max(np.abs(X.T @ y) / _weights(X.shape[1])) / X.shape[0])

    def mtl_lam_max(X, Y):
        return float(np.max(np.linalg.norm(X.T @ Y, axis=1)) / X.shape[0])

    KINDS.update({
        "MCP": Kind(_lasso_lam_max, _mcp_value, {"penalized": pen_mcp, "skglm": sk_mcp}),
        "SCAD": Kind(_lasso_lam_max, _scad_value, {"penalized": pen_scad, "skglm": sk_scad}),
        "group lasso": Kind(group_lam_max, _group_value,
                            {"penalized": pen_group, "skglm": sk_group, "celer": ce_group}),
        "weighted lasso": Kind(wl_lam_max,
                               lambda w, lam: float(lam * _weights(w.size) @ np.abs(w)),
                               {"penalized": pen_wlasso, "skglm": sk_wlasso,
                                "celer": ce_wlasso}),
        "MultiTaskLasso": Kind(mtl_lam_max,
                               lambda W, lam: float(lam * np.linalg.norm(W, axis=1).sum()),
                               {"penalized": pen_mtl, "scikit-learn": sl_mtl}, multitask=True),
    })


@dataclass
class Row:
    kind: str
    problem: str
    frac: float

    @property
    def label(self) -> str:
        return f"{self.kind} {self.problem} frac={self.frac:g}"


ROWS = [
    Row("MCP", "sim 500x600", 0.1),
    Row("MCP", "sim 5000x200", 0.1),
    Row("MCP", "riboflavin 71x4088", 0.3),
    Row("SCAD", "sim 500x600", 0.1),
    Row("SCAD", "sim 5000x200", 0.1),
    Row("group lasso", "sim 500x600", 0.1),
    Row("group lasso", "sim 200x2000", 0.1),
    Row("group lasso", "sim 5000x200", 0.1),
    Row("weighted lasso", "sim 500x600", 0.1),
    Row("weighted lasso", "riboflavin 71x4088", 0.1),
    Row("weighted lasso", "sim 200x2000", 0.01),
    Row("MultiTaskLasso", "sim 300x500 T=10", 0.1),
    Row("MultiTaskLasso", "sim 300x500 T=10", 0.01),
    Row("MultiTaskLassoCV", "sim 200x100 T=5", 0.0),
]


# ----------------------------------------------------------------------------------- timing
def _coef(est, multitask):
    c = np.asarray(est.coef_, dtype=np.float64)
    return c.T if multitask else c.ravel()


CLOCK = time.perf_counter  # --clock cpu: time.process_time


def _fit(make, X, y):
    est = make()
    collect_garbage()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = CLOCK()
            est.fit(X, y)
            dt = CLOCK() - t0
    finally:
        gc.enable()
    return dt, est


def _objective(kind, X, y, w, lam):
    r = y - X @ w
    return float(np.sum(r * r) / (2 * X.shape[0]) + kind.value(w, lam))


def run_row(row, X, y, solvers, repeats, min_time, log):
    kind = KINDS[row.kind]
    lam = row.frac * kind.lam_max(X, y)
    zero = np.zeros((X.shape[1], y.shape[1])) if kind.multitask else np.zeros(X.shape[1])
    F0 = _objective(kind, X, y, zero, lam)
    res = {"problem": f"{row.kind} {row.problem}", "frac": row.frac, "n": X.shape[0],
           "p": X.shape[1], "lam": lam, "F0": F0, "solvers": {}}
    here = [s for s in solvers if s in kind.factories]
    for s in here:
        try:
            dt, est = _fit(lambda s=s: kind.factories[s](lam, TOLS[-1], X), X, y)
        except Exception as exc:
            log(f"  {s}: fit failed: {type(exc).__name__}: {exc}")
            res["solvers"][s] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        w = _coef(est, kind.multitask)
        res["solvers"][s] = {"F_tightest": _objective(kind, X, y, w, lam),
                             "first_fit_ms": 1e3 * dt}
    ok = [s for s in here if "error" not in res["solvers"][s]]
    if not ok:
        return res
    Fstar = min(res["solvers"][s]["F_tightest"] for s in ok)
    res["Fstar"] = Fstar
    res["Fstar_solver"] = min(ok, key=lambda s: res["solvers"][s]["F_tightest"])
    chosen, trial = {}, {}
    for s in ok:
        for tol in TOLS:
            dt, est = _fit(lambda s=s, tol=tol: kind.factories[s](lam, tol, X), X, y)
            sub = _objective(kind, X, y, _coef(est, kind.multitask), lam) - Fstar
            if sub <= RTOL * F0:
                chosen[s], trial[s] = tol, dt
                res["solvers"][s].update(tol=tol, rel_subopt=sub / F0)
                break
        else:
            res["solvers"][s].update(tol=None, rel_subopt=sub / F0, ms=None)
            log(f"  {s}: never reached F - F* <= {RTOL:g} F(0) ({sub / F0:.2e} at 1e-12)")
    return _timed(res, chosen, trial, lambda s: (lambda: kind.factories[s](lam, chosen[s], X)),
                  X, y, repeats, min_time)


def _timed(res, chosen, trial, maker, X, y, repeats, min_time):
    times = timed_rounds(res, {s: trial[s] for s in chosen},
                         lambda s: 1e3 * _fit(maker(s), X, y)[0], repeats, min_time)
    return summarize(res, times, PEERS)


def run_cv_row(row, X, Y, solvers, repeats, min_time, log):
    """MultiTaskLassoCV: time until the mean CV curve is within CV_RTOL of the exact one."""
    from sklearn.linear_model import MultiTaskLassoCV as SkCV
    from sklearn.model_selection import KFold

    from penalized.model_selection import MultiTaskLassoCV

    n = X.shape[0]
    Yc, mu = Y - Y.mean(0), X.mean(0)
    amax = float(np.max(np.linalg.norm((X - mu).T @ Yc, axis=1)) / n)
    grid = np.geomspace(amax, 1e-3 * amax, 100)
    cv = KFold(5)
    makers = {
        "penalized": lambda tol: MultiTaskLassoCV(alphas=grid, cv=cv, tol=tol, max_iter=100_000),
        "scikit-learn": lambda tol: SkCV(alphas=grid, cv=cv, tol=tol, max_iter=100_000),
    }
    here = [s for s in solvers if s in makers]
    res = {"problem": f"{row.kind} {row.problem}", "frac": row.frac, "n": n, "p": X.shape[1],
           "solvers": {s: {} for s in here}}
    _, ref = _fit(lambda: makers["penalized"](1e-12), X, Y)
    exact = ref.mse_path_.mean(axis=1)
    a_min = grid[int(np.argmin(exact))]
    keep = grid >= 0.5 * a_min
    for s in here:
        _fit(lambda s=s: makers[s](1e-2), X, Y)  # warm-up
    chosen, trial = {}, {}
    for s in here:
        for tol in TOLS:
            dt, est = _fit(lambda s=s, tol=tol: makers[s](tol), X, Y)
            err = float(np.max(np.abs(est.mse_path_.mean(axis=1) - exact)[keep] / exact[keep]))
            if err <= CV_RTOL:
                chosen[s], trial[s] = tol, dt
                res["solvers"][s].update(tol=tol, curve_rel_err=err, alpha=float(est.alpha_))
                break
        else:
            res["solvers"][s].update(tol=None, curve_rel_err=err, ms=None)
            log(f"  {s}: never reached a CV curve within {CV_RTOL:g} ({err:.2e} at 1e-12)")
    return _timed(res, chosen, trial, lambda s: (lambda: makers[s](chosen[s])), X, Y, repeats,
                  min_time)


# --------------------------------------------------------------------------------------- main
def print_tables(results, solvers):
    print_time_table(results, solvers)
    head = ["row", "frac", *[f"{s} tol" for s in solvers], "F* from"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r["problem"], f"{r['frac']:g}"]
        for s in solvers:
            tol = r["solvers"].get(s, {}).get("tol")
            cells.append(f"{tol:.0e}" if tol else "-")
        cells.append(r.get("Fstar_solver", "(CV curve)"))
        lines.append("| " + " | ".join(cells) + " |")
    print("\ntol each solver needed")
    print("\n".join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 timed repeats, no extra rounds")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (>= 3)")
    ap.add_argument("--rows", default="", help="comma-separated substrings of row labels")
    ap.add_argument("--solvers", default="penalized,scikit-learn,skglm,celer")
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall time (the protocol) or the process's CPU time: on a machine "
                    "shared with other jobs, CPU time leaves out the time slices they take "
                    "(every fit here runs on one thread)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    sys.stdout.reconfigure(line_buffering=True)
    repeats = args.repeats or (3 if args.quick else 5)
    min_time = 0.0 if args.quick else args.min_time

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    solvers = []
    for s in [s.strip() for s in args.solvers.split(",") if s.strip()]:
        try:
            __import__({"scikit-learn": "sklearn"}.get(s, s))
        except Exception as exc:
            log(f"note: {s} skipped, import failed: {type(exc).__name__}: {exc}")
            continue
        solvers.append(s)
    _register()
    wanted = [w.strip() for w in args.rows.split(",") if w.strip()]
    rows = [r for r in ROWS if not wanted or any(w.lower() in r.label.lower() for w in wanted)]
    if not rows:
        ap.error("--rows matched no row")
    results, data = [], {}
    t_start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        blas = [{k: d.get(k) for k in ("internal_api", "version", "num_threads")}
                for d in threadpool_info() if d.get("user_api") == "blas"]
        for row in rows:
            if row.problem not in data:
                try:
                    X, y = PROBLEMS[row.problem]()
                    data[row.problem] = (np.asfortranarray(X), y)
                except DataUnavailable as exc:
                    data[row.problem] = None
                    log(f"note: skipping {row.problem}: {exc}")
            if data[row.problem] is None:
                continue
            X, y = data[row.problem]
            log(f"{row.label} ...")
            t0 = time.perf_counter()
            run = run_cv_row if row.kind == "MultiTaskLassoCV" else run_row
            results.append(run(row, X, y, solvers, repeats, min_time, log))
            log(f"  done in {time.perf_counter() - t0:.1f} s")
    if results:
        print_tables(results, solvers)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s, BLAS threads: 1, clock: {args.clock}")
    if args.out:
        meta = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": sys.version.split()[0], "platform": platform.platform(),
                "clock": args.clock,
                "cpu_count": os.cpu_count(), "blas": blas, "repeats": repeats, "rtol": RTOL,
                "cv_rtol": CV_RTOL,
                "versions": {d: version(d) for d in ("penalized", "numpy", "numba",
                                                     "scikit-learn", "skglm", "celer")}}
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "rows": results}, fh, indent=1)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
