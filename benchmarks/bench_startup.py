"""Start-up cost: a fresh Python process that imports a library and fits one small Lasso.

For each library, in a new interpreter (``python -c``), numpy is imported and a 200 x 50 random
problem built (untimed), then ``time.perf_counter`` measures

* ``import``: e.g. ``import penalized``,
* ``fit``: the first ``Lasso(alpha=0.1).fit(X, y)`` of the process (for numba libraries this
  includes loading kernels from numba's on-disk cache, or compiling them when there is none),

and the parent measures the subprocess's total wall time (interpreter start to exit).  A
``baseline`` row (numpy only, no library) gives the baseline that every wall time contains.

The import and the fit run ``--depths`` nested Python calls deep (default 0, 4, 8, 12 and
16; every depth for every library): on CPython 3.11 the time to import scikit-learn
depends on the depth of the stack it is imported from, as the interpreter allocates and
frees a frame-stack chunk (mmap/munmap) at every call that crosses a chunk boundary.
Imported from the top of a script, ``sklearn.base`` took 0.68 s here; 5-20 calls
deeper, 0.72-0.76 s (mmap/munmap calls 7k against up to 32k), and a library that imports
scikit-learn from a lazy attribute does it some frames deeper than the script that calls
it. One depth alone would then compare the libraries at unequal costs of the same
imports; the medians are over all depths and repeats, and each depth's medians are
printed too.

One warm-up subprocess per library runs first, so that numba's on-disk cache is populated
(skglm has no on-disk cache: it compiles in every process), and Python's bytecode cache
(the subprocesses run without ``PYTHONDONTWRITEBYTECODE``: with it, the modules of a source
checkout were compiled again in every process, while pip had compiled the peers').  Then
the libraries are run round robin, ``--repeats`` (default 5) times each, and medians
reported.

With ``--cold`` it also measures a first-ever run, each in a fresh process with an
empty numba cache (``NUMBA_CACHE_DIR`` a new temporary folder): the first
``Lasso().fit`` (import + fit, as above) and the quick start's first
``penalized compare`` (wall time of ``python -m penalized compare --quiet``), then the
same ``compare`` with the cache it left (warm). ``--baseline-src DIR`` adds the same rows
for another checkout's ``src`` folder (put first on ``PYTHONPATH``), e.g. an older
commit's, so that before and after are measured side by side.

Usage::

    python benchmarks/bench_startup.py
    python benchmarks/bench_startup.py --libs penalized,sklearn --repeats 7 --out startup.json
    git worktree add /tmp/base <commit>
    python benchmarks/bench_startup.py --cold --baseline-src /tmp/base/src --libs penalized
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

# Each snippet: (import statement, fit expression).  X, y exist when the fit runs.
LIBS: dict[str, tuple[str, str]] = {
    "baseline": ("", ""),  # interpreter + numpy + data only
    "penalized": ("import penalized", "penalized.Lasso(alpha=0.1).fit(X, y)"),
    "sklearn": (
        "import sklearn.linear_model",
        "sklearn.linear_model.Lasso(alpha=0.1).fit(X, y)",
    ),
    "skglm": ("import skglm", "skglm.Lasso(alpha=0.1).fit(X, y)"),
    "celer": ("import celer", "celer.Lasso(alpha=0.1).fit(X, y)"),
}

TEMPLATE = """\
import json, time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 50))
y = X[:, :5] @ rng.standard_normal(5) + 0.5 * rng.standard_normal(200)
def run(depth):
    if depth:
        return run(depth - 1)
    t0 = time.perf_counter()
    {imp}
    t1 = time.perf_counter()
    est = {fit}
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, est
t_imp, t_fit, est = run({depth})
nnz = int(np.count_nonzero(est.coef_)) if est is not None else None
print("STARTUP " + json.dumps({{"import": t_imp, "fit": t_fit, "nnz": nnz}}))
"""


def snippet(lib: str, depth: int = 0) -> str:
    imp, fit = LIBS[lib]
    return TEMPLATE.format(imp=imp or "pass", fit=fit or "None", depth=depth)


def _bytecode_env(env: dict | None) -> dict:
    """``env`` (default: this process's) without ``PYTHONDONTWRITEBYTECODE``: a warm start
    has Python's bytecode cache too (pip compiled the installed libraries' modules; a
    source checkout's are compiled by the warm-up process, not again in every one)."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(python: str, lib: str, env: dict | None = None, depth: int = 0) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([python, "-c", snippet(lib, depth)], capture_output=True, text=True,
                          env=_bytecode_env(env))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} failed:\n{proc.stderr.strip()[-2000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("STARTUP "))
    out = json.loads(line[len("STARTUP ") :])
    out["wall"] = wall
    out["depth"] = depth
    return out


def _env(src: str | None, cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _compare(python: str, env: dict) -> float:
    """Wall time of the quick start's ``penalized compare`` in a new temporary folder."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([python, "-m", "penalized", "compare", "--quiet"], cwd=out,
                              capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not os.path.getsize(os.path.join(out, "report.html")):
            raise RuntimeError(f"compare failed:\n{proc.stderr.strip()[-2000:]}")
    return wall


def cold_rows(python: str, versions: dict, repeats: int) -> dict:
    """First Lasso fit and first compare with an empty numba cache, per version."""
    out = {}
    for label, src in versions.items():
        rows = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as cache:
                fit = run_once(python, "penalized", _env(src, cache))
            with tempfile.TemporaryDirectory() as cache:
                cold = _compare(python, _env(src, cache))
                warm = _compare(python, _env(src, cache))
            rows.append({"fit_import": fit["import"] + fit["fit"], "fit_wall": fit["wall"],
                         "compare_cold": cold, "compare_warm": warm})
        out[label] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="subprocesses per library (median)")
    ap.add_argument(
        "--libs",
        default=",".join(LIBS),
        help=f"comma-separated subset of {','.join(LIBS)}",
    )
    ap.add_argument("--depths", default="0,4,8,12,16",
                    help="stack depths (nested calls) at which import + fit run, all timed")
    ap.add_argument("--python", default=sys.executable, help="interpreter to start")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--cold", action="store_true",
                    help="also measure first-ever runs (empty numba cache)")
    ap.add_argument("--cold-repeats", type=int, default=2)
    ap.add_argument("--baseline-src", default=None,
                    help="another checkout's src folder, measured side by side (--cold)")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    libs = [s.strip() for s in args.libs.split(",") if s.strip()]
    for lib in libs:
        if lib not in LIBS:
            ap.error(f"unknown library {lib!r}")

    try:
        depths = [int(d) for d in args.depths.split(",") if d.strip()]
    except ValueError:
        depths = []
    if not depths or min(depths) < 0:
        ap.error(f"--depths: non-negative integers, comma-separated (got {args.depths!r})")

    # warm-up: populates numba's on-disk cache (penalized); drops libraries that fail
    ok = []
    for lib in libs:
        try:
            r = run_once(args.python, lib)
        except RuntimeError as exc:
            log(f"note: {lib} skipped: {exc}")
            continue
        log(f"warm-up {lib}: wall {r['wall']:.2f} s (import {r['import']:.2f}, fit {r['fit']:.2f})")
        ok.append(lib)

    runs: dict[str, list[dict]] = {lib: [] for lib in ok}
    for i in range(args.repeats):
        for depth in depths:
            for lib in ok:
                runs[lib].append(run_once(args.python, lib, depth=depth))
        log(f"round {i + 1}/{args.repeats} done")

    summary = {}
    for lib, rs in runs.items():
        summary[lib] = {
            k: statistics.median(r[k] for r in rs) for k in ("import", "fit", "wall")
        } | {"import+fit": statistics.median(r["import"] + r["fit"] for r in rs), "runs": rs,
             "by_depth": {d: statistics.median(r["import"] + r["fit"] for r in rs
                                               if r["depth"] == d) for d in depths}}

    print(f"\nimport + fit by stack depth, median of {args.repeats} fresh processes, seconds")
    print("| library | " + " | ".join(f"depth {d}" for d in depths) + " |")
    print("|---|" + "---|" * len(depths))
    for lib, s in summary.items():
        print(f"| {lib} | " + " | ".join(f"{s['by_depth'][d]:.3f}" for d in depths) + " |")
    if "penalized" in summary and "sklearn" in summary:
        p, k = summary["penalized"]["by_depth"], summary["sklearn"]["by_depth"]
        print("| ratio | " + " | ".join(f"{p[d] / k[d]:.2f}" for d in depths) + " |")

    print(f"\nmedian of {args.repeats} x {len(depths)} fresh processes (all depths), seconds "
          "(200 x 50 Lasso, alpha=0.1)")
    print("| library | import | first fit | import + fit | process wall |")
    print("|---|---|---|---|---|")
    for lib, s in summary.items():
        print(
            f"| {lib} | {s['import']:.3f} | {s['fit']:.3f} | {s['import+fit']:.3f} "
            f"| {s['wall']:.3f} |"
        )
    if "penalized" in summary and "sklearn" in summary:
        p, k = summary["penalized"], summary["sklearn"]
        print(
            f"\nratio penalized / sklearn: import + fit {p['import+fit'] / k['import+fit']:.2f}, "
            f"process wall {p['wall'] / k['wall']:.2f}"
        )
    cold = {}
    if args.cold:
        versions = {"penalized": None}
        if args.baseline_src:
            versions["baseline"] = args.baseline_src
        cold = cold_rows(args.python, versions, args.cold_repeats)
        print(f"\nempty numba cache (median of {args.cold_repeats}), seconds")
        print("| version | first Lasso fit (import + fit) | its process wall "
              "| first compare | compare, warm cache |")
        print("|---|---|---|---|---|")
        for label, c in cold.items():
            print(f"| {label} | {c['fit_import']:.2f} | {c['fit_wall']:.2f} "
                  f"| {c['compare_cold']:.2f} | {c['compare_warm']:.2f} |")
    if args.out:
        with open(args.out, "w") as fh:
            out = {"python": args.python, "repeats": args.repeats, "depths": depths,
                   "libs": summary, "cold": cold}
            json.dump(out, fh, indent=1)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
