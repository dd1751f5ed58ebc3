"""The comparisons of ``penalized compare`` and the plain-language reading built from them.

:func:`paired_comparisons` computes, once, every comparison the report states: each
model against the best one (``vs_best``), and Lasso / ElasticNet against Ridge at the same
rule (``vs_ridge``). Both are stored in the model's row of the results, and both the table
(:mod:`penalized.report.html`, :mod:`penalized.report.console`) and the sentences of
:func:`reading` render from those entries with the same formatters (:func:`num`,
:func:`signed`), so the text cannot say anything the table does not show.

Every comparison is on the scale of the table's primary metric (test RMSE for regression,
test log-loss for classification): ``diff`` is the difference of the two models' test
metrics, exactly the difference of the two table cells, and ``se`` its standard error over
the test samples, paired (the two models predict the same samples). The log-loss is a mean
of per-sample losses, so its ``se`` is the standard error of the mean per-sample
difference; the RMSE is the square root of such a mean, and its ``se`` comes from the
delta method (the per-sample influence ``(e_i - MSE) / (2 RMSE)`` of each model's squared
errors ``e_i``, differenced, then the standard error of their mean).
"""

import numpy as np

__all__ = ["METRIC_LABELS", "num", "paired_comparisons", "paired_difference",
           "per_sample_losses", "reading", "signed", "verdict"]

#: How the primary metric is named in the text and in the table headers.
METRIC_LABELS = {"rmse": "RMSE", "log_loss": "log-loss"}


def num(v):
    """A number as the table and the text show it: 4 significant digits; ``–`` for None.

    Examples
    --------
    >>> from penalized.report.reading import num
    >>> num(55.7834), num(None)
    ('55.78', '–')
    """
    return "–" if v is None else f"{v:.4g}"


def signed(v):
    """A difference as the table and the text show it: :func:`num` with its sign.

    Examples
    --------
    >>> from penalized.report.reading import signed
    >>> signed(0.61024), signed(-2.5)
    ('+0.6102', '-2.5')
    """
    return "–" if v is None else f"{v:+.4g}"


def verdict(diff, se):
    """``"within"`` when ``|diff| <= se``, else ``"better"`` (diff < 0) or ``"worse"``.

    Lower is better for both metrics (RMSE, log-loss).

    Examples
    --------
    >>> from penalized.report.reading import verdict
    >>> verdict(0.5, 0.8), verdict(1.2, 0.8), verdict(-1.2, 0.8)
    ('within', 'worse', 'better')
    """
    if abs(diff) <= se:
        return "within"
    return "better" if diff < 0 else "worse"


def per_sample_losses(task, y, eta):
    """Per-sample losses of the linear predictor ``eta``: squared errors or log-losses.

    Parameters
    ----------
    task : {"regression", "classification"}
    y : ndarray of shape (n_samples,)
        Targets; class indices 0..K-1 for classification.
    eta : ndarray of shape (n_samples,) or (n_samples, K)
        Linear predictor (the logit for two classes).

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.report.reading import per_sample_losses
    >>> per_sample_losses("regression", np.array([1.0, 2.0]), np.array([1.5, 2.0])).tolist()
    [0.25, 0.0]
    >>> float(per_sample_losses("classification", np.array([1.0]), np.array([0.0]))[0])
    0.6931471805599453
    """
    from scipy.special import log_softmax

    if task == "regression":
        return (y - eta) ** 2
    if eta.ndim == 1:
        return np.logaddexp(0.0, eta) - y * eta
    lp = log_softmax(eta, axis=1)
    return -lp[np.arange(y.size), y.astype(int)]


def paired_difference(metric, a, b):
    """Difference of two models' test metrics and its paired standard error.

    Parameters
    ----------
    metric : {"rmse", "log_loss"}
        ``"rmse"``: ``a`` and ``b`` are per-sample squared errors, the metric is
        ``sqrt(mean)``; ``"log_loss"``: per-sample log-losses, the metric is their mean.
    a, b : ndarray of shape (n_samples,)
        The two models' per-sample losses on the same samples.

    Returns
    -------
    diff : float
        ``metric(a) - metric(b)``.
    se : float
        Its standard error: the standard deviation (ddof=1) of the per-sample influences
        of the difference, over ``sqrt(n_samples)`` (0 with a single sample).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.report.reading import paired_difference
    >>> a, b = np.array([1.0, 4.0, 9.0]), np.array([1.0, 1.0, 4.0])
    >>> diff, se = paired_difference("log_loss", a, b)
    >>> round(diff, 6), round(se, 6)  # mean and standard error of a - b = [0, 3, 5]
    (2.666667, 1.452966)
    >>> diff, _ = paired_difference("rmse", a, b)
    >>> bool(np.isclose(diff, np.sqrt(14 / 3) - np.sqrt(2)))
    True
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ma, mb = float(np.mean(a)), float(np.mean(b))
    if metric == "rmse":
        ra, rb = np.sqrt(ma), np.sqrt(mb)
        diff = float(ra - rb)
        # delta method: d sqrt(m) = dm / (2 sqrt(m)); a perfect fit has no spread
        infl = ((a - ma) / (2 * ra) if ra > 0 else 0.0) - ((b - mb) / (2 * rb) if rb > 0
                                                           else 0.0)
    else:
        diff = ma - mb
        infl = a - b
    infl = np.broadcast_to(infl, a.shape)
    se = float(np.std(infl, ddof=1) / np.sqrt(a.size)) if a.size > 1 else 0.0
    return diff, se


def _entry(metric, reference, a, b):
    diff, se = paired_difference(metric, a, b)
    return {"reference": reference, "metric": metric, "diff": diff, "se": se,
            "verdict": verdict(diff, se)}


def paired_comparisons(models, task, metric, X_test, y_test, offset_test=None):
    """Add ``vs_best``, ``within_1se`` and ``vs_ridge`` to each model's row, in place.

    Parameters
    ----------
    models : list of dict
        Rows with ``name``, ``kind``, ``rule``, ``coef``, ``intercept`` and
        ``test[metric]``.
    task : {"regression", "classification"}
    metric : {"rmse", "log_loss"}
        The primary metric (lowest is best).
    X_test, y_test : ndarray
        The test part the rows' test metrics were computed on.
    offset_test : ndarray of shape (n_test,), default=None
        The test rows' offsets (added to every linear predictor).

    Returns
    -------
    str
        The name of the best model (lowest test metric; the first one on ties).

    Notes
    -----
    ``vs_best`` is ``{"reference", "metric", "diff", "se", "verdict"}`` with ``verdict``
    ``"best"`` for the best model itself, ``"within"`` when the difference is at most one
    standard error, else ``"worse"``; ``within_1se`` is ``verdict != "worse"``.
    ``vs_ridge`` (Lasso and ElasticNet rows) compares to Ridge at the same rule, with
    verdict ``"within"``, ``"better"`` or ``"worse"``.
    """
    off = 0.0 if offset_test is None else np.asarray(offset_test, dtype=np.float64)
    losses = [per_sample_losses(task, y_test, np.asarray(X_test @ np.asarray(m["coef"]))
                                 + np.asarray(m["intercept"]) + off) for m in models]
    best = int(np.argmin([m["test"][metric] for m in models]))
    by_name = {m["name"]: v for m, v in zip(models, losses, strict=True)}
    for i, (m, v) in enumerate(zip(models, losses, strict=True)):
        m["vs_best"] = _entry(metric, models[best]["name"], v, losses[best])
        if i == best:
            m["vs_best"].update(diff=0.0, se=0.0, verdict="best")
        m["within_1se"] = m["vs_best"]["verdict"] != "worse"
        ridge = f"Ridge ({m['rule']})"
        if m["kind"] in ("lasso", "elasticnet") and ridge in by_name:
            m["vs_ridge"] = _entry(metric, ridge, v, by_name[ridge])
    return models[best]["name"]


# --------------------------------------------------------------------------- reading
def _diff(c):
    """``+0.61 (SE 0.27)``: a comparison's difference and standard error."""
    return f"{signed(c['diff'])} (SE {num(c['se'])})"


_RIDGE_VERDICT = {
    "within": "within one standard error of each other: L1 and L2 cannot be told apart here",
    "better": "better than Ridge's by more than one standard error",
    "worse": "worse than Ridge's by more than one standard error",
}


def _best_sentences(results, models, label):
    key = results["primary_metric"]
    best = models[results["best"]]
    out = [f"The best {label} is {num(best['test'][key])}, by {best['name']}."]
    close = [m for m in models.values() if m["vs_best"]["verdict"] == "within"]
    worse = [m for m in models.values() if m["vs_best"]["verdict"] == "worse"]
    paired = f"{label} difference, paired over the {results['n_test']} test samples"
    if close:
        out.append(f"Within one standard error of {best['name']} ({paired}): "
                   + ", ".join(f"{m['name']} {_diff(m['vs_best'])}" for m in close)
                   + "; on this test set these models cannot be told apart from the best.")
    else:
        out.append(f"No other model is within one standard error of {best['name']} "
                   f"({paired}).")
    if worse:
        out.append(f"Worse than {best['name']} by more than one standard error: "
                   + ", ".join(f"{m['name']} {_diff(m['vs_best'])}" for m in worse) + ".")
    return out


def _l1_vs_l2(results, models, label, rule):
    key, p = results["primary_metric"], results["n_features"]
    lasso, ridge = models[f"Lasso ({rule})"], models[f"Ridge ({rule})"]
    c = lasso["vs_ridge"]
    text = (f"{lasso['name']} kept {lasso['n_nonzero']} of {p} features (selection "
            f"stability across folds {num(lasso['stability'])}); its {label}, "
            f"{num(lasso['test'][key])}, vs {ridge['name']}'s, {num(ridge['test'][key])}: "
            f"difference {_diff(c)}, {_RIDGE_VERDICT[c['verdict']]}.")
    b = lasso["vs_best"]
    if c["verdict"] == "worse" and b["verdict"] == "within" and b["reference"] != ridge["name"]:
        # not a contradiction: a closer pair of models has a smaller standard error
        text += (f" Yet against the best, {b['reference']}, its difference {_diff(b)} is "
                 f"within one standard error: the difference to {ridge['name']} is smaller "
                 f"but less noisy.")
    return text


def _gap_sentences(results, models, label):
    key = results["primary_metric"]
    ols = models["Unpenalized"]
    pen = [m for m in models.values() if m["kind"] != "unpenalized"]
    smaller = sum(m["gap"] < ols["gap"] for m in pen)
    out = [f"Train-test gap (test minus train {METRIC_LABELS[key]}): Unpenalized "
           f"{num(ols['gap'])}; " + ", ".join(f"{m['name']} {num(m['gap'])}" for m in pen)
           + f"; {smaller} of the {len(pen)} penalized models have a smaller gap than the "
           "unpenalized one."]
    b = ols["vs_best"]
    if b["verdict"] == "best":
        out.append(f"The unpenalized model has the best {label}: penalization does not "
                   "improve on it on this test set.")
    elif b["verdict"] == "within":
        out.append(f"The unpenalized model's {label} is within one standard error of the "
                   f"best's, {b['reference']} ({_diff(b)}): whatever it overfits costs "
                   "nothing measurable on this test set.")
    else:
        out.append(f"The unpenalized model's {label} is worse than the best's, "
                   f"{b['reference']}, by more than one standard error ({_diff(b)}): it "
                   f"overfits, and penalization helps on this data.")
    return out


def reading(results):
    """Plain-language sentences describing the comparison (list of str).

    Every number is a table cell: the test metrics, gaps, nonzero counts, stabilities,
    l1_ratio, and the differences with their standard errors (``vs_best`` and
    ``vs_ridge`` of the rows, see :func:`paired_comparisons`), formatted alike.

    Parameters
    ----------
    results : dict
        Results of :func:`penalized.report.compare.compare_models` (``models`` with
        ``vs_best`` / ``vs_ridge``, ``best``, ``primary_metric``, ``n_features``,
        ``n_test``).

    Returns
    -------
    list of str
    """
    models = {m["name"]: m for m in results["models"]}
    key = results["primary_metric"]
    label = f"test {METRIC_LABELS[key]}"
    p = results["n_features"]
    out = _best_sentences(results, models, label)
    out += [_l1_vs_l2(results, models, label, rule) for rule in ("min", "1se")]
    en_min, en_1se = models["ElasticNet (min)"], models["ElasticNet (1se)"]
    out.append(f"ElasticNet chose l1_ratio = {num(en_min['l1_ratio'])} by cross-validation; "
               f"{en_min['name']} kept {en_min['n_nonzero']} of {p} features and "
               f"{en_1se['name']} {en_1se['n_nonzero']}.")
    out += _gap_sentences(results, models, label)
    ols = models["Unpenalized"]
    if ols.get("note"):
        out.append(f"Note: {ols['note']}.")
    return out
