"""Which parameters of a model a penalty applies to: the ``select`` argument.

A selector is one of

* ``None``: the weights of Linear, Bilinear and (transposed) Conv layers, never biases,
  normalization or embedding parameters (the default);
* a module type or a tuple of types, e.g. ``nn.Linear``: the parameters whose name starts
  with ``weight`` of the modules of those types;
* a string: a glob pattern (:func:`fnmatch.fnmatchcase`) matched against the names of
  ``model.named_parameters()``, e.g. ``"fc1.weight"``, ``"encoder.*.weight"``;
* a compiled regular expression: ``pattern.fullmatch(name)``;
* a parameter (any tensor of the model): that parameter;
* a module instance of the model, e.g. ``model.fc1``: the default selection inside it;
* a callable ``fn(name, param, module) -> bool``;
* a list or set of selectors: their union;
* a dict ``{selector: scale}``: per-group strengths; a parameter gets the ``scale`` of the
  first key that matches it (keys in insertion order), and the penalty's ``alpha`` is
  multiplied by it.
"""

import fnmatch
import math
import numbers
import re
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["DEFAULT_TYPES", "Selected", "check_selector", "describe", "select"]

DEFAULT_TYPES = (
    nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d,
    nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
)
_TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


@dataclass(frozen=True, eq=False)
class Selected:
    """One selected parameter: its qualified name, the tensor, its module and its scale."""

    name: str
    param: torch.Tensor
    module: nn.Module
    local_name: str
    scale: float = 1.0

    @property
    def _transposed(self):
        return isinstance(self.module, _TRANSPOSED) and self.local_name == "weight"

    @property
    def out_dim(self):
        """Dimension indexing output units (rows of Linear, filters of Conv)."""
        return 1 if self._transposed else 0

    @property
    def in_dim(self):
        """Dimension indexing inputs (columns of Linear, input channels of Conv)."""
        return 0 if self._transposed else 1


def _is_default(local_name, module):
    return isinstance(module, DEFAULT_TYPES) and local_name == "weight"


def _is_module_types(sel):
    if isinstance(sel, type):
        return issubclass(sel, nn.Module)
    return (isinstance(sel, tuple) and len(sel) > 0
            and all(isinstance(t, type) and issubclass(t, nn.Module) for t in sel))


def check_selector(sel, *, top=True):
    """Raise TypeError/ValueError for a malformed selector; return it unchanged."""
    if sel is None or isinstance(sel, (str, re.Pattern, torch.Tensor, nn.Module)):
        return sel
    if _is_module_types(sel):
        return sel
    if isinstance(sel, dict):
        if not top:
            raise TypeError("'select': a dict of {selector: scale} cannot be nested.")
        if not sel:
            raise ValueError("'select': the dict of {selector: scale} is empty.")
        for key, scale in sel.items():
            check_selector(key, top=False)
            if (isinstance(scale, bool) or not isinstance(scale, numbers.Real)
                    or not math.isfinite(scale) or scale < 0):
                raise ValueError(
                    f"'select': the scale of {describe(key)} must be a finite number >= 0, "
                    f"got {scale!r}.")
        return sel
    if isinstance(sel, (list, tuple, set, frozenset)):
        if not sel:
            raise ValueError("'select': the list of selectors is empty.")
        for item in sel:
            check_selector(item, top=False)
        return sel
    if callable(sel):
        return sel
    raise TypeError(
        "'select' must be None, a module type, a glob pattern, a compiled regex, a "
        "parameter, a module, a callable(name, param, module), a list of these, or a "
        f"dict {{selector: scale}}; got {sel!r} of type {type(sel).__name__}.")


def describe(sel):
    """Short text for error messages."""
    if isinstance(sel, torch.Tensor):
        return f"a tensor of shape {tuple(sel.shape)}"
    if isinstance(sel, nn.Module):
        return f"a {type(sel).__name__} module"
    if isinstance(sel, type):
        return sel.__name__
    return repr(sel)


@torch.compiler.assume_constant_result
def _glob(pattern, name):
    # strings only: a constant for torch.compile (fnmatch itself is not traceable)
    return fnmatch.fnmatchcase(name, pattern)


@torch.compiler.assume_constant_result
def _regex(pattern, name):
    return pattern.fullmatch(name) is not None


def _matcher(sel):
    """Predicate ``(name, local_name, param, module) -> bool`` for a non-dict selector."""
    if sel is None:
        return lambda name, local, p, m: _is_default(local, m)
    if isinstance(sel, str):
        return lambda name, local, p, m: _glob(sel, name)
    if isinstance(sel, re.Pattern):
        return lambda name, local, p, m: _regex(sel, name)
    if isinstance(sel, torch.Tensor):
        return lambda name, local, p, m: p is sel
    if isinstance(sel, nn.Module):
        inside = {id(sub) for sub in sel.modules()}
        return lambda name, local, p, m: id(m) in inside and _is_default(local, m)
    if _is_module_types(sel):
        return lambda name, local, p, m: isinstance(m, sel) and local.startswith("weight")
    if isinstance(sel, (list, tuple, set, frozenset)):
        preds = [_matcher(s) for s in sel]
        return lambda *args: any(pred(*args) for pred in preds)
    return lambda name, local, p, m: bool(sel(name, p, m))


def _explicit(sel):
    """Tensors and modules named explicitly in a selector (they must belong to the model)."""
    if isinstance(sel, (torch.Tensor, nn.Module)):
        return [sel]
    if isinstance(sel, dict):
        sel = list(sel)
    if isinstance(sel, (list, tuple, set, frozenset)) and not _is_module_types(sel):
        return [x for s in sel for x in _explicit(s)]
    return []


def select(model, sel=None, *, owner="the penalty"):
    """List of :class:`Selected` parameters of ``model`` (each parameter at most once).

    Raises ValueError when nothing is selected or when an explicit tensor or module is
    not part of ``model``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"{owner} applies to an nn.Module, got {type(model).__name__}. Call it as "
            "penalty(model).")
    groups = list(sel.items()) if isinstance(sel, dict) else [(sel, 1.0)]
    preds = [(_matcher(key), float(scale)) for key, scale in groups]
    out, seen, seen_modules = [], set(), set()
    for mod_name, module in model.named_modules():
        seen_modules.add(id(module))
        for local, p in module.named_parameters(recurse=False):
            if id(p) in seen:
                continue
            seen.add(id(p))
            name = f"{mod_name}.{local}" if mod_name else local
            for pred, scale in preds:
                if pred(name, local, p, module):
                    out.append(Selected(name, p, module, local, scale))
                    break
    for item in _explicit(sel):
        known = seen_modules if isinstance(item, nn.Module) else seen
        if id(item) not in known:
            raise ValueError(
                f"{owner}: select names {describe(item)} that is not part of the "
                f"{type(model).__name__} it is applied to.")
    if not out:
        raise ValueError(
            f"{owner} selects no parameter of the {type(model).__name__} it is applied to "
            f"(select={describe(sel)}). By default it takes the weights of Linear and Conv "
            "layers; pass select= to choose others.")
    return out
