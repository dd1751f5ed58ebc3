"""Keras 3 adapter: L1, L2, elastic-net and group-lasso regularizers with exact zeros.

``import penalized`` never imports this sub-package (Keras is the optional extra
``penalized[keras]``). The code uses only ``keras.ops``, so it runs on every Keras 3
backend; the test-suite runs it on the torch backend. When no backend is chosen
(``KERAS_BACKEND`` unset) and the configured one (by default TensorFlow) is not
installed, importing this module selects an installed one: torch, then jax.

Penalties (:class:`L1`, :class:`L2`, :class:`ElasticNet`, :class:`GroupLasso` and sums of
them) are ``keras.regularizers.Regularizer`` objects with the scaling of penalized's
estimators, e.g. ``alpha * (l1_ratio * sum|w| + (1 - l1_ratio)/2 * sum w^2)``. Use them
in one of two ways:

* as ordinary regularizers, ``Dense(64, kernel_regularizer=L1(1e-3))`` with any
  optimizer: the penalty is added to the loss (small weights, no exact zeros);
* with the optimizer wrapper ``Proximal(keras.optimizers.Adam(...))``: after each update
  the proximal step of each penalized weight's regularizer is applied, so weights become
  exactly zero, and the regularizers contribute 0 to the loss (the penalty is not
  applied twice; ``penalty.value(w)`` still gives its value).

Then :func:`sparsity_report` shows zeros per layer and :func:`prune` returns a smaller
model without the dead Dense units.
"""

import importlib.util
import json
import os
import sys


def _pick_backend():
    """Set ``KERAS_BACKEND`` to an installed backend when the configured one is missing.

    Keras defaults to TensorFlow and fails to import when it is not installed; when no
    backend is chosen (no ``KERAS_BACKEND``) and the configured one cannot be found, use
    an installed one (torch, then jax, then tensorflow). Nothing changes otherwise.
    """
    if "keras" in sys.modules or os.environ.get("KERAS_BACKEND"):
        return
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    configured = "tensorflow"
    try:
        with open(os.path.join(home, "keras.json")) as f:
            configured = json.load(f).get("backend", configured)
    except (OSError, ValueError, AttributeError):
        pass
    if importlib.util.find_spec(str(configured)) is not None:
        return
    for name in ("torch", "jax", "tensorflow"):
        if importlib.util.find_spec(name) is not None:
            os.environ["KERAS_BACKEND"] = name
            return


_pick_backend()

try:
    import keras
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    if getattr(exc, "name", None) in (None, "keras"):
        raise ImportError(
            "penalized.keras needs Keras 3, which is an optional dependency of penalized. "
            'Install it with: pip install "penalized[keras]" (and a backend: torch, jax '
            "or tensorflow; select it with the KERAS_BACKEND environment variable)."
        ) from exc
    raise ImportError(
        f"Keras could not load its backend ({exc}). Install the backend Keras is set to, "
        "or choose an installed one with the KERAS_BACKEND environment variable "
        "(torch, jax or tensorflow)."
    ) from exc

if not keras.__version__.startswith(("3.", "4.")):  # pragma: no cover
    raise ImportError(f"penalized.keras needs Keras 3, found keras {keras.__version__}.")

from .optim import Proximal  # noqa: E402
from .penalties import L1, L2, ElasticNet, GroupLasso, Penalty, PenaltySum  # noqa: E402
from .prune import prune  # noqa: E402
from .sparsity import SparsityReport, sparsity_report  # noqa: E402

__all__ = [
    "ElasticNet",
    "GroupLasso",
    "L1",
    "L2",
    "Penalty",
    "PenaltySum",
    "Proximal",
    "SparsityReport",
    "prune",
    "sparsity_report",
]
