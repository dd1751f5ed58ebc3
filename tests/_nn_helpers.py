"""Helpers shared by test_torch.py and test_keras.py (the two deep-learning adapters).

Each helper runs or computes something; the assertions stay in the tests, except in
:func:`assert_matches_reference`, which is the comparison both adapters make with
penalized's coordinate-descent estimators.
"""

import doctest
import importlib
import os
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import penalized


@pytest.fixture(autouse=True, scope="module", name="_one_thread")
def one_thread():
    """Tiny tensors: one intra-op thread is fastest and insensitive to machine load.

    A test module that imports it runs with it (autouse, once per module).
    """
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def import_without(framework):
    """Run ``import penalized`` then ``import penalized.<framework>`` with the framework
    missing, in a fresh interpreter: the result, with what the ImportError said on stdout.

    The child first checks that ``import penalized`` alone did not import the framework.
    """
    code = f"""
import sys, penalized
assert '{framework}' not in sys.modules and 'penalized.{framework}' not in sys.modules
sys.modules['{framework}'] = None  # as if {framework} were not installed
try:
    import penalized.{framework}
except ImportError as exc:
    print(exc)
"""
    src = os.path.dirname(os.path.dirname(penalized.__file__))  # works from a checkout too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def run_doctests(package):
    """``(failed, attempted)`` over the docstring examples of every module of ``package``."""
    failed, attempted = 0, 0
    for info in pkgutil.iter_modules(package.__path__):
        mod = importlib.import_module(f"{package.__name__}.{info.name}")
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        failed, attempted = failed + res.failed, attempted + res.attempted
    return failed, attempted


def lipschitz(X):
    """Lipschitz constant of the gradient of 0.5 * mean squared error in (w, intercept):
    full-batch proximal gradient (ISTA) converges with the learning rate 1 / L."""
    n = X.shape[0]
    Xa = np.hstack([X, np.ones((n, 1))])
    return np.linalg.eigvalsh(Xa.T @ Xa / n).max()


def assert_matches_reference(coef, intercept, ref, *, same_support=True):
    """The coefficients and intercept of a fitted penalized estimator ``ref`` (to 1e-4),
    and with ``same_support`` the same exact zeros."""
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-4, rtol=0)
    assert abs(intercept - ref.intercept_) < 1e-4, (intercept, ref.intercept_)
    if same_support:
        np.testing.assert_array_equal(coef == 0, ref.coef_ == 0)  # the same exact support
