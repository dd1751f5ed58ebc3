"""GLM families time-to-accuracy benchmark: penalized against glum (Gamma, Tweedie,
Poisson) and scikit-survival / skglm (Cox), side by side in one process.

Protocol (the one of ``bench_logistic.py``, BENCHMARKS.md):

* objectives: ``F(w, b) = 1/n sum_i l(y_i, x_i.w + b) + lam ||w||_1`` with the datafit's
  loss (half the deviance up to a constant: Gamma, Tweedie 1.5, Poisson; glum's
  ``alpha = lam``, ``l1_ratio = 1``), intercept fitted; Cox: ``1/n`` times the negative
  Breslow log partial likelihood plus ``lam ||w||_1``, no intercept (scikit-survival's
  ``CoxnetSurvivalAnalysis(alphas=[lam])``, skglm's ``Cox`` with ``ProxNewton``). Every
  objective is evaluated by penalized's datafits, the same function for every solver;
* ``lam = frac * alpha_max`` (``alpha_max`` the smallest lam with w = 0);
* ``F*`` = the lowest objective of the solvers' fits at their tightest tol (these fits
  are also the warm-up: JIT compilation happens here, untimed);
* for each solver, ``tol`` runs over 1e-2, 1e-3, ..., 1e-12 until ``F - F* <= 1e-6
  (F_null - F*)`` (``F_null`` the objective of the intercept-only model: the threshold is
  a millionth of what the fit gains over it); that tol's fit time is the solver's figure
  (median of interleaved repeats, garbage collection off, BLAS pinned to one thread).

Report ratios penalized / best peer measured in the same run, never absolute times from
another run.

Each row runs in a new process (``--in-process``: all in this one). The allocator's
state is part of what a fit costs: glibc returns freed memory above a threshold to the
system, and a fit that allocates large temporaries then pays page faults for them again
on every call. The threshold rises with the largest block freed so far, so in one process
an earlier row changed the later ones (scikit-survival's Cox fit of 2000 x 100 took 5.4
ms after Cox rows alone, 3.0 ms after a glum Gamma fit of 10000 x 100). ``--malloc
steady`` measures every library with those thresholds at glibc's maximum (the state of a
long session that has handled a large array: no page faults); the default is a fresh
process (a script's first model).

Usage::

    python benchmarks/bench_families.py              # every row, 5 repeats
    python benchmarks/bench_families.py --quick      # 3 repeats
    python benchmarks/bench_families.py --rows cox --out results.json
    python benchmarks/bench_families.py --rows cox --malloc steady
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime

import numpy as np
from _report import (
    RTOL,
    TOLS,
    collect_garbage,
    print_time_table,
    summarize,
    timed_rounds,
    version,
)
from threadpoolctl import threadpool_limits


# ------------------------------------------------------------------------------ data
def _glm_data(kind, n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    beta = np.zeros(p)
    k = min(10, p)
    beta[:k] = rng.uniform(-0.3, 0.3, k)
    mu = np.exp(0.5 + X @ beta)
    if kind == "gamma":
        y = rng.gamma(2.0, mu / 2.0)
    elif kind == "poisson":
        y = rng.poisson(mu).astype(float)
    else:  # compound Poisson-Gamma (Tweedie 1.5)
        y = np.array([rng.gamma(2.0, 0.5, c).sum() for c in rng.poisson(mu)])
    return X, y


def _cox_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    beta = np.zeros(p)
    beta[:10] = rng.uniform(-0.5, 0.5, 10)
    t = rng.exponential(np.exp(-X @ beta))
    c = rng.exponential(np.median(t) * 2, n)
    return X, np.round(np.minimum(t, c), 3) + 1e-3, (t <= c)


ROWS = {
    # label: (family, n, p, frac)
    "gamma 10000x100": ("gamma", 10000, 100, 0.05),
    "gamma 500x2000": ("gamma", 500, 2000, 0.1),
    "tweedie1.5 10000x100": ("tweedie", 10000, 100, 0.05),
    "poisson 10000x100": ("poisson", 10000, 100, 0.05),
    "poisson 500x2000": ("poisson", 500, 2000, 0.1),
    "cox 2000x100": ("cox", 2000, 100, 0.1),
    "cox 20000x100": ("cox", 20000, 100, 0.1),
    "cox 500x1000": ("cox", 500, 1000, 0.2),
}


# --------------------------------------------------------------------------- solvers
def _datafit(family):
    from penalized.datafits import Cox, Gamma, Poisson, Tweedie

    return {"gamma": Gamma(), "poisson": Poisson(), "tweedie": Tweedie(1.5),
            "cox": Cox()}[family]


def _penalized(family, lam, tol):
    import penalized

    if family == "cox":
        return penalized.CoxPH(alpha=lam, tol=tol, max_iter=1000)
    if family == "gamma":
        return penalized.GammaRegressor(alpha=lam, l1_ratio=1.0, tol=tol, max_iter=1000)
    if family == "poisson":
        return penalized.PoissonRegressor(alpha=lam, l1_ratio=1.0, tol=tol, max_iter=1000)
    return penalized.TweedieRegressor(alpha=lam, power=1.5, l1_ratio=1.0, tol=tol,
                                      max_iter=1000)


def _glum(family, lam, tol):
    import glum

    fam = {"gamma": "gamma", "poisson": "poisson",
           "tweedie": glum.TweedieDistribution(1.5)}[family]
    return glum.GeneralizedLinearRegressor(family=fam, link="log", alpha=lam, l1_ratio=1.0,
                                           gradient_tol=tol, max_iter=10_000)


def _sksurv(family, lam, tol):
    from sksurv.linear_model import CoxnetSurvivalAnalysis

    return CoxnetSurvivalAnalysis(alphas=[lam], l1_ratio=1.0, tol=tol, max_iter=1_000_000)


class _SkglmCox:
    """skglm's Cox datafit with an L1 penalty, solved by its ProxNewton (no intercept)."""

    def __init__(self, lam, tol):
        self.lam, self.tol = lam, tol

    def fit(self, X, y):
        from skglm.datafits import Cox
        from skglm.penalties import L1
        from skglm.solvers import ProxNewton
        from skglm.utils.jit_compilation import compiled_clone

        datafit = compiled_clone(Cox())
        datafit.initialize(X, y)
        self.coef_ = ProxNewton(fit_intercept=False, tol=self.tol, max_iter=1000).solve(
            X, y, datafit, compiled_clone(L1(self.lam)))[0]
        return self


SOLVERS = {"penalized": ("penalized", _penalized), "glum": ("glum", _glum),
           "scikit-survival": ("sksurv", _sksurv),
           "skglm": ("skglm", lambda fam, lam, tol: _SkglmCox(lam, tol))}
PEERS = ("glum", "scikit-survival", "skglm")


def _solvers_for(family, available):
    want = ("penalized", "scikit-survival", "skglm") if family == "cox" else ("penalized",
                                                                              "glum")
    return [s for s in want if s in available]


# ---------------------------------------------------------------------------- a row
class Problem:
    def __init__(self, label):
        family, n, p, frac = ROWS[label]
        self.label, self.family, self.frac = label, family, frac
        if family == "cox":
            self.X, time_, event = _cox_data(n, p)
            self.y = np.column_stack([time_, event.astype(float)])
            from sksurv.util import Surv  # noqa: F401  (only when scikit-survival exists)
        else:
            self.X, self.y = _glm_data(family, n, p)
            time_ = event = None
        self.time_, self.event = time_, event
        from penalized import path
        from penalized.datafits.cox import survival_target

        self.datafit = _datafit(family)
        self.yd = survival_target(self.y) if family == "cox" else self.y
        self.amax = float(path(self.X, self.y, self.datafit, alphas=1,
                               fit_intercept=family != "cox").alphas[0])
        self.lam = frac * self.amax
        self.bound = self.datafit.bind(self.yd, np.ones(self.X.shape[0]))
        s = np.ones(self.X.shape[0])
        self.F_null = self.bound.value(self.yd, self.datafit.null_eta(
            self.yd, s, 0.0, family != "cox"), s)

    def args(self, solver):
        if self.family != "cox":
            return self.X, self.y
        if solver == "scikit-survival":
            from sksurv.util import Surv

            return self.X, Surv.from_arrays(self.event, self.time_)
        if solver == "skglm":
            return self.X, np.column_stack([self.time_, self.event.astype(float)])
        return self.X, self.y

    def objective(self, w, b):
        eta = self.X @ w + b
        return self.bound.value(self.yd, eta, np.ones(self.X.shape[0])) + self.lam * np.abs(
            w).sum()


def _coef(est):
    coef = np.asarray(est.coef_, dtype=np.float64)
    b = float(np.ravel(getattr(est, "intercept_", 0.0))[0]) if np.ndim(
        getattr(est, "intercept_", 0.0)) else float(getattr(est, "intercept_", 0.0))
    return coef.reshape(coef.shape[0], -1)[:, 0] if coef.ndim == 2 else coef, b


def _fit(prob, s, tol):
    est = SOLVERS[s][1](prob.family, prob.lam, tol)
    X, y = prob.args(s)
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
    return dt, est


def run_row(prob, solvers, repeats, min_time, log):
    res = {"problem": prob.label, "frac": prob.frac, "n": prob.X.shape[0],
           "p": prob.X.shape[1], "lam": prob.lam, "F_null": prob.F_null, "solvers": {}}
    for s in solvers:
        try:
            dt, est = _fit(prob, s, TOLS[-1])
        except Exception as exc:  # a solver that breaks must not end the run
            log(f"  {s}: fit failed: {type(exc).__name__}: {exc}")
            res["solvers"][s] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        w, b = _coef(est)
        res["solvers"][s] = {"F_tightest": prob.objective(w, b), "first_fit_ms": 1e3 * dt,
                             "nnz_tightest": int(np.count_nonzero(w))}
    ok = [s for s in solvers if "error" not in res["solvers"][s]]
    if not ok:
        return res
    Fstar = min(res["solvers"][s]["F_tightest"] for s in ok)
    res["Fstar"] = Fstar
    res["Fstar_solver"] = min(ok, key=lambda s: res["solvers"][s]["F_tightest"])
    threshold = RTOL * (prob.F_null - Fstar)
    for s in ok:
        r = res["solvers"][s]
        r["rel_subopt_tightest"] = (r["F_tightest"] - Fstar) / (prob.F_null - Fstar)
    chosen, trial = {}, {}
    for s in ok:
        r = res["solvers"][s]
        for tol in TOLS:
            dt, est = _fit(prob, s, tol)
            gap = prob.objective(*_coef(est)) - Fstar
            if gap <= threshold:
                chosen[s], trial[s] = tol, dt
                r.update(tol=tol, rel_subopt=gap / (prob.F_null - Fstar))
                break
        else:
            r.update(tol=None, ms=None)
            log(f"  {s}: never reached F - F* <= {RTOL:g} (F_null - F*)")
    times = timed_rounds(res, trial, lambda s: 1e3 * _fit(prob, s, chosen[s])[0], repeats,
                         min_time)
    return summarize(res, times, PEERS)


# glibc's largest dynamic thresholds (64-bit): nothing below 32 MB is given back to the
# system between fits
STEADY_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


def _row_in_subprocess(label, args, log):
    """One row in a new interpreter (the allocator state of a fresh process)."""
    env = dict(os.environ)
    if args.malloc == "steady":
        env.update(STEADY_MALLOC)
    cmd = [sys.executable, os.path.abspath(__file__), "--one-row", label,
           "--repeats", str(args.repeats), "--min-time", str(args.min_time)]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("ROW ")), None)
    if proc.returncode != 0 or line is None:
        log(f"  {label}: the row's process failed (exit {proc.returncode})")
        return None
    return json.loads(line[4:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 timed repeats, no extra rounds")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--rows", default="", help="comma-separated substrings of row labels")
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--in-process", action="store_true",
                    help="every row in this process (rows then change each other's "
                         "allocator state)")
    ap.add_argument("--malloc", choices=("fresh", "steady"), default="fresh",
                    help="steady: glibc's trim and mmap thresholds at their maximum (no "
                         "page faults from returned memory); fresh: a new process's")
    ap.add_argument("--one-row", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    repeats = args.repeats or (3 if args.quick else 5)
    min_time = 0.0 if args.quick else args.min_time
    args.repeats, args.min_time = repeats, min_time
    if args.malloc == "steady" and args.in_process and not all(
            os.environ.get(k) == v for k, v in STEADY_MALLOC.items()):
        ap.error("--malloc steady --in-process: set " + " ".join(
            f"{k}={v}" for k, v in STEADY_MALLOC.items()) + " in the environment")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    available = []
    for s, (module, _) in SOLVERS.items():
        try:
            __import__(module)
            available.append(s)
        except Exception as exc:
            log(f"note: {s} skipped, import failed: {type(exc).__name__}: {exc}")
    wanted = [w.strip() for w in args.rows.split(",") if w.strip()]
    labels = [k for k in ROWS if not wanted or any(w in k for w in wanted)]
    if args.one_row is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            solvers = _solvers_for(ROWS[args.one_row][0], available)
            row = run_row(Problem(args.one_row), solvers, repeats, min_time, log)
        print("ROW " + json.dumps(row))
        return 0
    results = []
    t_start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        for label in labels:
            family = ROWS[label][0]
            solvers = _solvers_for(family, available)
            if len(solvers) < 2:
                log(f"note: skipping {label}: no peer installed")
                continue
            log(f"{label} ...")
            t0 = time.perf_counter()
            if args.in_process:
                row = run_row(Problem(label), solvers, repeats, min_time, log)
            else:
                row = _row_in_subprocess(label, args, log)
            if row is not None:
                results.append(row)
            log(f"  done in {time.perf_counter() - t0:.1f} s")
    shown = [s for s in SOLVERS if any(s in r["solvers"] for r in results)]
    if results:
        print_time_table(results, shown)
        print("\n(threshold: F - F* <= 1e-6 (F_null - F*), not 1e-6 F(0))")
        head = ["problem", *[f"{s} tol" for s in shown], "F* from", "max ref. subopt"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in results:
            cells = [r["problem"]]
            for s in shown:
                tol = r["solvers"].get(s, {}).get("tol")
                cells.append(f"{tol:.0e}" if tol else "-")
            cells.append(r.get("Fstar_solver", "-"))
            subs = [v["rel_subopt_tightest"] for v in r["solvers"].values() if "error" not in v]
            cells.append(f"{max(subs):.1e}" if subs else "-")
            lines.append("| " + " | ".join(cells) + " |")
        print("\n" + "\n".join(lines))
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s, BLAS threads: 1, allocator: "
          f"{args.malloc}, " + ("one process" if args.in_process else "a process per row"))
    if args.out:
        meta = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": sys.version.split()[0], "platform": platform.platform(),
                "repeats": repeats, "rtol": RTOL, "malloc": args.malloc,
                "in_process": args.in_process,
                "versions": {d: version(d) for d in ("penalized", "numpy", "numba", "glum",
                                                     "scikit-survival", "skglm")}}
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "rows": results}, fh, indent=1)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
