"""What every penalty specification beyond the elastic net shares: its parameters
(``get_params`` for scikit-learn's ``clone``), its strength ``alpha`` set by an estimator
(:meth:`PenaltySpec.configure`) and the estimator's per-feature options merged into it.

A specification is user-facing and immutable in spirit: ``configure`` returns a new one.
Its ``arrays(n_features)`` validates it and returns what the solvers see (the
``family`` of those arrays tells :func:`penalized.solvers.engine.choose_engine` which
engine solves it).
"""

import inspect

import numpy as np

__all__ = ["PenaltySpec"]

# estimator options a specification can take over, with their "not set" value
_OPTIONS = {"penalty_factor": None, "lower_bounds": None, "upper_bounds": None,
            "positive": False}


def _is_set(value, default):
    if default is None:
        return value is not None
    return bool(value) != bool(default)


class PenaltySpec:
    """Base class of the penalty specifications (MCP, SCAD, LogSum, Lq, group, L2,1)."""

    # the estimator options this penalty accepts (a subset of penalty_factor,
    # lower_bounds, upper_bounds, positive)
    _accepts = ("penalty_factor", "lower_bounds", "upper_bounds", "positive")

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep=True):
        """The constructor's parameters (scikit-learn's ``clone`` rebuilds from them)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"Invalid parameter {name!r} for {type(self).__name__}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()}
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
                changed = True
            else:
                try:
                    changed = bool(value != default)
                except (TypeError, ValueError):
                    changed = True
            if changed or default is inspect.Parameter.empty:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def configure(self, alpha, **options):
        """A copy at strength ``alpha`` with the estimator's ``options`` (penalty_factor,
        lower_bounds, upper_bounds, positive) filled in where this penalty leaves them
        unset. An option set on both is a ``ValueError`` naming it, and so is an option
        this penalty does not take."""
        params = self.get_params()
        params["alpha"] = alpha
        for name, value in options.items():
            default = _OPTIONS[name]
            if not _is_set(value, default):
                continue
            if name not in self._accepts:
                raise ValueError(f"{type(self).__name__} does not take '{name}' (set on the "
                                 "estimator); leave it at its default.")
            if _is_set(params.get(name, default), default):
                raise ValueError(f"'{name}' is set both on the estimator and on the penalty "
                                 f"{self!r}; set it in one place.")
            params[name] = value
        return type(self)(**params)
