"""Docstrings of the public API: each parameter documented once, every constructor
parameter documented, and an Examples section (the examples themselves run under
``--doctest-modules``, see pyproject.toml)."""

import inspect
import re

import pytest

import penalized

PUBLIC = [name for name in penalized.__all__
          if inspect.isclass(getattr(penalized, name)) or inspect.isfunction(
              getattr(penalized, name))]


def _documented_params(doc, section="Parameters"):
    """Names listed in a numpydoc section (``a, b : type`` lines)."""
    m = re.search(r"\n\s*" + section + r"\n\s*-+\n(.*?)(\n\s*(Attributes|Returns|Notes|Examples|"
                  r"See Also|Yields|Raises)\n\s*-+\n|\Z)", doc, re.S)
    if not m:
        return []
    names = []
    indent = None
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        lead = len(line) - len(line.lstrip())
        indent = lead if indent is None else indent
        if lead == indent:
            head = line.strip().split(" : ")[0]
            names += [n.strip() for n in head.split(",") if n.strip()]
    return names


@pytest.mark.parametrize("name", PUBLIC)
def test_parameters_documented_once(name):
    obj = getattr(penalized, name)
    doc = inspect.getdoc(obj) or ""
    fields = getattr(obj, "__dataclass_fields__", None)
    names = _documented_params(doc, "Attributes" if fields else "Parameters")
    dup = sorted({n for n in names if names.count(n) > 1})
    assert not dup, f"{name} documents {dup} more than once"
    if inspect.isclass(obj):
        init = list(fields) if fields else [
            p for p in inspect.signature(obj.__init__).parameters if p != "self"]
        missing = [p for p in init if p not in names]
        assert not missing, f"{name} does not document {missing}"
    assert fields or "Examples" in doc, f"{name} has no Examples section"


def test_star_import_without_the_optional_dependencies():
    # a fresh install without PyTorch: ``from penalized import *`` raised ImportError
    # (penalized.torch was in __all__), and so did this module's collection
    import subprocess
    import sys

    code = ("import sys\n"
            "class Block:  # as if PyTorch and Keras were not installed\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('torch', 'keras'):\n"
            "            raise ImportError(name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "from penalized import *\n"
            "import penalized\n"
            "[getattr(penalized, n) for n in penalized.__all__]\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
