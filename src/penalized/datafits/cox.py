"""Cox proportional hazards: the negative log partial likelihood (Breslow or Efron ties).

With sample weights ``s``, events ``d_i`` in {0, 1}, times ``t_i``, strata, and
``eta = X w + offset``, the loss is (Breslow)::

    L(eta) = sum_i s_i d_i (log(sum_{j in R_i} s_j exp(eta_j)) - eta_i),

``R_i`` the samples of i's stratum with ``t_j >= t_i``; the solvers minimize ``L / S``
(``S = sum_i s_i``) plus the penalty: glmnet's ``family="cox"`` objective with
``lambda = alpha``. Efron's ties replace, for a time with ``m`` tied events of total
weight ``sw`` and event sum ``D = sum s e^eta``, the ``sw log W`` of Breslow by
``sum_r om_r log(W - f_r D)``: with frequency weights (scikit-learn's meaning of
``sample_weight``, the default) ``ceil(sw)`` terms ``f_r = r / sw`` of weight
``min(1, sw - r)``, so that integer weights give the fit of the data with every row
repeated ``s_i`` times; with ``efron_weights="survival"`` (``survival::coxph``,
lifelines) ``m`` terms ``f_r = r / m`` of weight ``sw / m``. Unit weights give Efron's
formula either way.

The loss couples the samples through the risk sets, so it is a ``coupled`` datafit:
``bind(y, s)`` sorts the rows once (by stratum, then decreasing time) and returns the loss
bound to them; the risk-set sums run in :mod:`penalized.datafits._cox_sums`, compiled
only by Cox fits. The solvers see y as an (n, 3) float array [time, event, stratum].
"""

import numpy as np

from .base import Datafit

__all__ = ["Cox", "survival_target"]


def _event_time_index(names, default):
    """Which of two fields or columns is the event and which the time: by name (``event``
    or ``status``, and ``time``, case-insensitive; one name is enough, the other column
    is the other one), else ``default``, the pair (event index, time index)."""
    low = [str(name).lower() for name in names]
    ev = next((i for i, name in enumerate(low) if name in ("event", "status")), None)
    tm = next((i for i, name in enumerate(low) if name == "time"), None)
    if ev is None and tm is None:
        return default
    if ev is None:
        ev = 1 - tm
    elif tm is None:
        tm = 1 - ev
    return ev, tm


def _as_float(values, what):
    """``values`` as float64 (NaN for missing values such as ``pandas.NA``); complex
    and non-numeric values raise a ``ValueError`` naming ``what``."""
    if type(values) is np.ndarray and values.dtype == np.float64 and (
            values.ndim == 1 or (values.ndim == 2 and values.shape[1] > 0)):
        return values  # (what check_array returns for it; 0.15 ms of a 3.5 ms fit)
    from sklearn.utils import check_array

    try:
        return check_array(values, ensure_2d=False, allow_nd=True, dtype=np.float64,
                           ensure_all_finite=False, ensure_min_samples=0, input_name="y")
    except (TypeError, ValueError) as err:
        # (scikit-learn's complex error prints the whole array)
        reason = "got complex values" if str(err).startswith("Complex data") else str(err)
        raise ValueError(f"The {what} of y must be real numbers: {reason}") from None


def _event_time_from_structured(y):
    names = y.dtype.names
    if len(names) != 2:
        raise ValueError(f"A structured y must have 2 fields (event, time), got {names}.")
    ev, tm = _event_time_index(names, (0, 1))  # scikit-survival's order: event first
    return _as_float(y[names[ev]], "events"), _as_float(y[names[tm]], "times")


def _event_time_from_frame(y):
    """(event, time) of a two-column DataFrame (pandas, polars) whose column names say
    which is which, else None (its columns are then [time, event] by position)."""
    columns = getattr(y, "columns", None)
    if columns is None or isinstance(y, np.ndarray) or len(y.shape) != 2 or \
            len(columns) != 2:
        return None
    columns = list(columns)
    which = _event_time_index(columns, None)
    if which is None:
        return None
    ev, tm = which
    return _as_float(y[columns[ev]], "events"), _as_float(y[columns[tm]], "times")


def _survival_error(time, event):
    """Raise the ``ValueError`` that names what is wrong with the times or events."""
    if not np.all(np.isfinite(time)):
        raise ValueError("The times of y must be finite (got NaN or inf: a missing value?).")
    if np.any(time < 0):
        raise ValueError(f"Some time(s) of y are negative (min {float(time.min())!r}): "
                         "survival times must be >= 0.")
    if not np.all(np.isfinite(event)):
        raise ValueError("The events of y must be 0 or 1 (False or True); got NaN or inf "
                         "(a missing value?).")
    if not np.all((event == 0) | (event == 1)):
        raise ValueError("The events of y must be 0 or 1 (False or True); got values "
                         f"{np.unique(event[(event != 0) & (event != 1)])[:5]}.")
    if not np.any(event == 1):
        raise ValueError("y has no event (every time is censored): the partial likelihood "
                         "is constant.")
    raise AssertionError("survival_ok refused a valid target")  # pragma: no cover


def survival_target(y, strata=None, n=None):
    """The (n, 3) float array [time, event, stratum code] of a survival target.

    ``y`` is a structured array (event, time) as scikit-survival makes (fields named
    ``event``/``status`` and ``time``, else the first field is the event), an (n, 2)
    array [time, event] as glmnet's ``Surv`` (or a list of such pairs, or a two-column
    DataFrame: its columns are taken by name when named ``event``/``status`` and
    ``time``, else by position), an (n, 3) array [time, event, stratum], or a 1-D array
    of times (every event observed). ``strata``: labels of length n (they replace a
    third column). Raises ``ValueError`` naming what is wrong: negative, missing or
    non-finite times, events not in {0, 1}, no event at all, complex or non-numeric
    values, wrong shapes or lengths.
    """
    stratum = None
    if isinstance(y, np.ndarray) and y.dtype.names is not None:
        event, time = _event_time_from_structured(y)
    elif (pair := _event_time_from_frame(y)) is not None:
        event, time = pair
    else:
        arr = _as_float(y, "times and events")
        if arr.ndim == 1:
            time, event = arr, np.ones(arr.shape[0])
        elif arr.ndim == 2 and arr.shape[1] in (2, 3):
            time, event = arr[:, 0], arr[:, 1]
            stratum = arr[:, 2] if arr.shape[1] == 3 else None
        else:
            raise ValueError("y must be a structured array (event, time), an (n, 2) array "
                             f"[time, event] or a 1-D array of times, got shape {arr.shape}.")
    if time.ndim != 1 or event.ndim != 1:
        raise ValueError(f"The times and events of y must be 1-D, got shapes {time.shape} "
                         f"and {event.shape}.")
    if n is not None and time.shape[0] != n:
        raise ValueError(f"y has {time.shape[0]} samples, expected {n}.")
    from ._cox_sums import survival_ok

    if not survival_ok(np.ascontiguousarray(time), np.ascontiguousarray(event)):
        _survival_error(time, event)
    if strata is not None:
        strata = np.asarray(strata)
        if strata.ndim != 1 or strata.shape[0] != time.shape[0]:
            raise ValueError(f"strata must have shape ({time.shape[0]},), got "
                             f"{strata.shape}.")
        stratum = np.unique(strata, return_inverse=True)[1]
    out = np.empty((time.shape[0], 3))
    out[:, 0] = time
    out[:, 1] = event
    if stratum is None:
        out[:, 2] = 0.0
    else:
        stratum = np.asarray(stratum, dtype=np.float64)
        if not np.all(np.isfinite(stratum)):
            raise ValueError("The strata of y must be finite.")
        out[:, 2] = stratum
    return out


class _Binding:
    """The sort order and group structure of one (y, s)."""

    def __init__(self, y, s, ties):
        self.y = y
        n = y.shape[0]
        self.s_full = np.ones(n) if s is None else np.asarray(s, dtype=np.float64)
        self.S = float(self.s_full.sum())
        from ._cox_sums import cox_groups

        time, event, stratum = (np.ascontiguousarray(y[:, c]) for c in range(3))
        self.order, self.s, self.d, self.gptr, self.sptr = cox_groups(time, event, stratum,
                                                                      self.s_full)
        starts = self.order[self.gptr[:-1]]
        self.group_time = time[starts]
        self.group_stratum = stratum[starts]
        self.ties = int(ties)  # the kernels' code: 0 Breslow, 1 and 2 Efron
        self._cache = None

    def matches(self, y, s):
        if y is not self.y and not (y.shape == self.y.shape and np.array_equal(y, self.y)):
            return False
        s = np.ones(y.shape[0]) if s is None else s
        return s is self.s_full or np.array_equal(s, self.s_full)

    def sums(self, eta):
        """(total loss, grad, hess, h1) in the original order (cached for the last eta)."""
        if self._cache is not None and self._cache[0] is eta:
            return self._cache[1]
        from ._cox_sums import cox_derivatives

        e = np.ascontiguousarray(np.broadcast_to(eta, self.order.shape)[self.order],
                                 dtype=np.float64)
        n = e.shape[0]
        g, h, h1 = np.empty(n), np.empty(n), np.empty(n)
        with np.errstate(over="ignore", invalid="ignore"):
            total = cox_derivatives(e, self.s, self.d, self.gptr, self.sptr, self.ties, g, h,
                                    h1)
        out = (float(total), np.empty(n), np.empty(n), np.empty(n))
        out[1][self.order], out[2][self.order], out[3][self.order] = g, h, h1
        self._cache = (eta, out)
        return out

    def sorted_eta(self, eta):
        return np.ascontiguousarray(np.broadcast_to(eta, self.order.shape)[self.order],
                                    dtype=np.float64)


class Cox(Datafit):
    """Negative log partial likelihood of the Cox model, Breslow or Efron ties, strata.

    See the module docstring for the formula. Per-sample methods return vectors whose
    ``s``-weighted sums are the totals (the loss, its saturated value, the conjugate bound
    sit on the events); the gradient and the Hessian diagonal are per sample
    (``d L / d eta_k = s_k grad_k``).

    Parameters
    ----------
    ties : {"breslow", "efron"}, default="breslow"
        How tied event times enter the partial likelihood (glmnet: Breslow; survival's
        ``coxph`` and lifelines: Efron).
    efron_weights : {"frequency", "survival"}, default="frequency"
        How sample weights enter Efron's tie correction (see the module docstring):
        ``"frequency"``, a weight is a number of copies of the row (scikit-learn's
        meaning: integer weights equal repeated rows; a row of weight 3 is 3 tied
        events), or ``"survival"``, the tied event rows' mean weight as
        ``survival::coxph`` and lifelines (weights rescaled together give the same
        fit). Breslow's ties are the same either way.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Cox
    >>> from penalized.datafits.cox import survival_target
    >>> y = survival_target(np.array([[1.0, 1], [2.0, 1], [3.0, 0]]))
    >>> round(Cox().value(y, np.zeros(3), np.ones(3)), 6)  # (log 3 + log 2) / 3
    0.597253
    """

    name = "cox"
    family = "cox"
    deviance_name = "Partial-likelihood deviance"
    coupled = True
    has_intercept = False
    target_ndim = 2
    scorings = ("deviance", "cindex")

    def __init__(self, ties="breslow", efron_weights="frequency"):
        if ties not in ("breslow", "efron"):
            raise ValueError(f"The 'ties' parameter must be 'breslow' or 'efron', got "
                             f"{ties!r}.")
        if efron_weights not in ("frequency", "survival"):
            raise ValueError(f"The 'efron_weights' parameter must be 'frequency' or "
                             f"'survival', got {efron_weights!r}.")
        self.ties = ties
        self.efron_weights = efron_weights
        self._code = 0 if ties == "breslow" else 2 if efron_weights == "frequency" else 1
        self._b = None
        self._last = None
        self._checked = None  # the last target this instance validated

    def __repr__(self):
        if self.ties == "efron" and self.efron_weights != "frequency":
            return f"Cox(ties={self.ties!r}, efron_weights={self.efron_weights!r})"
        return f"Cox(ties={self.ties!r})"

    @property
    def ties_code(self):
        """The tie rule as the kernels' code: 0 Breslow, 1 Efron (survival's weighting),
        2 Efron (frequency weights)."""
        return self._code

    # --------------------------------------------------------------------- binding
    def bind(self, y, s):
        """The loss bound to the rows ``y`` ((n, 3), from :meth:`check_target`) and the
        weights ``s`` (None: ones): sorted once, reused by every evaluation."""
        if self._b is not None and self._b.matches(y, s):
            return self
        last = self._last
        if last is not None and last._b.matches(y, s):
            return last  # the same rows again (e.g. the baseline after the fit)
        out = Cox(self.ties, self.efron_weights)
        out._b = _Binding(np.asarray(y, dtype=np.float64), s, self._code)
        self._last = out
        return out

    def _binding(self, y):
        if self._b is not None and self._b.matches(y, self._b.s_full):
            return self._b
        return _Binding(np.asarray(y, dtype=np.float64), None, self._code)

    def _spread(self, b, total):
        """A per-sample vector with ``s``-weighted sum ``total``."""
        return np.full(b.y.shape[0], total / b.S)

    # ----------------------------------------------------------------- per sample
    def loss(self, y, eta):
        b = self._binding(y)
        return self._spread(b, b.sums(eta)[0])

    def derivatives(self, y, eta):
        _, g, h, _ = self._binding(y).sums(eta)
        return g, h

    def grad(self, y, eta):
        return self._binding(y).sums(eta)[1]

    def hess(self, y, eta):
        return self._binding(y).sums(eta)[2]

    def conjugate_at(self, y, eta, g, c):
        from ._cox_sums import cox_conjugate_bound

        b = self._binding(y)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            total = cox_conjugate_bound(b.sorted_eta(eta), b.s, b.d, b.gptr, b.sptr, b.ties,
                                        float(c))
        return self._spread(b, total)

    def conjugate(self, y, u):
        raise NotImplementedError("The Cox loss has no per-sample conjugate: use "
                                  "conjugate_at(y, eta, grad, c).")

    def saturated(self, y):
        """``sw log sw`` per event time (Breslow; glmnet's saturated log-likelihood), plus
        Efron's correction ``sum_r om_r log(1 - f_r)`` (``(sw / m) log(m! / m^m)`` for m
        tied events of survival's weighting)."""
        from ._cox_sums import cox_saturated

        b = self._binding(y)
        return self._spread(b, float(cox_saturated(b.s, b.d, b.gptr, b.ties)))

    # --------------------------------------------------------------------- derived
    def value(self, y, eta, s):
        b = self.bind(y, s)._b
        return b.sums(eta)[0] / b.S

    def null_eta(self, y, s, offset, fit_intercept):
        """The offset alone: the partial likelihood has no intercept."""
        return np.zeros(y.shape[0]) + offset

    def null_intercept(self, y, s, offset):
        return 0.0

    def intercept_start(self, y, s):
        return 0.0

    def optimize_intercept(self, y, eta, s):
        return 0.0

    def tol_scale(self, y, s, offset, fit_intercept):
        """The null model's loss above the saturated one, per unit weight."""
        bound = self.bind(y, s)
        eta = self.null_eta(y, s, offset, False)
        b = bound._b
        sat = float(b.s_full @ bound.saturated(y))
        return (b.sums(eta)[0] - sat) / b.S

    def deviance_total(self, y, eta, s):
        """``2 (L(eta) - L_sat)``: glmnet's ``coxnet.deviance`` (Breslow)."""
        bound = self.bind(y, s)
        b = bound._b
        return 2.0 * (b.sums(eta)[0] - float(b.s_full @ bound.saturated(y)))

    def hessian_lowrank(self, y, eta, Xc):
        """The exact Hessian of the total loss in the coefficients of the dense columns
        ``Xc`` (n x k, original row order), as ``Xc' diag(h) Xc - M' diag(om) M``: returns
        ``(h, M, om)`` with ``h`` (n,), ``M`` (T x k) and ``om`` (T,), one row per event
        time (two where Efron's correction has several terms)."""
        from ._cox_sums import cox_terms

        b = self._binding(y)
        _, _, _, h1 = b.sums(eta)
        Xc = np.asarray(Xc, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            M, om = cox_terms(Xc, b.order, b.sorted_eta(eta), b.s, b.d, b.gptr, b.sptr,
                              b.ties)
        return b.s_full * h1, M, om

    def hessian_block(self, y, eta, Xc):
        """``Xc' H Xc`` for the exact Hessian ``H`` of the total loss in eta (k x k)."""
        h, M, om = self.hessian_lowrank(y, eta, Xc)
        return Xc.T @ (Xc * h[:, None]) - M.T @ (M * om[:, None])

    def baseline(self, y, eta):
        """Baseline cumulative hazard at ``eta`` (with weights of the binding): a list
        over strata of (stratum code, event times increasing, cumulative hazard)."""
        from ._cox_sums import cox_increments

        b = self._binding(y)
        with np.errstate(over="ignore", invalid="ignore"):
            inc = cox_increments(b.sorted_eta(eta), b.s, b.d, b.gptr, b.sptr, b.ties)
        out = []
        for k in range(b.sptr.size - 1):
            g = np.arange(b.sptr[k], b.sptr[k + 1])[::-1]  # increasing time
            keep = inc[g] > 0
            g = g[keep]
            out.append((float(b.group_stratum[b.sptr[k]]), b.group_time[g],
                        np.cumsum(inc[g])))
        return out

    def test_error(self, y, eta, scoring):
        raise ValueError("Cox scores are not per sample: use "
                         "penalized.model_selection.CoxPHCV.")

    def check_target(self, y, strata=None, n=None):
        """:func:`survival_target` of ``y`` (``strata``, ``n``: as there). The array it
        returns is remembered: passed back (the estimator's fit validates y, then the
        engine layer checks it again), it is returned as is (0.2 ms of a 3.5 ms fit of
        2000 x 100)."""
        if strata is None and n is None and y is self._checked:
            return y
        out = survival_target(y, strata, n)
        self._checked = out
        return out
