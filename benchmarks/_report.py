"""Shared pieces of the time-to-accuracy benchmark scripts: summaries and tables."""

from __future__ import annotations

import gc
import math
import os
import statistics
import sys
from importlib import metadata

# An older copy of penalized, its package renamed ``penalized_base``, measured side by side
# (before/after tables in one process): PENALIZED_BASELINE names the folder that holds it.
BASE = "penalized@base"
# The time-to-accuracy protocol (BENCHMARKS.md), shared by the single-fit benchmarks
TOLS = [10.0**-k for k in range(2, 13)]  # each solver's tol sweep, 1e-2 ... 1e-12
RTOL = 1e-6  # reached when F(w) - F* <= RTOL * (the row's scale: F(0), or F_null - F*)
FRACS = (0.1, 0.01)  # lam = frac * lambda_max
MAX_ROUNDS = 25  # default cap on one solver's timed rounds (fast fits get more rounds)
CURVE_FLOOR = 1e-10  # --curves: the sweep goes on down to F - F* <= this F(0)


def baseline_available() -> bool:
    """Whether PENALIZED_BASELINE names a folder with a ``penalized_base`` package (it is
    put on sys.path)."""
    path = os.environ.get("PENALIZED_BASELINE")
    if not path or not os.path.isdir(os.path.join(path, "penalized_base")):
        return False
    if path not in sys.path:
        sys.path.insert(0, path)
    return True


def collect_garbage() -> None:
    """Collect garbage before a timed fit (which runs with the collector off), then freeze
    what survives, so that the next collection walks only the objects made since.

    A full collection over the objects of the imported libraries (about 180,000: numba,
    scikit-learn, the peers) took 0.13 s here, outside the timer but before every fit: a
    loaded row of 400 rounds of four solvers spent minutes in it."""
    gc.collect()
    gc.freeze()


def timed_rounds(res: dict, trial: dict, fit_ms, repeats: int, min_time: float,
                 max_rounds: int = MAX_ROUNDS) -> dict[str, list[float]]:
    """The timed repeats of one row, round robin across solvers (a slow spell of the machine
    hits all of them).

    Every solver gets ``repeats`` fits, and a fast one more, until its own fits add up to
    ``min_time`` seconds (at most ``max_rounds``): a fit of a few milliseconds on a busy
    machine either runs through a scheduler time slice or waits one out, so its mean needs
    many fits. ``trial`` maps each solver to one fit's seconds (from its tol sweep),
    ``fit_ms(s)`` times one fit of ``s`` in ms. Stores each solver's count in
    ``res["solvers"][s]["rounds"]`` and the largest in ``res["rounds"]``; returns solver ->
    the fit times (ms).
    """
    want = {}
    for s, dt in trial.items():
        extra = math.ceil(min_time / max(dt, 1e-6)) if min_time > 0 else 0
        want[s] = max(repeats, min(max_rounds, extra))
    times: dict[str, list[float]] = {s: [] for s in trial}
    for k in range(max(want.values(), default=0)):
        for s in trial:
            if k < want[s]:
                times[s].append(fit_ms(s))
    for s, n in want.items():
        res["solvers"][s]["rounds"] = n
    res["rounds"] = max(want.values(), default=repeats)
    return times


def summarize(res: dict, times: dict[str, list[float]], peers: tuple[str, ...]) -> dict:
    """Store each solver's median time (ms) and the ratio of penalized to the best peer."""
    for s, ts in times.items():
        res["solvers"][s].update(ms=statistics.median(ts), times_ms=ts)
    peer_ms = {s: res["solvers"][s]["ms"] for s in peers if s in times}
    if peer_ms:
        best = min(peer_ms, key=peer_ms.get)
        res["best_peer"], res["best_peer_ms"] = best, peer_ms[best]
        if "penalized" in times:
            res["ratio"] = res["solvers"]["penalized"]["ms"] / peer_ms[best]
    if "penalized" in times and BASE in times:
        res["ratio_base"] = res["solvers"]["penalized"]["ms"] / res["solvers"][BASE]["ms"]
    return res


def fmt_ms(x) -> str:
    if x is None:
        return "-"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def print_time_table(results: list[dict], solvers: list[str]) -> None:
    """Median time per solver and row, best peer in bold, ratio penalized / best peer."""
    base = any("ratio_base" in r for r in results)
    head = ["problem", "frac", *[f"{s} ms" for s in solvers], "best peer", "ratio pen/best"]
    head += ["ratio pen/base"] if base else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r["problem"], f"{r['frac']:g}"]
        ms = {s: r["solvers"].get(s, {}).get("ms") for s in solvers}
        best = r.get("best_peer")
        for s in solvers:
            c = fmt_ms(ms[s])
            if "error" in r["solvers"].get(s, {}):
                c = "error"
            elif s in r["solvers"] and ms[s] is None:
                c = "not reached"
            cells.append(f"**{c}**" if s == best else c)
        cells.append(best or "-")
        cells.append(f"{r['ratio']:.2f}" if "ratio" in r else "-")
        if base:
            cells.append(f"{r['ratio_base']:.2f}" if "ratio_base" in r else "-")
        lines.append("| " + " | ".join(cells) + " |")
    print("\nmedian fit time at the loosest tol reaching F - F* <= 1e-6 F(0) (best peer in bold)")
    print("\n".join(lines))


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def tol_sweep(r: dict, fit, tols, F0: float, threshold: float, curves: bool):
    """Step 2 of the protocol for one solver: ``fit(tol)`` returns ``(seconds, F - F*, nnz,
    n_iter)``; tols are tried loosest first until ``F - F* <= threshold``. Every fit is
    recorded in ``r["sweep"]`` (time, suboptimality: run.py's curves); with ``curves`` the
    sweep goes on past the threshold down to ``F - F* <= CURVE_FLOOR F(0)``. Updates ``r``
    with the chosen tol; returns ``(tol, seconds)``, or None when no tol reached it (then
    ``r`` holds the last suboptimality)."""
    chosen = None
    gap = None
    for tol in tols:
        dt, gap, nnz, n_iter = fit(tol)
        r.setdefault("sweep", []).append(
            {"tol": tol, "ms": 1e3 * dt, "rel_subopt": max(gap, 0.0) / F0})
        if chosen is not None:
            if gap <= CURVE_FLOOR * F0:
                break
            continue
        if gap <= threshold:
            chosen = (tol, dt)
            r.update(tol=tol, rel_subopt=gap / F0, nnz=nnz, n_iter=n_iter)
            if not curves:
                break
    if chosen is None:
        r.update(tol=None, rel_subopt=gap / F0, ms=None)
    return chosen
