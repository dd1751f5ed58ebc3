"""scikit-learn's ``LogisticRegressionCV`` parameters and fitted attributes, for
:class:`penalized.LogisticRegressionCV`.

The deprecated values of ``l1_ratios``, ``penalty``, ``scoring`` and
``use_legacy_attributes`` (scikit-learn 1.8 / 1.9, with scikit-learn's warnings), the
``Cs`` grid, the scorer applied to each fold's model at each C, and the layouts of
``coefs_paths_``, ``scores_``, ``n_iter_``, ``C_`` and ``l1_ratio_`` (legacy or not).
"""

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import (
    f1_score,
    get_scorer,
    get_scorer_names,
    jaccard_score,
    make_scorer,
    precision_score,
    recall_score,
)

from .._validation import InvalidParameterError

__all__ = ["MEASURES", "Penalty", "check_Cs", "check_types", "fold_scorer", "resolve_legacy",
           "resolve_penalty", "resolve_scoring", "score_fold", "sklearn_attributes",
           "coefs_paths",
           "test_params"]

#: penalized's glmnet-style measures (``measure=``) and the datafits' names for them
MEASURES = {"deviance": "deviance", "mse": "mse", "mae": "mae", "class": "accuracy",
            "auc": "auc"}
_OLD_SCORINGS = ("deviance", "mse", "mae", "auc")  # penalized's former ``scoring`` values
# binary scorers whose positive class scikit-learn's LogisticRegressionCV sets to
# classes_[1] (it rebuilds every scorer whose metric takes ``labels``)
_POSITIVE_CLASS = {"f1": f1_score, "precision": precision_score, "recall": recall_score,
                   "jaccard": jaccard_score}


@dataclass
class Penalty:
    """The penalty scikit-learn's ``l1_ratios`` and ``penalty`` ask for.

    ``l1_ratios_`` is scikit-learn's attribute (``[None]`` when ``l1_ratios`` is None),
    ``mixes`` the l1_ratio fitted for each of its entries, ``none`` whether ``l1_ratios``
    is None (the attributes then lack the l1_ratios axis) and ``name`` the penalty.
    """

    l1_ratios_: np.ndarray
    mixes: np.ndarray
    none: bool
    name: str


def check_types(penalty, l1_ratios, scoring, measure, legacy):
    """scikit-learn's parameter validation, before any of its deprecation warnings."""
    if isinstance(l1_ratios, str) and l1_ratios != "warn":
        raise InvalidParameterError(
            "The 'l1_ratios' parameter of LogisticRegressionCV must be an array-like or "
            f"None. Got {l1_ratios!r} instead.")
    if not (isinstance(penalty, str) and penalty in ("l1", "l2", "elasticnet", "deprecated")):
        raise InvalidParameterError(
            "The 'penalty' parameter of LogisticRegressionCV must be a str among "
            f"{{'l1', 'l2', 'elasticnet'}}. Got {penalty!r} instead.")
    if not (scoring is None or callable(scoring) or (isinstance(scoring, str) and (
            scoring in ("warn",) + _OLD_SCORINGS or scoring in get_scorer_names()))):
        raise InvalidParameterError(
            "The 'scoring' parameter of LogisticRegressionCV must be a str among "
            f"{sorted(get_scorer_names())}, a callable or None (penalized's measures: "
            f"'measure'). Got {scoring!r} instead.")
    if measure is not None and not (isinstance(measure, str) and measure in MEASURES):
        raise InvalidParameterError(
            f"The 'measure' parameter must be None or a str among {sorted(MEASURES)}. "
            f"Got {measure!r} instead.")
    if not (isinstance(legacy, (bool, np.bool_)) or (isinstance(legacy, str)
                                                     and legacy == "warn")):
        raise InvalidParameterError(
            "The 'use_legacy_attributes' parameter of LogisticRegressionCV must be an "
            f"instance of 'bool'. Got {legacy!r} instead.")


def resolve_penalty(penalty, l1_ratios):
    """scikit-learn 1.9's reading of ``penalty`` and ``l1_ratios`` (checked by
    :func:`check_types`), its warnings and errors; returns a :class:`Penalty`."""
    given = l1_ratios
    if isinstance(l1_ratios, str):
        warnings.warn(
            "The default value for l1_ratios will change from None to (0.0,) in version "
            "1.10. From version 1.10 onwards, only array-like with values in [0, 1] will "
            "be allowed, None will be forbidden. To avoid this warning, explicitly set a "
            "value, e.g. l1_ratios=(0,).", FutureWarning, stacklevel=6)
        l1_ratios = None
    if isinstance(penalty, str) and penalty == "deprecated":
        if given is None:
            warnings.warn("'l1_ratios=None' was deprecated in version 1.8 and will trigger "
                          "an error in 1.10. Use an array-like with valuesin [0, 1] "
                          "instead.", FutureWarning, stacklevel=6)  # (sic, scikit-learn's)
        values = None if l1_ratios is None else np.asarray(l1_ratios, dtype=object)
        if values is None or (values.ndim == 1 and np.all(values == 0)):
            name = "l2"
        elif values.ndim == 1 and np.all(values == 1):
            name = "l1"
        else:
            name = "elasticnet"
    else:
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To avoid "
            "this warning, leave 'penalty' set to its default value and use 'l1_ratios' "
            "and 'Cs' instead. Use l1_ratios=(0,) instead of penalty='l2', l1_ratios=(1,) "
            "instead of penalty='l1', l1_ratios set to floats between 0 and 1 instead of "
            "penalty='elasticnet', and Cs=(np.inf,) instead of penalty=None.",
            FutureWarning, stacklevel=6)
        name = penalty
    if name == "elasticnet":
        ok = (l1_ratios is not None and np.ndim(l1_ratios) == 1 and len(l1_ratios) > 0
              and all(isinstance(r, numbers.Number) and not isinstance(r, bool)
                      and 0 <= r <= 1 for r in l1_ratios))
        if not ok:
            raise ValueError("l1_ratios must be an array-like of numbers between 0 and 1; "
                             f"got (l1_ratios={l1_ratios!r})")
        return Penalty(np.asarray(l1_ratios), np.asarray(l1_ratios, dtype=np.float64),
                       False, name)
    if l1_ratios is not None and not (isinstance(penalty, str) and penalty == "deprecated"):
        warnings.warn("l1_ratios parameter is only used when penalty is 'elasticnet'. Got "
                      f"(penalty={name})", UserWarning, stacklevel=6)
    entries = [None] if l1_ratios is None else list(np.ravel(l1_ratios))
    if not entries:
        raise ValueError("l1_ratios must be an array-like of numbers between 0 and 1; got "
                         f"(l1_ratios={l1_ratios!r})")
    return Penalty(np.asarray(entries), np.full(len(entries), 1.0 if name == "l1" else 0.0),
                   l1_ratios is None, name)


def resolve_scoring(scoring, measure):
    """("measure", name) for penalized's measures, else ("scorer", scoring) with None
    meaning accuracy (scikit-learn's scorers; its FutureWarning for ``"warn"``)."""
    if measure is not None:
        if not (scoring is None or (isinstance(scoring, str) and scoring == "warn")):
            raise ValueError(f"Pass either scikit-learn's 'scoring' (a scorer, higher is "
                             f"better) or penalized's 'measure' (an error, lower is better), "
                             f"not both: got scoring={scoring!r} and measure={measure!r}.")
        return "measure", measure
    if isinstance(scoring, str) and scoring in _OLD_SCORINGS:
        warnings.warn(
            f"scoring={scoring!r} as penalized's CV measure is deprecated: use "
            f"measure={scoring!r}. 'scoring' takes scikit-learn's scorers (e.g. "
            "'neg_log_loss', 'roc_auc', 'accuracy') or a callable.", FutureWarning,
            stacklevel=6)
        return "measure", scoring
    if isinstance(scoring, str) and scoring == "warn":
        warnings.warn(
            "The default value of the parameter 'scoring' will change from None, i.e. "
            "accuracy, to 'neg_log_loss' in version 1.11. To silence this warning, "
            "explicitly set the scoring parameter: scoring='neg_log_loss' for the new, "
            "scoring='accuracy' or scoring=None for the old default.", FutureWarning,
            stacklevel=6)
        return "scorer", None
    return "scorer", scoring


def resolve_legacy(value, owner):
    """scikit-learn's ``use_legacy_attributes`` ("warn": True, with its FutureWarning)."""
    if isinstance(value, str) and value == "warn":
        warnings.warn(
            f"The fitted attributes of {owner} will be simplified in scikit-learn 1.10 to "
            "remove redundancy. Set`use_legacy_attributes=False` to enable the new "
            "behavior now, or set it to `True` to silence this warning during the "
            "transition period while keeping the deprecated behavior for the time being. "
            "The default value of use_legacy_attributes will change from True to False in "
            f"scikit-learn 1.10. See the docstring of {owner} for more details.",
            FutureWarning, stacklevel=6)
        return True
    return bool(value)


def check_Cs(Cs):
    """scikit-learn's ``Cs``: an int >= 1 (``np.logspace(-4, 4, Cs)``) or the values
    (kept in their order and dtype; > 0, ``np.inf`` for no penalty)."""
    if isinstance(Cs, numbers.Integral) and not isinstance(Cs, (bool, np.bool_)):
        if Cs < 1:
            raise InvalidParameterError("The 'Cs' parameter of LogisticRegressionCV must be "
                                        f"an int in the range [1, inf) or an array-like. "
                                        f"Got {Cs!r} instead.")
        return np.logspace(-4, 4, int(Cs))
    arr = np.asarray(Cs)
    if (isinstance(Cs, (str, bool, np.bool_)) or arr.ndim != 1 or arr.size == 0
            or arr.dtype.kind not in "iuf"):
        raise InvalidParameterError("The 'Cs' parameter of LogisticRegressionCV must be an "
                                    "int in the range [1, inf) or a non-empty 1-D "
                                    f"array-like of numbers. Got {Cs!r} instead.")
    if not np.all(arr.astype(np.float64) > 0):
        raise ValueError(f"Every value of 'Cs' must be > 0 (np.inf for no penalty); got "
                         f"{Cs!r}.")
    return arr


def alphas_of(Cs, S):
    """penalized's ``alpha = 1 / (C * S)`` (0 for ``C = inf``)."""
    with np.errstate(divide="ignore"):
        return 1.0 / (np.asarray(Cs, dtype=np.float64) * S)


def fold_scorer(scoring, classes):
    """The scorer scikit-learn's LogisticRegressionCV applies to each fold: None (the
    model's accuracy), a scorer from its name, or the callable. For two classes the
    positive class of the f1 / precision / recall / jaccard scorers is ``classes_[1]``,
    as there (its scorers otherwise take the label 1)."""
    if scoring is None or not isinstance(scoring, str):
        return scoring
    if len(classes) == 2 and scoring in _POSITIVE_CLASS:
        return make_scorer(_POSITIVE_CLASS[scoring], average="binary", pos_label=classes[-1])
    return get_scorer(scoring)


def test_params(params, test, n_samples):
    """The metadata of the test rows (array-likes of one value per sample are indexed)."""
    out = {}
    for key, value in params.items():
        if hasattr(value, "iloc") and len(value) == n_samples:
            value = value.iloc[test]
        elif not isinstance(value, str) and (hasattr(value, "__array__")
                                             or isinstance(value, (list, tuple))):
            arr = np.asarray(value)
            value = arr[test] if arr.ndim >= 1 and arr.shape[0] == n_samples else value
        out[key] = value
    return out


def score_fold(scorer, model, X_test, y_test, sw_test, params, coefs, intercepts, Cs):
    """Scores of the models ``(coefs[j], intercepts[j])`` (penalized's layout: (p,) or
    (p, K)) on the test rows, as scikit-learn's LogisticRegressionCV computes them:
    ``scorer(model, X_test, y_test, **params)``, or the accuracy weighted by the test
    rows' ``sample_weight`` when ``scorer`` is None. ``model`` is a fitted-looking
    :class:`penalized.LogisticRegression` whose ``C`` is ``Cs[j]``."""
    out = np.empty(len(coefs))
    for j, (w, b) in enumerate(zip(coefs, intercepts, strict=True)):
        model.C = float(Cs[j])
        model.coef_ = np.ascontiguousarray(w[None, :] if w.ndim == 1 else w.T)
        model.intercept_ = np.atleast_1d(np.asarray(b, dtype=np.float64))
        if scorer is None:
            out[j] = model.score(X_test, y_test, sample_weight=sw_test)
        else:
            out[j] = scorer(model, X_test, y_test, **params)
    return out


def path_coefs(res, relaxed=None, gamma=1.0):
    """Coefficients (m, p[, K]) and intercepts (m[, K]) of a path (blended with its
    relaxed path at ``gamma``)."""
    W = _stack(res)
    b = np.asarray(res.intercepts, dtype=np.float64)
    if gamma < 1:
        W = gamma * W + (1 - gamma) * _stack(relaxed)
        b = gamma * b + (1 - gamma) * np.asarray(relaxed.intercepts, dtype=np.float64)
    return W, b


def _stack(res):
    if isinstance(res.coefs, list):
        return np.stack(res.coefs, axis=0)
    C = res.coefs.toarray() if sp.issparse(res.coefs) else np.asarray(res.coefs)
    return C.T


def dof_rows(W, b, fit_intercept, scaling):
    """scikit-learn's per-C coefficient rows (m, K or 1, n_features [+ 1]): the
    intercept last when fitted; ``scaling`` (liblinear's synthetic feature) turns the
    last column of W into the intercept."""
    if scaling is not None:
        b = scaling * W[:, -1]
        W = W[:, :-1]
    if W.ndim == 2:
        W, b = W[:, None, :], np.asarray(b).reshape(-1, 1)
    else:
        W = np.swapaxes(W, 1, 2)  # (m, K, p)
    if not fit_intercept:
        return W
    return np.concatenate([W, np.asarray(b)[:, :, None]], axis=2)


def sklearn_attributes(scores, n_iter, C, l1_ratio, pen, classes, legacy, penalty):
    """scikit-learn's ``scores_``, ``n_iter_``, ``C_`` and ``l1_ratio_`` from ``scores``
    and ``n_iter`` (n_folds, n_l1_ratios, n_cs), the selected ``C`` and ``l1_ratio`` (the
    entry of ``l1_ratios_``; with ``refit=False`` the mean of the folds' l1_ratios)."""
    if not legacy:
        if pen.none:
            l1 = 1.0 if isinstance(penalty, str) and penalty == "l1" else 0.0
        else:
            l1 = float(l1_ratio)
        return dict(scores_=scores, n_iter_=n_iter, C_=float(C), l1_ratio_=l1)
    keys = classes[1:] if len(classes) == 2 else classes
    # legacy: scores and n_iter with the C axis before the l1_ratios axis; the l1_ratios
    # axis dropped for l1_ratios=None
    sc = np.swapaxes(scores, 1, 2)
    it = np.swapaxes(n_iter, 1, 2)[None]
    if pen.none:
        sc, it = sc[:, :, 0], it[:, :, :, 0]
    reps = len(keys)
    return dict(scores_={k: sc.copy() for k in keys}, n_iter_=it,
                C_=np.tile(np.asarray([C]), reps),
                l1_ratio_=np.tile(np.asarray([l1_ratio]), reps))


def coefs_paths(coefs, pen, classes, legacy):
    """scikit-learn's ``coefs_paths_`` from ``coefs`` (n_folds, n_l1_ratios, n_cs, K or
    1, n_dof): as is, or (legacy) per class (n_folds, n_cs, n_l1_ratios, n_dof), the
    l1_ratios axis dropped for l1_ratios=None."""
    if not legacy:
        return coefs
    keys = classes[1:] if len(classes) == 2 else classes
    paths = np.moveaxis(coefs, (3, 0, 2, 1), (0, 1, 2, 3))
    if pen.none:
        paths = paths[:, :, :, 0]
    return dict(zip(keys, paths, strict=True))
