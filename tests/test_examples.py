"""Smoke tests of the example scripts in ``examples/``.

Each script runs in a subprocess (the current interpreter, ``--out`` a temporary directory)
and must exit 0, print a summary and write its PNG files. The scripts assert the point they
make (e.g. the lasso has exact zeros, ridge has none), so a library regression fails here.
One module-scoped fixture runs them all, as many at a time as there are CPUs (each takes a
few seconds). Deselect with ``-m "not examples"``.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

import penalized  # noqa: E402  (after the skips)

pytestmark = pytest.mark.examples

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIMEOUT_S = 300

# script -> the PNG files it must write
EXPECTED = {
    "l1_l2_en_sparsity.py": ["sparsity_paths.png", "sparsity_coefs.png"],
    "logistic_l1_path_iris.py": ["logistic_l1_path.png"],
    "compressive_sensing_tomography.py": ["tomography.png"],
    "polynomial_regularization.py": ["polynomial_fits.png", "polynomial_coefs.png"],
    "why_l1_gives_zeros.py": ["l1_l2_geometry.png", "thresholding.png"],
    "nonconvex_support_recovery.py": ["support_recovery.png"],
}


def _env():
    """The current environment, with the imported penalized first on the path.

    When the package is installed this changes nothing; when the tests run from a plain
    checkout (see conftest.py) the scripts use the same source tree as the tests.
    """
    env = dict(os.environ)
    src = str(Path(penalized.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "Agg"
    return env


def _run(script, out, env):
    try:
        proc = subprocess.run(
            [sys.executable, str(EXAMPLES_DIR / script), "--out", str(out)],
            capture_output=True, text=True, env=env, cwd=str(out), timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        # the partial output of an expired run is bytes even with text=True
        partial = "".join(o.decode(errors="replace") if isinstance(o, bytes) else (o or "")
                          for o in (exc.stdout, exc.stderr))
        return None, f"{partial}\n[killed after {TIMEOUT_S} s]"
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run the examples, one per CPU at a time; {script: (returncode, output, out_dir)}."""
    env = _env()
    outs = {script: tmp_path_factory.mktemp(Path(script).stem) for script in EXPECTED}
    with ThreadPoolExecutor(max_workers=max(1, min(len(EXPECTED), os.cpu_count() or 1))) as pool:
        futures = {script: pool.submit(_run, script, out, env) for script, out in outs.items()}
        return {script: (*fut.result(), outs[script]) for script, fut in futures.items()}


def test_listed_examples_exist():
    scripts = {p.name for p in EXAMPLES_DIR.glob("*.py")}
    missing = set(EXPECTED) - scripts
    assert not missing, f"examples listed here but missing from examples/: {missing}"


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_and_writes_pngs(runs, script):
    returncode, output, out = runs[script]
    assert returncode == 0, f"{script} failed (exit {returncode}):\n{output}"
    assert output.strip(), f"{script} printed no summary"
    for name in EXPECTED[script]:
        png = out / name
        assert png.is_file(), f"{script} did not write {name}:\n{output}"
        data = png.read_bytes()
        assert len(data) > len(PNG_MAGIC) and data.startswith(PNG_MAGIC), \
            f"{name} written by {script} is not a PNG file"
