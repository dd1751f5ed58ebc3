"""Cross-validated Lasso path benchmark: penalized.LassoCV against scikit-learn, skglm and glmnet.

Protocol (BENCHMARKS.md, "Cross-validated path"):

* 100 alphas on a geometric grid from ``alpha_max`` down to ``1e-3 alpha_max``, 5 folds, tol 1e-6,
  intercept fitted (every library's default); problems riboflavin 71 x 4088, simulated
  500 x 5000 and simulated 5000 x 200;
* every estimator uses the same folds, ``KFold(5)`` (unshuffled).  skglm and python-glmnet draw
  their own shuffled ``KFold`` internally; the splitter is swapped for ``KFold(5)`` (only the
  splitter, not the algorithm), so that all chosen alphas are comparable;
* figure: wall time of ``fit``, median of 3 repeats after a warm-up fit (numba compilation,
  caches), the repeats of all estimators interleaved (round robin), so that a slow phase of this
  noisy machine hits all of them alike;
* BLAS is pinned to one thread (threadpoolctl) for every fit, so that ``n_jobs`` (the folds run
  in parallel) is the only parallelism: 2 workers x 1 BLAS thread on this 2-core machine.
  ``--free-blas`` leaves BLAS at its default for the ``n_jobs > 1`` fits (on a busy 2-core
  machine that oversubscribes the cores: scikit-learn's n_jobs=2 fit of 5000 x 200 measured
  about 10x slower than with one BLAS thread);
* ratio penalized / fastest peer, the fastest peer taken over the peer runs with ``n_jobs`` at most
  penalized's (a peer at n_jobs=1 counts against penalized at n_jobs=2);
* chosen ``alpha_`` of each library against scikit-learn's, on the same folds, with each library's
  own CV error at its ``alpha_`` and scikit-learn's CV curve at that ``alpha_``.

Report ratios penalized / best peer measured in the same run, never absolute times from
another run.

Usage::

    python benchmarks/bench_cv.py                          # 3 problems, 3 repeats, skglm included
    python benchmarks/bench_cv.py --quick                  # 1 repeat, cheap warm-up, no skglm,
                                                           # peers at n_jobs=1 only
    python benchmarks/bench_cv.py --rows riboflavin,5000x200 --out cv.json
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

import numpy as np
from _problems import DataUnavailable, load_riboflavin, simulated
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_info, threadpool_limits

N_ALPHAS = 100
EPS = 1e-3
N_FOLDS = 5
TOL = 1e-6
QUICK_WARMUP_TOL = 1e-2  # --quick: the warm-up fit runs at this tol (same code paths, cheaper)
# glmnet stops on the (weighted) largest coefficient change, not on a duality gap: its tol is not
# on the same scale as the others'.  It runs at its own default (R's thresh = 1e-7).
GLMNET_TOL = 1e-7

PROBLEMS: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "riboflavin 71x4088": load_riboflavin,
    "sim 500x5000": lambda: simulated(500, 5000)[:2],
    "sim 5000x200": lambda: simulated(5000, 200)[:2],
}


# ----------------------------------------------------------------------------------------------
# estimators: factory(n_jobs, tol) -> unfitted estimator
# ----------------------------------------------------------------------------------------------
def _penalized(n_jobs: int, tol: float):
    import penalized

    return penalized.LassoCV(alphas=N_ALPHAS, eps=EPS, cv=KFold(N_FOLDS), tol=tol, n_jobs=n_jobs)


def _sklearn(n_jobs: int, tol: float):
    from sklearn.linear_model import LassoCV

    return LassoCV(alphas=N_ALPHAS, eps=EPS, cv=KFold(N_FOLDS), tol=tol, n_jobs=n_jobs)


def _protocol_kfold(n_splits: int, shuffle: bool = False, random_state=None) -> KFold:
    return KFold(n_splits)


def _skglm(n_jobs: int, tol: float):
    # GeneralizedLinearEstimatorCV solves every (alpha, fold) with a fresh estimator; with
    # warm_start=True the solver starts from the previous alpha's solution of that fold (riboflavin:
    # 5 s against 35 s cold).  Its grid is geomspace(alpha_max, eps alpha_max)
    # with alpha_max = ||X'y||_inf / n (not centered), so it can differ slightly from the others'.
    import skglm.cv
    from skglm import GeneralizedLinearEstimatorCV
    from skglm.datafits import Quadratic
    from skglm.penalties import L1
    from skglm.solvers import AndersonCD

    # the protocol's folds instead of skglm's KFold(shuffle=True, random_state=None)
    skglm.cv.KFold = _protocol_kfold
    return GeneralizedLinearEstimatorCV(
        Quadratic(),
        L1(1.0),
        AndersonCD(tol=tol, warm_start=True),
        cv=N_FOLDS,
        n_jobs=n_jobs,
        eps=EPS,
        n_alphas=N_ALPHAS,
    )


@functools.cache
def _glmnet_class() -> type:
    from glmnet import ElasticNet

    class GlmnetSameFolds(ElasticNet):
        """python-glmnet's ElasticNet with the protocol's folds.

        ``fit`` sets ``self._cv = KFold(n_splits, shuffle=True, ...)`` and then splits with it;
        this property ignores that assignment and hands out ``KFold(n_splits)``.
        """

        @property
        def _cv(self) -> KFold:
            return KFold(self.n_splits)

        @_cv.setter
        def _cv(self, value) -> None:
            pass

    return GlmnetSameFolds


def _glmnet(n_jobs: int, tol: float):
    # R glmnet's Fortran (elnet) through python-glmnet.  standardize=False: the same objective
    # as the others, 1/(2n) ||y - Xw - b||^2 + alpha ||w||_1.  Selection by CV mean squared error
    # (its default would be R^2).  glmnet may end the path early (deviance ratio >= 0.999 or a
    # tiny change), so it can fit fewer than 100 alphas.  Its n_jobs runs folds in threads.
    cls = _glmnet_class()
    return cls(
        alpha=1.0,
        n_lambda=N_ALPHAS,
        min_lambda_ratio=EPS,
        standardize=False,
        n_splits=N_FOLDS,
        scoring="mean_squared_error",
        tol=GLMNET_TOL if tol == TOL else tol,
        n_jobs=n_jobs,
    )


@dataclass(frozen=True)
class Lib:
    name: str  # display name
    module: str  # import name
    factory: Callable
    n_jobs: tuple[int, ...]  # n_jobs values it runs with
    slow: bool = False  # skipped by --skip-slow


LIBS: dict[str, Lib] = {
    "penalized": Lib("penalized", "penalized", _penalized, (1, 2)),
    "scikit-learn": Lib("scikit-learn", "sklearn", _sklearn, (1, 2)),
    # joblib's default (loky) backend, one task per (alpha, fold): n_jobs=2 only adds overhead
    "skglm": Lib("skglm", "skglm", _skglm, (1,), slow=True),
    "glmnet": Lib("glmnet", "glmnet", _glmnet, (1, 2)),
}
PEERS = ("scikit-learn", "skglm", "glmnet")


@dataclass(frozen=True)
class Run:
    lib: Lib
    n_jobs: int
    pin_blas: bool = True  # False: BLAS at its default thread count (--free-blas, n_jobs > 1)

    @property
    def key(self) -> str:
        return f"{self.lib.name} j{self.n_jobs}"


# ----------------------------------------------------------------------------------------------
def _blas_context(run: Run):
    if run.pin_blas:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


def _fit(run: Run, tol: float, X, y) -> tuple[float, object, dict[str, int]]:
    """One fit; returns (seconds, estimator, {warning category: count}).  Only ``fit`` is timed."""
    est = run.lib.factory(run.n_jobs, tol)
    with _blas_context(run), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            est.fit(X, y)
            dt = time.perf_counter() - t0
        finally:
            gc.enable()
    return dt, est, dict(Counter(w.category.__name__ for w in caught))


def _selection(lib: str, est) -> dict:
    """alpha_, the grid and the mean CV mean-squared error along it, per library."""
    if lib == "glmnet":
        alphas = np.asarray(est.lambda_path_, dtype=float)
        mse = -np.asarray(est.cv_mean_score_, dtype=float)  # scorer is -MSE
        alpha = float(est.lambda_max_)
    elif lib == "skglm":
        alphas = np.asarray(est.alphas_, dtype=float)
        # scores_path_: -MSE, (n_l1_ratios, n_alphas, n_folds) squeezed to (n_alphas, n_folds)
        scores = np.asarray(est.scores_path_, dtype=float)
        mse = -scores.reshape(-1, alphas.size, scores.shape[-1])[0].mean(axis=-1)
        alpha = float(est.alpha_)
    else:  # penalized and scikit-learn: mse_path_ (n_alphas, n_folds)
        alphas = np.asarray(est.alphas_, dtype=float)
        mean = getattr(est, "cv_mean_", None) if lib == "penalized" else None
        if mean is not None and np.size(mean) == alphas.size:
            mse = np.asarray(mean, dtype=float).ravel()
        else:
            mse = np.asarray(est.mse_path_, dtype=float).mean(axis=1)
        alpha = float(est.alpha_)
    i = int(np.argmin(np.abs(np.log(alphas) - np.log(alpha))))
    return {
        "alpha": alpha,
        "cv_mse": float(mse[i]),
        "n_alphas": int(alphas.size),
        "_curve": (alphas, mse),
    }


def _curve_at(curve: tuple[np.ndarray, np.ndarray], alpha: float) -> float:
    """A CV curve (alphas, mse) at ``alpha``, linear in log(alpha), clipped to the grid."""
    alphas, mse = curve
    order = np.argsort(alphas)
    return float(np.interp(np.log(alpha), np.log(alphas[order]), mse[order]))


def run_problem(problem: str, X, y, runs: list[Run], repeats: int, warmup_tol: float, log):
    n, p = X.shape
    res: dict = {"problem": problem, "n": n, "p": p, "runs": {}}

    # 1. warm-up (numba compilation, thread pools, caches); untimed for the figure
    live: list[Run] = []
    for run in runs:
        try:
            dt, _, _ = _fit(run, warmup_tol, X, y)
        except Exception as exc:  # an estimator that breaks must not end the run
            log(f"  {run.key}: fit failed: {type(exc).__name__}: {exc}")
            res["runs"][run.key] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        res["runs"][run.key] = {"lib": run.lib.name, "n_jobs": run.n_jobs, "warmup_s": dt}
        live.append(run)

    # 2. timed repeats, round robin
    times: dict[str, list[float]] = {r.key: [] for r in live}
    last: dict[str, object] = {}
    for _ in range(repeats):
        for run in list(live):
            try:
                dt, est, warns = _fit(run, TOL, X, y)
            except Exception as exc:
                log(f"  {run.key}: fit failed: {type(exc).__name__}: {exc}")
                res["runs"][run.key]["error"] = f"{type(exc).__name__}: {exc}"
                live.remove(run)
                continue
            times[run.key].append(dt)
            last[run.key] = est
            res["runs"][run.key]["warnings"] = warns
    for run in live:
        r = res["runs"][run.key]
        r["times_s"] = times[run.key]
        r["median_s"] = statistics.median(times[run.key])
        try:
            sel = _selection(run.lib.name, last[run.key])
        except Exception as exc:  # e.g. an attribute missing from a new estimator
            log(f"  {run.key}: could not read alpha_ / CV errors: {type(exc).__name__}: {exc}")
            sel = {"alpha_error": f"{type(exc).__name__}: {exc}"}
        r["_curve"] = sel.pop("_curve", None)
        r.update(sel)
        if r["warnings"]:
            counts = ", ".join(f"{n} {cat}" for cat, n in r["warnings"].items())
            log(f"  {run.key}: {counts} in the last timed fit")
        alpha = f"{r['alpha']:.6g}" if "alpha" in r else "?"
        log(f"  {run.key}: {1e3 * r['median_s']:.0f} ms, alpha_ = {alpha}")

    # 3. ratios: penalized j_k / fastest peer run with n_jobs <= k
    ok = {k: r for k, r in res["runs"].items() if "median_s" in r}
    for r in ok.values():
        if r["lib"] != "penalized":
            continue
        peers = {
            k: q["median_s"]
            for k, q in ok.items()
            if q["lib"] in PEERS and q["n_jobs"] <= r["n_jobs"]
        }
        if peers:
            best = min(peers, key=peers.get)
            r["best_peer"] = best
            r["ratio"] = r["median_s"] / peers[best]

    # 4. chosen alpha against scikit-learn's (same folds); scikit-learn's CV curve as the judge
    ref = next(
        (ok[k] for k in ("scikit-learn j1", "scikit-learn j2") if k in ok and "alpha" in ok[k]),
        None,
    )
    for r in ok.values():
        if ref is not None and "alpha" in r:
            r["alpha_rel_diff"] = abs(r["alpha"] - ref["alpha"]) / ref["alpha"]
            r["sk_cv_mse_at_alpha"] = _curve_at(ref["_curve"], r["alpha"])
    for r in ok.values():
        r.pop("_curve", None)
    return res


# ----------------------------------------------------------------------------------------------
def _fmt_ms(s: float | None) -> str:
    if s is None:
        return "-"
    ms = 1e3 * s
    return f"{ms:,.0f}" if ms >= 10 else f"{ms:.2f}"


def print_tables(results: list[dict], runs: list[Run]) -> None:
    keys = [r.key for r in runs]
    pen = [k for k in keys if k.startswith("penalized ")]
    head = ["problem", *[f"{k} ms" for k in keys], *[f"{k} / best peer" for k in pen]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        cells = [f"{res['problem']}"]
        # bold: the peers penalized is compared with, else (no penalized) the fastest peer
        best = {res["runs"][k].get("best_peer") for k in pen if k in res["runs"]} - {None}
        if not best:
            timed = [k for k, r in res["runs"].items() if r.get("lib") in PEERS and "median_s" in r]
            best = {min(timed, key=lambda k: res["runs"][k]["median_s"])} if timed else set()
        for k in keys:
            r = res["runs"].get(k)
            if r is None:
                c = "-"
            elif "median_s" not in r:
                c = "error"
            else:
                c = _fmt_ms(r["median_s"])
                if k in best:
                    c = f"**{c}**"
            cells.append(c)
        for k in pen:
            r = res["runs"].get(k, {})
            cells.append(f"{r['ratio']:.2f} ({r['best_peer']})" if "ratio" in r else "-")
        lines.append("| " + " | ".join(cells) + " |")
    print(
        f"\nCV path wall time, median ms ({N_ALPHAS} alphas, eps {EPS:g}, KFold({N_FOLDS}), "
        f"tol {TOL:g}); jN = n_jobs=N; in bold the peer penalized is compared with"
    )
    print("\n".join(lines))

    head = [
        "problem",
        "estimator",
        "alpha_",
        "|alpha_ - sk| / sk",
        "own CV MSE at alpha_",
        "sklearn CV MSE at alpha_",
        "alphas fitted",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        seen: set[str] = set()
        for k in keys:
            r = res["runs"].get(k, {})
            if "alpha" not in r or r["lib"] in seen:
                continue
            seen.add(r["lib"])
            others = [
                q["alpha"]
                for q in res["runs"].values()
                if q.get("lib") == r["lib"] and "alpha" in q and q["alpha"] != r["alpha"]
            ]
            name = r["lib"] + (" (alpha_ differs across n_jobs!)" if others else "")
            lines.append(
                "| "
                + " | ".join(
                    [
                        res["problem"],
                        name,
                        f"{r['alpha']:.6g}",
                        f"{r['alpha_rel_diff']:.1e}" if "alpha_rel_diff" in r else "-",
                        f"{r['cv_mse']:.6g}",
                        f"{r['sk_cv_mse_at_alpha']:.6g}" if "sk_cv_mse_at_alpha" in r else "-",
                        str(r["n_alphas"]),
                    ]
                )
                + " |"
            )
    print("\nchosen alpha (minimum mean CV MSE) on the same folds, against scikit-learn's")
    print("\n".join(lines))


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help=f"1 timed repeat, warm-up at tol {QUICK_WARMUP_TOL:g}, --skip-slow, peers at "
        "n_jobs=1 only (under 5 minutes)",
    )
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (default 3)")
    ap.add_argument(
        "--rows",
        default="",
        help="comma-separated substrings; keep problems whose name contains any of them, "
        f"e.g. 'riboflavin' or '5000x200' (problems: {', '.join(PROBLEMS)})",
    )
    ap.add_argument(
        "--estimators",
        default=",".join(LIBS),
        help=f"comma-separated subset of {','.join(LIBS)}",
    )
    ap.add_argument(
        "--n-jobs",
        default=None,
        help="n_jobs values to run, '1', '2' or '1,2' (default 1,2; with --quick the peers run "
        "at n_jobs=1 only, penalized at 1 and 2)",
    )
    ap.add_argument(
        "--skip-slow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip skglm, whose CV refits every (alpha, fold) separately "
        "(3 s to a minute a fit here); default: on with --quick, off otherwise",
    )
    ap.add_argument(
        "--free-blas",
        action="store_true",
        help="leave BLAS at its default thread count for n_jobs > 1 fits "
        "(default: one BLAS thread for every fit)",
    )
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    repeats = args.repeats or (1 if args.quick else 3)
    warmup_tol = QUICK_WARMUP_TOL if args.quick else TOL
    skip_slow = args.quick if args.skip_slow is None else args.skip_slow
    if repeats < 1:
        ap.error("--repeats must be at least 1")
    try:
        n_jobs_wanted = {int(j) for j in (args.n_jobs or "1,2").split(",") if j.strip()}
    except ValueError:
        ap.error("--n-jobs must be comma-separated integers")
    # --quick: peers at n_jobs=1 only (scikit-learn's n_jobs=2 fit of 500 x 5000 alone takes
    # 1-1.5 minutes); penalized's n_jobs=2 is still compared with them (n_jobs <= 2)
    peers_n_jobs = {1} & n_jobs_wanted if args.quick and args.n_jobs is None else n_jobs_wanted
    # Warnings raised in joblib/loky worker processes cannot be counted and would flood stderr;
    # silence them there (workers read PYTHONWARNINGS at start-up; this process is unaffected).
    os.environ.setdefault("PYTHONWARNINGS", "ignore")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    runs: list[Run] = []
    for name in [s.strip() for s in args.estimators.split(",") if s.strip()]:
        if name not in LIBS:
            ap.error(f"unknown estimator {name!r}")
        lib = LIBS[name]
        if lib.slow and skip_slow:
            log(f"note: {name} skipped (--skip-slow; --no-skip-slow to run it)")
            continue
        try:
            mod = __import__(lib.module)
        except Exception as exc:
            hint = " (pip install python-glmnet; needs gfortran)" if name == "glmnet" else ""
            log(f"note: {name} skipped, import failed: {type(exc).__name__}: {exc}{hint}")
            continue
        if name == "penalized" and not hasattr(mod, "LassoCV"):
            log("note: penalized skipped: penalized.LassoCV does not exist yet (peers only)")
            continue
        runs.extend(
            Run(lib, j, pin_blas=j == 1 or not args.free_blas)
            for j in lib.n_jobs
            if j in (n_jobs_wanted if name == "penalized" else peers_n_jobs)
        )
    if not runs:
        ap.error("no estimator to run")

    wanted = [w.strip() for w in args.rows.split(",") if w.strip()]
    problems = [p for p in PROBLEMS if not wanted or any(w in p for w in wanted)]
    if not problems:
        ap.error("--rows matched no problem")

    with threadpool_limits(limits=1, user_api="blas"):
        blas_pinned = [
            {k: d.get(k) for k in ("internal_api", "version", "num_threads")}
            for d in threadpool_info()
            if d.get("user_api") == "blas"
        ]
    blas_default = [
        {k: d.get(k) for k in ("internal_api", "version", "num_threads")}
        for d in threadpool_info()
        if d.get("user_api") == "blas"
    ]

    results: list[dict] = []
    t_start = time.perf_counter()
    for problem in problems:
        try:
            X, y = PROBLEMS[problem]()
        except DataUnavailable as exc:
            log(f"note: skipping {problem}: {exc}")
            continue
        X = np.asfortranarray(X, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        log(f"{problem} ...")
        t0 = time.perf_counter()
        results.append(run_problem(problem, X, y, runs, repeats, warmup_tol, log))
        log(f"  done in {time.perf_counter() - t0:.1f} s")

    if results:
        print_tables(results, runs)
    threads = ",".join(str(d["num_threads"]) for d in blas_default) or "?"
    print(
        f"\ntotal {time.perf_counter() - t_start:.0f} s, {repeats} timed repeat(s), warm-up at tol "
        f"{warmup_tol:g}; BLAS threads: "
        + (
            f"1 for n_jobs=1, default ({threads}) otherwise"
            if args.free_blas
            else "1 for every fit"
        )
    )

    if args.out:
        meta = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "blas_pinned": blas_pinned,
            "blas_default": blas_default,
            "free_blas": args.free_blas,
            "n_alphas": N_ALPHAS,
            "eps": EPS,
            "n_folds": N_FOLDS,
            "tol": TOL,
            "glmnet_tol": GLMNET_TOL,
            "warmup_tol": warmup_tol,
            "repeats": repeats,
            "versions": {
                d: _version(d)
                for d in ("penalized", "numpy", "scipy", "numba", "scikit-learn", "skglm")
            }
            | {"python-glmnet": _version("python-glmnet")},
        }
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "problems": results}, fh, indent=1)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
