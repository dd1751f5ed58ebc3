"""Every benchmark in one command: tables, suboptimality curves, a loaded mode, peak memory.

Runs each section in its own process (one library's threads and caches never touch
another's), collects their JSON, and writes into ``--out`` (default ``benchmarks/results``):

* ``report.md``: one table per section, penalized / best peer on every row, and the
  acceptance lines (single fits at most 0.8x the best peer, CV at most 0.6x, start-up at
  most 1.3x scikit-learn, peak memory within X + y + 10% + 20 MB, slowdown under load at
  most 1.5x the least affected peer's);
* ``<section>.json``: the raw results of each section's script;
* ``figures/<section>-<row>.png``: per row, each library's suboptimality ``(F - F*) / F(0)``
  against fit time over its tolerance sweep (benchopt's picture; CV rows: the CV curve's
  error against time), and ``figures/overview.png``, the Lasso and L1-logistic rows on one
  page (the README's figure).

Sections (``--sections``, default all):

* ``lasso``, ``enet``, ``logistic``: ``bench_lasso.py``, ``bench_lasso.py --l1-ratio 0.5`` and
  ``bench_logistic.py``, with ``--curves`` (the tolerance sweep goes on to
  ``F - F* <= 1e-10 F(0)`` for the figures); peers scikit-learn, skglm, celer (liblinear
  for logistic);
* ``cv``: ``bench_cv.py --all``, CV paths at equal accuracy against scikit-learn, skglm,
  python-glmnet and R's glmnet where they are installed (the Lasso rows judged at issue
  17's curve error of 1e-4, their ratio at BENCHMARKS.md's 1e-3 beside it; the L1-logistic
  rows at 1e-3);
* ``startup``: ``bench_startup.py`` (a fresh process: import + first fit);
* ``memory``: the peak resident memory a dense fit adds (``VmHWM`` reset through
  ``/proc/self/clear_refs`` before the fit, so it is the fit's own peak), per library, on
  a 20000 x 500 float64 design (80 MB) with an intercept.

``--loaded`` runs the timed sections (lasso, enet, logistic, cv) a second time with a busy
process on every core (a single-threaded numpy matrix product loop each) and reports each
library's slowdown per row: its mean time over the loaded fits divided by its mean over the
quiet ones. In the loaded single fits every library gets extra rounds (``LOADED_ARGS``:
up to 400, until its own fits add up to two seconds) and the loaded CV rows 3 repeats: a
fit of a few milliseconds either runs through a scheduler time slice or waits out one, so
a median of 3 measures which process the scheduler preempted, and the mean over many fits
the expected cost.

Every section needs only what its script needs; a peer that does not import is skipped
by that script. Ratios are measured within one section's run, side by side (BENCHMARKS.md):
compare ratios across machines, never absolute times.

Usage::

    python benchmarks/run.py                       # everything (about an hour here)
    python benchmarks/run.py --quick               # 3 repeats, about 15 minutes
    python benchmarks/run.py --quick --sections lasso,memory --out /tmp/bench
    python benchmarks/run.py --quick --loaded --sections lasso,logistic
    python benchmarks/run.py --repeats 5 --loaded  # issue 17's medians of 5, CV included
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# section -> (script, extra arguments, whether it is timed again under load)
SECTIONS: dict[str, tuple[str | None, list[str], bool]] = {
    "lasso": ("bench_lasso.py", ["--curves"], True),
    "enet": ("bench_lasso.py", ["--l1-ratio", "0.5", "--curves"], True),
    "logistic": ("bench_logistic.py", ["--curves"], True),
    "cv": ("bench_cv.py", ["--all"], True),
    "startup": ("bench_startup.py", ["--libs", "penalized,sklearn,skglm,celer"], False),
    "memory": (None, [], False),
}
SINGLE = ("lasso", "enet", "logistic")
# the loaded runs' repeats (instead of --quick's): see the module docstring
LOADED_ARGS = {"bench_cv.py": ["--repeats", "3"],
               "bench_lasso.py": ["--repeats", "3", "--min-time", "2.0", "--max-rounds", "400"],
               "bench_logistic.py": ["--repeats", "3", "--min-time", "2.0", "--max-rounds", "400"]}
TARGET_SINGLE, TARGET_CV, TARGET_STARTUP, TARGET_LOAD = 0.8, 0.6, 1.3, 1.5
MEM_REL, MEM_ABS = 0.10, 20 * 2**20  # peak extra memory allowed: 10% of X + y, plus 20 MB

BUSY = """\
import numpy as np
a = np.random.default_rng(0).standard_normal((300, 300))
while True:
    a = a @ a
    a /= np.abs(a).max()
"""
ONE_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


# ----------------------------------------------------------------------------------------------
# running the sections
# ----------------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_script(python: str, script: str, extra: list[str], quick: bool, out: Path,
               repeats: int | None = None) -> dict:
    """Run one benchmark script with ``--out``; its JSON (empty dict when it failed).
    ``repeats`` (run.py's ``--repeats``) overrides the script's own count."""
    cmd = [python, str(HERE / script), *extra, "--out", str(out)]
    if quick and script != "bench_startup.py":
        cmd += ["--quick"]
    if repeats or (quick and script == "bench_startup.py"):
        cmd += ["--repeats", str(repeats or 3)]
    log("$ " + " ".join(cmd))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    log(f"  ({time.perf_counter() - t0:.0f} s, exit {proc.returncode})")
    if proc.returncode != 0 or not out.exists():
        return {}
    return json.loads(out.read_text())


def _cpu_name() -> str | None:
    """The processor's model name (Linux), e.g. for comparing runs on two machines."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


@contextlib.contextmanager
def busy_cores(python: str, n: int | None = None):
    """A single-threaded busy process on every core for the duration of the block."""
    n = n or os.cpu_count() or 1
    env = dict(os.environ, **ONE_THREAD)
    procs = [subprocess.Popen([python, "-c", BUSY], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(n)]
    try:
        time.sleep(1.0)  # let them start
        yield n
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


MEM_SNIPPET = """\
import gc, json, sys
import numpy as np
lib, kind, n, p = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) * 1024


rng = np.random.default_rng(0)
X = np.empty((n, p), order="F")
for j in range(0, p, 50):
    X[:, j:j + 50] = rng.standard_normal((n, min(50, p - j)))
t = X[:, :10] @ rng.standard_normal(10) + rng.standard_normal(n)
y = t if kind == "lasso" else (t > 0).astype(np.float64)
lam = 0.1 * float(np.max(np.abs(X.T @ (y - y.mean())))) / n  # a tenth of alpha_max


def make():
    if lib == "penalized":
        import penalized
        if kind == "lasso":
            return penalized.Lasso(alpha=lam)
        return penalized.LogisticRegression(C=1.0 / (n * lam), l1_ratio=1.0)
    if lib == "scikit-learn":
        from sklearn import linear_model
        if kind == "lasso":
            return linear_model.Lasso(alpha=lam)
        return linear_model.LogisticRegression(C=1.0 / (n * lam), l1_ratio=1.0,
                                               solver="liblinear")
    if lib == "skglm":
        import skglm
        if kind == "lasso":
            return skglm.Lasso(alpha=lam)
        return skglm.SparseLogisticRegression(alpha=lam)
    if lib == "celer":
        import celer
        if kind == "lasso":
            return celer.Lasso(alpha=lam)
        return celer.LogisticRegression(C=1.0 / (n * lam))
    raise SystemExit(f"unknown library {lib}")


import warnings  # noqa: E402

warnings.simplefilter("ignore")
m = min(n, 400)
make().fit(np.asfortranarray(X[:m, :50]), y[:m])  # imports, kernels compiled or loaded
gc.collect()
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # resets VmHWM to the current RSS
    reset = True
except OSError:
    reset = False
rss0, hwm0 = status("VmRSS:"), status("VmHWM:")
make().fit(X, y)
hwm = status("VmHWM:")
extra = hwm - rss0 if reset else max(hwm - max(hwm0, rss0), 0)
print("MEM " + json.dumps({"extra": extra, "data": X.nbytes + y.nbytes, "reset": reset}))
"""

MEM_LIBS = ("penalized", "scikit-learn", "skglm", "celer")


def run_memory(python: str, n: int = 20000, p: int = 500) -> dict:
    rows = []
    for kind in ("lasso", "logistic"):
        row = {"problem": f"{kind} dense {n}x{p}", "kind": kind, "libs": {}}
        for lib in MEM_LIBS:
            proc = subprocess.run([python, "-c", MEM_SNIPPET, lib, kind, str(n), str(p)],
                                  capture_output=True, text=True, env=dict(os.environ,
                                                                           **ONE_THREAD))
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("MEM ")), None)
            if proc.returncode != 0 or line is None:
                err = (proc.stderr.strip().splitlines() or ["?"])[-1]
                log(f"  memory {kind} {lib}: skipped ({err[:200]})")
                continue
            row["libs"][lib] = json.loads(line[4:])
            log(f"  memory {kind} {lib}: +{row['libs'][lib]['extra'] / 2**20:.1f} MB")
        rows.append(row)
    return {"rows": rows}


# ----------------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------------
def _ms(x) -> str:
    if x is None:
        return "-"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _single_key(r: dict) -> str:
    return f"{r['problem']} frac={r['frac']:g}"


def single_table(name: str, data: dict, loaded: dict | None) -> tuple[list[str], list[str]]:
    """(markdown lines, failures against the targets)."""
    rows = data.get("rows", [])
    libs = sorted({s for r in rows for s in r["solvers"]}, key=lambda s: (s != "penalized", s))
    head = ["problem", "frac", *[f"{s} ms" for s in libs], "best peer", "pen / best"]
    lrows = {_single_key(r): r for r in (loaded or {}).get("rows", [])}
    if loaded:
        head += ["slowdown under load: penalized", "least affected peer", "ratio"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    fails = []
    for r in rows:
        cells = [r["problem"], f"{r['frac']:g}"]
        for s in libs:
            c = _ms(r["solvers"].get(s, {}).get("ms"))
            cells.append(f"**{c}**" if s == r.get("best_peer") else c)
        ratio = r.get("ratio")
        cells += [r.get("best_peer", "-"), f"{ratio:.2f}" if ratio else "-"]
        if ratio is None or ratio > TARGET_SINGLE:
            fails.append(f"{name}: {_single_key(r)} at {ratio:.2f}x the best peer" if ratio
                         else f"{name}: {_single_key(r)} has no ratio")
        if loaded:
            cells += load_cells(r, lrows.get(_single_key(r)), fails, name)
        out.append("| " + " | ".join(cells) + " |")
    return out, fails


def _slowdowns(quiet: dict[str, float], loaded: dict[str, float]) -> dict[str, float]:
    return {s: loaded[s] / quiet[s] for s in quiet if s in loaded and quiet[s] and loaded[s]}


def _mean_time(v: dict, times: str, median: str) -> float | None:
    """A library's mean time over its timed fits (its median when the list is absent)."""
    ts = v.get(times)
    return statistics.fmean(ts) if ts else v.get(median)


def load_cells(r: dict, lr: dict | None, fails: list[str], name: str) -> list[str]:
    if lr is None:
        return ["-", "-", "-"]
    quiet = {s: _mean_time(v, "times_ms", "ms") for s, v in r["solvers"].items()}
    hot = {s: _mean_time(v, "times_ms", "ms") for s, v in lr["solvers"].items()}
    slow = _slowdowns(quiet, hot)
    return slowdown_cells(slow, fails, f"{name}: {_single_key(r)}")


def slowdown_cells(slow: dict[str, float], fails: list[str], label: str) -> list[str]:
    peers = {s: v for s, v in slow.items() if s != "penalized" and not s.startswith("penalized@")}
    if "penalized" not in slow or not peers:
        return ["-", "-", "-"]
    best = min(peers, key=peers.get)
    rel = slow["penalized"] / peers[best]
    if rel > TARGET_LOAD:
        fails.append(f"{label}: slowdown under load {slow['penalized']:.2f}x against "
                     f"{best}'s {peers[best]:.2f}x ({rel:.2f})")
    return [f"{slow['penalized']:.2f}x", f"{best} {peers[best]:.2f}x", f"{rel:.2f}"]


def _fmt_ratio(x: float | None) -> str:
    """A ratio to two decimals; two significant digits below 0.1 (not 0.00)."""
    return "-" if not x else f"{x:.2g}" if x < 0.1 else f"{x:.2f}"


def cv_table(data: dict, loaded: dict | None) -> tuple[list[str], list[str]]:
    """The CV rows at the accuracy each is judged at: the Lasso rows at issue 17's target
    (``strict``, 1e-4) when bench_cv measured it, the others at BENCHMARKS.md's (1e-3);
    the Lasso rows' ratio at 1e-3 in a column of its own."""
    probs = data.get("problems", [])
    libs = sorted({k for p in probs for k in p["libs"]}, key=lambda s: (s != "penalized", s))
    head = ["problem", "curve error", *[f"{s} s" for s in libs], "best peer", "pen / best",
            "pen / best at 1e-3"]
    if loaded:
        head += ["slowdown under load: penalized", "least affected peer", "ratio"]
    lprobs = {p["problem"]: p for p in (loaded or {}).get("problems", [])}
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    fails = []
    for p in probs:
        setting = "strict" if "strict" in p else "equal"
        nr_key = "not_reached" if setting == "equal" else f"{setting}_not_reached"
        eq = p.get(setting, {})
        target = p.get("strict_target") if setting == "strict" else p.get("target", 1e-3)
        cells = [p["problem"], f"{target:g}"]
        for s in libs:
            v = p["libs"].get(s, {})
            med = v.get(setting, {}).get("median_s")
            c = f"{med:.3f}" if med is not None else ("not reached" if nr_key in v else "-")
            cells.append(f"**{c}**" if s == eq.get("best_peer") else c)
        ratio = eq.get("ratio")
        loose = p.get("equal", {}).get("ratio") if setting == "strict" else None
        cells += [eq.get("best_peer", "-"), _fmt_ratio(ratio), _fmt_ratio(loose)]
        limit = TARGET_CV if p.get("kind") == "lasso" else TARGET_SINGLE
        if ratio is None or ratio > limit:
            fails.append(f"cv: {p['problem']} at {ratio:.2f}x the best peer (target "
                         f"{limit})" if ratio else f"cv: {p['problem']} has no ratio")
        if loaded:
            lp = lprobs.get(p["problem"])
            if lp is None:
                cells += ["-", "-", "-"]
            else:
                q = {k: _mean_time(v.get(setting, {}), "times_s", "median_s")
                     for k, v in p["libs"].items()}
                h = {k: _mean_time(v.get(setting, {}), "times_s", "median_s")
                     for k, v in lp["libs"].items()}
                cells += slowdown_cells(_slowdowns(q, h), fails, f"cv: {p['problem']}")
        out.append("| " + " | ".join(cells) + " |")
    return out, fails


def memory_table(data: dict) -> tuple[list[str], list[str]]:
    head = ["problem", "X + y MB", *[f"{lib} + MB" for lib in MEM_LIBS], "penalized allowed"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    fails = []
    for r in data.get("rows", []):
        libs = r["libs"]
        size = next((v["data"] for v in libs.values()), None)
        if size is None:
            continue
        allowed = MEM_REL * size + MEM_ABS
        cells = [r["problem"], f"{size / 2**20:.0f}"]
        for lib in MEM_LIBS:
            v = libs.get(lib)
            cells.append(f"{v['extra'] / 2**20:.1f}" if v else "-")
        cells.append(f"{allowed / 2**20:.0f}")
        pen = libs.get("penalized")
        if pen is None or pen["extra"] > allowed:
            fails.append(f"memory: {r['problem']}: penalized adds "
                         + (f"{pen['extra'] / 2**20:.1f} MB" if pen else "?")
                         + f" (allowed {allowed / 2**20:.0f} MB)")
        out.append("| " + " | ".join(cells) + " |")
    return out, fails


def startup_summary(data: dict) -> tuple[list[str], list[str]]:
    libs = data.get("libs", {})
    head = ["library", "import s", "first fit s", "import + fit s", "process wall s"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for lib, s in libs.items():
        out.append(f"| {lib} | {s['import']:.3f} | {s['fit']:.3f} | {s['import+fit']:.3f} "
                   f"| {s['wall']:.3f} |")
    fails = []
    if "penalized" in libs and "sklearn" in libs:
        ratio = libs["penalized"]["import+fit"] / libs["sklearn"]["import+fit"]
        out.append(f"\npenalized / scikit-learn, import + first fit: {ratio:.2f}")
        p, k = libs["penalized"].get("by_depth"), libs["sklearn"].get("by_depth")
        if p and k:  # medians at each stack depth (bench_startup.py's docstring: why)
            out.append("by stack depth: " + ", ".join(
                f"{d}: {p[d] / k[d]:.2f}" for d in p if d in k))
        if ratio > TARGET_STARTUP:
            fails.append(f"startup: {ratio:.2f}x scikit-learn's import + first fit")
    return out, fails


# ----------------------------------------------------------------------------------------------
# figures
# ----------------------------------------------------------------------------------------------
def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def _curves_single(r: dict):
    for s, v in r["solvers"].items():
        pts = [(x["ms"], max(x["rel_subopt"], 1e-16)) for x in v.get("sweep", [])]
        if pts:
            yield s, pts  # in the sweep's order: tol decreasing


def _curves_cv(p: dict):
    for s, v in p["libs"].items():
        sweep = v.get("sweep", {})
        pts = [(1e3 * x["sweep_s"], max(x["window"], 1e-16)) for x in sweep.values()]
        if pts:
            yield s, pts


def _draw(ax, curves, title: str, level: float, ylabel: str) -> None:
    """One panel: a line per library through its sweep's (time, error) points, tol
    decreasing (one fit each: a tighter tol can time faster on a noisy machine); the
    accuracy target dotted; 1e-16 stands for 0."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    for s, pts in curves:
        t, e = zip(*pts, strict=True)
        ax.plot(t, e, marker="o", ms=3, lw=1.8 if s == "penalized" else 1.0,
                color="C3" if s == "penalized" else None, label=s)
    ax.axhline(level, color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("fit time (ms)", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7)


def figures(results: dict, out: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("note: no matplotlib, no figures")
        return []
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    sub = "(F - F*) / F(0)"
    for name in SINGLE:
        for r in results.get(name, {}).get("rows", []):
            fig, ax = plt.subplots(figsize=(5, 3.6))
            _draw(ax, _curves_single(r), f"{name}: {_single_key(r)}", 1e-6, sub)
            path = fig_dir / f"{name}-{_slug(_single_key(r))}.png"
            fig.tight_layout()
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(path)
    for p in results.get("cv", {}).get("problems", []):
        fig, ax = plt.subplots(figsize=(5, 3.6))
        _draw(ax, _curves_cv(p), f"CV path: {p['problem']}", p.get("target", 1e-3),
              "CV curve error")
        path = fig_dir / f"cv-{_slug(p['problem'])}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    # the overview: Lasso and L1-logistic rows on one page
    rows = [("lasso", r) for r in results.get("lasso", {}).get("rows", [])]
    rows += [("logistic", r) for r in results.get("logistic", {}).get("rows", [])]
    if rows:
        ncol = 4
        nrow = -(-len(rows) // ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3.2 * nrow), squeeze=False)
        for ax, (name, r) in zip(axes.flat, rows, strict=False):
            _draw(ax, _curves_single(r), f"{name}: {_single_key(r)}", 1e-6, sub)
        for ax in axes.flat[len(rows):]:
            ax.set_visible(False)
        fig.tight_layout()
        path = fig_dir / "overview.png"
        fig.savefig(path, dpi=72)
        plt.close(fig)
        written.append(path)
    return written


def write_report(results: dict, loaded: dict, out: Path, meta: dict) -> Path:
    lines = ["# penalized benchmarks", "",
             f"{meta['date']}, {meta['cpu_count']} cores, python {meta['python']}"
             f"{', quick (3 repeats)' if meta['quick'] and not meta.get('repeats') else ''}"
             f"{', ' + str(meta['repeats']) + ' repeats' if meta.get('repeats') else ''}"
             f"{', with a loaded run' if loaded else ''}"
             f"{', CPU ' + meta['cpu'] if meta.get('cpu') else ''}. Times are medians of "
             "interleaved repeats at the loosest tol reaching the accuracy target (best peer "
             "in bold); compare ratios, not absolute times"
             f"{'; slowdowns under load are ratios of mean times' if loaded else ''}.", ""]
    fails: list[str] = []
    titles = {"lasso": "Lasso", "enet": "Elastic net (l1_ratio 0.5)",
              "logistic": "L1-logistic"}
    for name in SINGLE:
        if name in results:
            tab, f = single_table(name, results[name], loaded.get(name))
            lines += [f"## {titles[name]}: time to F - F* <= 1e-6 F(0)", "", *tab, ""]
            fails += f
    if "cv" in results:
        tab, f = cv_table(results["cv"], loaded.get("cv"))
        lines += ["## Cross-validated paths at equal accuracy (CV curve within the "
                  "named error of the exact one: issue 17's 1e-4 for the Lasso rows, "
                  "BENCHMARKS.md's 1e-3 for the others)", "", *tab, ""]
        fails += f
    if "startup" in results:
        tab, f = startup_summary(results["startup"])
        lines += ["## Start-up: a fresh process, import + first 200 x 50 Lasso fit (warm "
                  "cache; medians over stack depths 0-16)", "", *tab, ""]
        fails += f
    if "memory" in results:
        tab, f = memory_table(results["memory"])
        lines += ["## Peak memory a dense fit adds (MB, over the process before the fit)", "",
                  *tab, ""]
        fails += f
    lines += ["## Targets", ""]
    lines += [f"- {f}" for f in fails] or ["- every row measured here meets its target"]
    lines += ["", f"Figures: `{out / 'figures'}`."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


# ----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sections", default=",".join(SECTIONS),
                    help=f"comma-separated subset of {','.join(SECTIONS)}")
    ap.add_argument("--quick", action="store_true", help="3 repeats per row")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed repeats per row in every quiet section (CV included: by "
                    "default 3, --quick 1), e.g. 5 for issue 17's medians of 5")
    ap.add_argument("--loaded", action="store_true",
                    help="run the timed sections again with a busy process on every core")
    ap.add_argument("--out", default=str(HERE / "results"), help="output folder")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the benchmarks")
    ap.add_argument("--report-only", action="store_true",
                    help="rebuild report.md and the figures from the JSON already in --out")
    args = ap.parse_args(argv)
    if args.repeats is not None and args.repeats < 3:
        ap.error(f"--repeats must be at least 3 (got {args.repeats})")
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    for s in sections:
        if s not in SECTIONS:
            ap.error(f"unknown section {s!r}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict] = {}
    loaded: dict[str, dict] = {}
    t0 = time.perf_counter()
    for name in sections:
        path = out / f"{name}.json"
        if args.report_only:
            if path.exists():
                results[name] = json.loads(path.read_text())
            lpath = out / f"{name}-loaded.json"
            if lpath.exists():
                loaded[name] = json.loads(lpath.read_text())
            continue
        script, extra, _ = SECTIONS[name]
        log(f"== {name}")
        if script is None:
            results[name] = run_memory(args.python)
            path.write_text(json.dumps(results[name], indent=1))
        else:
            results[name] = run_script(args.python, script, extra, args.quick, path,
                                       args.repeats)
    if args.loaded and not args.report_only:
        timed = [s for s in sections if SECTIONS[s][2]]
        with busy_cores(args.python) as n:
            for name in timed:
                script, extra, _ = SECTIONS[name]
                log(f"== {name}, loaded ({n} busy processes)")
                loaded[name] = run_script(args.python, script,
                                          [a for a in extra if a != "--curves"]
                                          + LOADED_ARGS[script], False,
                                          out / f"{name}-loaded.json")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpu_count": os.cpu_count(), "cpu": _cpu_name(), "python": sys.version.split()[0],
            "quick": args.quick, "repeats": args.repeats}
    figs = figures(results, out)
    report = write_report(results, loaded, out, meta)
    print(report.read_text())
    log(f"wrote {report} and {len(figs)} figures in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
