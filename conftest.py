"""Root conftest: the docstring examples of ``src/penalized`` run with the tests
(``--doctest-modules`` in pyproject.toml); modules whose optional dependency is missing
are not collected."""

import importlib.util

_OPTIONAL = {
    "torch": ["src/penalized/torch/*"],
    "keras": ["src/penalized/keras/*"],
    "matplotlib": ["src/penalized/plotting.py", "src/penalized/report/*"],
    "pandas": ["src/penalized/report/*", "src/penalized/tables/*", "src/penalized/model_io.py"],
    "dask": ["src/penalized/dask/*"],
}

collect_ignore_glob = sorted({pattern for module, patterns in _OPTIONAL.items()
                              if importlib.util.find_spec(module) is None
                              for pattern in patterns})
# Keras imports only with a backend installed
if not any(importlib.util.find_spec(b) for b in ("torch", "jax", "tensorflow")):
    collect_ignore_glob.append("src/penalized/keras/*")
