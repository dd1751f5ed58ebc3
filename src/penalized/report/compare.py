"""``penalized compare``: unpenalized, Ridge, Lasso and ElasticNet on one data set.

:func:`compare_models` is the analysis (arrays in, a JSON-serializable dict out) and
:func:`run` the command: load, preprocess, split, call :func:`compare_models`, then
write the HTML report (:mod:`penalized.report.html`), the optional JSON results and a
summary table on the console.

Every penalized model is tuned by cross-validation on the training part with
``standardize=True`` (glmnet's semantics, so the features' units do not matter), and
reported at both ``alpha_min`` (minimum mean CV error) and ``alpha_1se`` (the largest
alpha within one standard error of it). The test part is used only for the reported
test metrics and the train/test error curves.
"""

import math
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold

from .reading import num, paired_comparisons, per_sample_losses, reading

__all__ = ["EN_L1_RATIOS", "MODEL_NAMES", "compare_models", "run"]

EN_L1_RATIOS = (0.1, 0.5, 0.7, 0.9, 0.95, 0.99)
MODEL_NAMES = {"ridge": "Ridge", "lasso": "Lasso", "elasticnet": "ElasticNet"}
_L1 = {"ridge": 0.0, "lasso": 1.0}
#: The warm-up's grids: the kernels do not depend on their lengths (several l1_ratios, as
#: in the real run, keep the same code path), and a short grid keeps the warm-up of a
#: multinomial fit, slow per alpha, at a fraction of a second once compiled.
WARMUP_GRID = {"alphas": 6, "l1_ratios": (0.5, 0.9)}
_LOGIT_L1_RATIO = {"ridge": 0.0, "lasso": 1.0}


# ------------------------------------------------------------------------- metrics
def _metrics(task, y, eta):
    """Metrics of the linear predictor ``eta`` on targets ``y`` (dict of floats)."""
    if task == "regression":
        resid = y - eta
        mse = float(np.mean(resid**2))
        var = float(np.var(y))
        return {"rmse": math.sqrt(mse), "r2": 1.0 - mse / var if var > 0 else float("nan"),
                "mae": float(np.mean(np.abs(resid)))}
    from sklearn.metrics import roc_auc_score

    loss = float(np.mean(per_sample_losses(task, y, eta)))
    if eta.ndim == 1:
        acc = float(np.mean((eta > 0) == (y > 0.5)))
        auc = float(roc_auc_score(y, eta)) if np.unique(y).size == 2 else float("nan")
        return {"accuracy": acc, "log_loss": loss, "auc": auc}
    acc = float(np.mean(np.argmax(eta, axis=1) == y))
    return {"accuracy": acc, "log_loss": loss}


def primary_metric(task):
    """(name, higher_is_better) of the metric the report ranks models by."""
    return ("rmse", False) if task == "regression" else ("log_loss", False)


# -------------------------------------------------------------------------- models
def _eta(X, coef, intercept):
    out = np.asarray(X @ coef) + intercept
    return out


def _plus(eta, offset):
    """``eta`` plus the rows' offsets (None: eta), on the first axis."""
    if offset is None:
        return eta
    return eta + np.reshape(offset, (-1,) + (1,) * (np.ndim(eta) - 1))


def _path_eta(X, res):
    """Linear predictors at every path point: (n, m) or (n, m, K)."""
    if isinstance(res.coefs, list):
        W = np.stack(res.coefs, axis=1)  # (p, m, K)
        eta = np.asarray(X @ W.reshape(W.shape[0], -1)).reshape((X.shape[0],) + W.shape[1:])
    else:
        eta = np.asarray(X @ res.coefs.toarray())
    return eta + res.intercepts


def _coef_dense(res, i):
    """Coefficients at path index ``i``: (p,) or (p, K)."""
    return np.asarray(res.coef_at(i), dtype=np.float64)


def _support(coef):
    return coef != 0 if coef.ndim == 1 else np.any(coef != 0, axis=1)


def _cv_estimator(kind, task, folds, n_classes, grid=None):
    """The CV estimator of ``kind``; ``grid`` (warm-up only) shortens the alpha and
    l1_ratio grids: ``{"alphas": int, "l1_ratios": tuple}``."""
    from ..model_selection import ElasticNetCV, LassoCV, LogisticRegressionCV

    grid = grid or {}
    ratios = list(grid.get("l1_ratios", EN_L1_RATIOS))
    common = dict(cv=folds, standardize=True)
    if task == "classification":  # penalized's glmnet-style CV: its grid, the deviance
        mixes = ratios if kind == "elasticnet" else [_LOGIT_L1_RATIO[kind]]
        return LogisticRegressionCV(l1_ratios=mixes, measure="deviance",
                                    alphas=grid.get("alphas", 50),
                                    use_legacy_attributes=False, **common)
    if "alphas" in grid:
        common["alphas"] = grid["alphas"]
    if kind == "lasso":
        return LassoCV(**common)
    l1 = ratios if kind == "elasticnet" else 0.0
    return ElasticNetCV(l1_ratio=l1, **common)


def _datafit(task, n_classes):
    from ..datafits import Logistic, Multinomial, Quadratic

    if task == "regression":
        return Quadratic()
    return Logistic() if n_classes == 2 else Multinomial()


def _fit_target(task, y, n_classes):
    """The target as the datafits want it: float y, 0/1, or one-hot."""
    if task == "regression" or n_classes == 2:
        return np.asarray(y, dtype=np.float64)
    return np.eye(n_classes)[y.astype(int)]


def _ols(X, y):
    """Least squares with intercept, or None when it does not exist as a model (p >= n).

    Collinear columns (e.g. every level of a one-hot encoded column next to the
    intercept) give the minimum-norm solution; its predictions are those of any least
    squares solution on the rows' span.
    """
    n, p = X.shape
    if n <= p + 1:
        return None
    xm, ym = X.mean(axis=0), y.mean()
    w = np.linalg.lstsq(X - xm, y - ym, rcond=None)[0]
    return w, float(ym - xm @ w)


def _unpenalized_logistic(X, y, n_classes, offset=None):
    """Maximum-likelihood logistic fit, or None when it does not exist (separable data)."""
    from ..estimators import LogisticRegression

    if X.shape[0] <= X.shape[1] + 1:
        return None
    est = LogisticRegression(C=np.inf, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            est.fit(X, y, offset=offset)
        except (ConvergenceWarning, ValueError, FloatingPointError, np.linalg.LinAlgError):
            return None
    coef = est.coef_.ravel() if n_classes == 2 else est.coef_.T
    intercept = float(est.intercept_[0]) if n_classes == 2 else est.intercept_
    if not np.all(np.isfinite(coef)) or np.max(np.abs(coef), initial=0.0) > 1e6:
        return None
    return np.asarray(coef, dtype=np.float64), intercept


def _jaccard(supports):
    """Mean pairwise Jaccard index of boolean supports (1 when both are empty)."""
    vals = []
    for i in range(len(supports)):
        for j in range(i + 1, len(supports)):
            a, b = supports[i], supports[j]
            union = np.count_nonzero(a | b)
            vals.append(1.0 if union == 0 else np.count_nonzero(a & b) / union)
    return float(np.mean(vals)) if vals else 1.0


def _fold_supports(X, yfit, datafit, folds, l1_ratio, alphas, idx, offset=None):
    """Supports at path indices ``idx`` of a path refitted on each training fold."""
    from ..paths import path

    last = max(idx)
    out = {i: [] for i in idx}
    for train, _ in folds:
        res = path(X[train], yfit[train], datafit, l1_ratio=l1_ratio,
                   alphas=alphas[:last + 1], standardize=True,
                   offset=None if offset is None else offset[train])
        for i in idx:
            out[i].append(_support(_coef_dense(res, i)))
    return out


def _tolist(a):
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, np.nan).tolist()


def _clean(obj):
    """Replace NaN/inf floats by None so the results are strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    return obj


def _model_row(name, kind, rule, alpha, l1_ratio, coef, intercept, data, names, fit_time):
    Xtr, ytr, Xte, yte, task, otr, ote = data
    train = _metrics(task, ytr, _plus(_eta(Xtr, coef, intercept), otr))
    test = _metrics(task, yte, _plus(_eta(Xte, coef, intercept), ote))
    key, _ = primary_metric(task)
    supp = _support(coef)
    return {
        "name": name, "kind": kind, "rule": rule,
        "alpha": None if alpha is None else float(alpha),
        "l1_ratio": None if l1_ratio is None else float(l1_ratio),
        "train": train, "test": test, "gap": test[key] - train[key],
        "n_nonzero": int(np.count_nonzero(supp)),
        "selected": [names[j] for j in np.flatnonzero(supp)],
        "coef": np.asarray(coef, dtype=np.float64).tolist(),
        "intercept": np.asarray(intercept, dtype=np.float64).tolist(),
        "fit_time": float(fit_time),
    }


def compare_models(X, y, feature_names, task, *, X_test, y_test, cv=5, seed=0, classes=None,
                   callback=None, blas_threads=1, warmup=True, offset=None, offset_test=None):
    """Fit unpenalized, Ridge, Lasso and ElasticNet models and compare them.

    Parameters
    ----------
    X, X_test : ndarray of shape (n_train, p) and (n_test, p)
        Numeric design matrices (already preprocessed).
    y, y_test : ndarray
        Targets: floats for regression; class indices 0..K-1 for classification.
    feature_names : list of str
    task : {"regression", "classification"}
    cv : int, default=5
        Number of folds (shuffled with ``seed``; stratified for classification), shared by
        every model.
    seed : int, default=0
    classes : list, default=None
        Class labels (classification), in the order of the indices in ``y``.
    callback : callable, default=None
        Called as ``callback(next_step)`` after each step, with a description of the
        step that starts (progress bars).
    blas_threads : int or None, default=1
        Limit of the BLAS thread pools during the fits (None: no limit). The fits make
        many small BLAS calls, for which threaded BLAS only adds synchronization: with one
        thread the diamonds data run is both faster and far less sensitive to other
        processes competing for the cores.
    warmup : bool, default=True
        First run the whole comparison on a tiny synthetic problem of the same kind
        (:func:`penalized.report._warmup.warmup_problem`: same dtype, memory layout, task,
        number of classes and shape regime), so that the numba kernels are compiled (on
        the first run after an install) or loaded from numba's cache before any fit is
        timed. Its duration is ``warmup_time`` in the results, never part of a
        ``fit_time``.
    offset, offset_test : ndarray of shape (n_train,) and (n_test,), default=None
        Known parts of the linear predictor (coefficient 1) of the training and test
        rows: every fit, path, fold and metric includes them (regression or two
        classes).

    Returns
    -------
    dict
        JSON-serializable results: ``models`` (one entry per table row, with train and
        test metrics, ``gap``, ``n_nonzero``, ``selected``, ``stability``,
        ``selection_frequency``, ``fit_time``, ``vs_best``, ``within_1se`` and, for Lasso
        and ElasticNet, ``vs_ridge``: see
        :func:`penalized.report.reading.paired_comparisons`), ``paths`` (per penalty:
        alphas, coefficients, CV curve, train and test error along the path), ``best``
        and ``reading`` (plain-language sentences), ``warmup_time`` (seconds spent
        compiling or loading the kernels before the timed fits; 0 without ``warmup``).
    """
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=np.float64)
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        warmup_time = _warm_up(X, y, task, cv, seed, classes) if warmup else 0.0
        if callback is not None:
            callback("unpenalized fit")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            results = _compare(X, y, feature_names, task, X_test, y_test, cv, seed, classes,
                               callback, offsets=(offset, offset_test))
    results["warmup_time"] = warmup_time
    n_conv = 0
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            n_conv += 1
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    results["convergence_warnings"] = n_conv
    if n_conv:
        results["reading"].append(
            f"{n_conv} fit(s) along the paths stopped at max_iter before reaching the "
            "tolerance (ConvergenceWarning); their numbers are approximate.")
    return results


def _warm_up(X, y, task, cv, seed, classes):
    """Run the comparison on a tiny problem of the same kind; return its duration (s)."""
    from ._warmup import warmup_problem

    t0 = time.perf_counter()
    n_classes = 0
    if task == "classification":
        n_classes = len(classes) if classes is not None else int(max(np.max(y), 1)) + 1
    Xw, yw, Xt, yt = warmup_problem(X, task, n_classes, cv, seed)
    names = [f"x{j}" for j in range(Xw.shape[1])]
    labels = None if classes is None else [str(c) for c in classes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(Xw, yw, names, task, Xt, yt, cv, seed, labels, None, grid=WARMUP_GRID)
    return time.perf_counter() - t0


def _compare(X, y, feature_names, task, X_test, y_test, cv, seed, classes, callback,
             grid=None, offsets=(None, None)):
    t_start = time.perf_counter()
    step = callback or (lambda desc: None)
    X = np.asarray(X, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    names = [str(n) for n in feature_names]
    n_classes = 0
    if task == "classification":
        y = np.asarray(y).astype(int)
        y_test = np.asarray(y_test).astype(int)
        n_classes = int(max(y.max(), y_test.max(), 1)) + 1 if classes is None else len(classes)
        if np.unique(y).size < 2:
            raise ValueError("The training part has a single class; classification needs two.")
    else:
        y = np.asarray(y, dtype=np.float64)
        y_test = np.asarray(y_test, dtype=np.float64)
    splitter = (StratifiedKFold if task == "classification" else KFold)(
        n_splits=cv, shuffle=True, random_state=seed)
    folds = [(tr, te) for tr, te in splitter.split(X, y)]
    off, off_te = offsets
    if off is not None and n_classes > 2:
        raise ValueError("An offset needs a regression or two-class target.")
    data = (X, y, X_test, y_test, task, off, off_te)
    scale = X.std(axis=0)
    datafit = _datafit(task, n_classes)
    yfit = _fit_target(task, y, n_classes)
    models, paths = [], {}
    ols_note = ols_alpha = None

    # unpenalized; fall back to the smallest alpha of the lasso path when it does not exist
    t0 = time.perf_counter()
    fit = (_ols(X, _plus(y, None if off is None else -off)) if task == "regression"
           else _unpenalized_logistic(X, y, n_classes, off))
    ols_time = time.perf_counter() - t0
    step(f"Ridge: {cv}-fold cross-validation")

    for kind in ("ridge", "lasso", "elasticnet"):
        est = _cv_estimator(kind, task, folds, n_classes, grid)
        t0 = time.perf_counter()
        est.fit(X, y, offset=off)
        fit_time = time.perf_counter() - t0
        res = est.path_
        alphas = np.asarray(res.alphas)  # the selected l1_ratio's grid
        i_min = int(np.argmin(np.abs(alphas - est.alpha_min_)))
        i_1se = int(np.argmin(np.abs(alphas - est.alpha_1se_)))
        eta_tr = _plus(_path_eta(X, res), off)
        eta_te = _plus(_path_eta(X_test, res), off_te)
        key = "rmse" if task == "regression" else "log_loss"
        err_tr = [_metrics(task, y, eta_tr[:, j])[key] for j in range(alphas.size)]
        err_te = [_metrics(task, y_test, eta_te[:, j])[key] for j in range(alphas.size)]
        coefs = np.stack([_coef_dense(res, j) for j in range(alphas.size)], axis=-1)
        if coefs.ndim == 3:  # multinomial: largest class coefficient in absolute value
            coefs = np.max(np.abs(coefs), axis=1)
        paths[kind] = {
            "alphas": alphas.tolist(), "l1_ratio": float(est.l1_ratio_),
            "std_coefs": (coefs * scale[:, None]).tolist(),
            "n_nonzero": np.asarray(res.df).tolist(),
            "cv_mean": _tolist(est.cv_mean_), "cv_se": _tolist(est.cv_se_),
            "cv_name": est.score_name_, "alpha_min": est.alpha_min_,
            "alpha_1se": est.alpha_1se_, "train_error": err_tr, "test_error": err_te,
            "error_name": key, "fit_time": fit_time,
        }
        if kind == "ridge":  # ridge coefficients are never exactly zero: no refits needed
            sup = {i: [np.ones(X.shape[1], dtype=bool)] * len(folds) for i in (i_min, i_1se)}
        else:
            sup = _fold_supports(X, yfit, datafit, folds, est.l1_ratio_, alphas,
                                 sorted({i_min, i_1se}), off)
        for rule, i in (("min", i_min), ("1se", i_1se)):
            coef = _coef_dense(res, i)
            b = res.intercepts[i]
            name = f"{MODEL_NAMES[kind]} ({rule})"
            row = _model_row(name, kind, rule, alphas[i], est.l1_ratio_, coef, b, data,
                             names, fit_time)
            freq = np.mean(sup[i], axis=0)
            row["stability"] = _jaccard(sup[i])
            row["selection_frequency"] = {names[j]: float(freq[j])
                                          for j in np.flatnonzero(_support(coef))}
            models.append(row)
        if kind == "lasso" and fit is None:
            j = alphas.size - 1
            fit = (_coef_dense(res, j), res.intercepts[j])
            why = ("p >= n" if task == "regression"
                   else "no finite maximum-likelihood fit: separable classes, collinear "
                        "columns or p >= n")
            ols_note = (f"the unpenalized fit does not exist here ({why}); shown: the lasso "
                        f"at the smallest alpha of its path ({num(alphas[j])})")
            ols_alpha = float(alphas[j])
        nxt = {"ridge": "Lasso", "lasso": "ElasticNet"}.get(kind)
        step(f"{nxt}: {cv}-fold cross-validation" if nxt else "drawing the figures")
    row = _model_row("Unpenalized", "unpenalized", None, ols_alpha, None, fit[0], fit[1], data,
                     names, ols_time)
    row["stability"], row["note"] = None, ols_note
    row["selection_frequency"] = {}
    models.insert(0, row)

    best = paired_comparisons(models, task, primary_metric(task)[0], X_test, y_test,
                              offset_test=off_te)
    results = {
        "task": task, "n_train": int(X.shape[0]), "n_test": int(X_test.shape[0]),
        "n_features": int(X.shape[1]), "feature_names": names, "cv": int(cv),
        "seed": int(seed), "classes": None if classes is None else [str(c) for c in classes],
        "primary_metric": primary_metric(task)[0], "l1_ratios": list(EN_L1_RATIOS),
        "models": models, "paths": paths,
        "feature_scale": scale.tolist(),
    }
    results["best"] = best
    results["reading"] = reading(results)
    results["total_time"] = time.perf_counter() - t_start
    return _clean(results)


# ------------------------------------------------------------------------- command
def _prepare(args):
    """Load, split and preprocess according to the command-line ``args``."""
    from sklearn.model_selection import train_test_split

    from ..tables.data import (
        DataError,
        Preprocessor,
        infer_task,
        load_example,
        read_table,
        split_target,
        take_offset,
    )
    from ..tables.preprocess import check_no_missing

    if args.data is None:
        df, default_target = load_example()
        target = args.target or default_target
        source = "diabetes (scikit-learn)"
    else:
        df = read_table(args.data)
        target, source = args.target, str(args.data)
    if target is None:
        raise DataError("--target is required with a data file.")
    Xdf, yser = split_target(df, target)
    Xdf, offset = take_offset(Xdf, getattr(args, "offset", None),
                              getattr(args, "exposure", None))
    if getattr(args, "impute", None) is None:
        # counted over the whole table, not only the training rows the preprocessing sees
        check_no_missing(Xdf)
    min_count = max(2, math.ceil(args.cv / max(1e-9, 1.0 - args.test_size)))
    task = infer_task(yser, args.task, min_class_count=min_count)
    if task == "classification":
        labels, y = np.unique(np.asarray(yser.astype(str)), return_inverse=True)
        if labels.size < 2:
            raise DataError(f"target column {target!r} has a single class; "
                            f"classification needs at least two.")
        if offset is not None and labels.size > 2:
            raise DataError("--offset and --exposure need a regression or two-class target "
                            f"(the target has {labels.size} classes)")
    else:
        labels, y = None, np.asarray(yser, dtype=np.float64)
    test_size = args.test_size
    strat = y if task == "classification" else None
    try:
        idx_tr, idx_te = train_test_split(np.arange(len(y)), test_size=test_size,
                                          random_state=args.seed, stratify=strat)
    except ValueError as exc:
        raise DataError(f"cannot split into train and test parts: {exc}") from None
    pre = Preprocessor(impute=getattr(args, "impute", None))
    Xtr = pre.fit_transform(Xdf.iloc[idx_tr])
    Xte = pre.transform(Xdf.iloc[idx_te])
    Xtr = Xtr.toarray() if sp.issparse(Xtr) else np.asarray(Xtr, dtype=np.float64)
    Xte = Xte.toarray() if sp.issparse(Xte) else np.asarray(Xte, dtype=np.float64)
    meta = {"source": source, "target": str(target), "n_rows": int(len(y)),
            "n_columns": int(Xdf.shape[1]), "offset": getattr(args, "offset", None),
            "exposure": getattr(args, "exposure", None)}
    offsets = (None, None) if offset is None else (offset[idx_tr], offset[idx_te])
    return (Xtr, y[idx_tr], Xte, y[idx_te], list(pre.feature_names_), task, labels, meta,
            offsets)


def _write_outputs(items):
    """Write every (path, text) pair, all or none: temporary files renamed at the end."""
    import contextlib

    from ..tables.data import DataError
    from ..tables.files import atomic_write

    items = [(path, text) for path, text in items if path]
    try:
        with contextlib.ExitStack() as stack:
            for path, text in items:
                stack.enter_context(atomic_write(path, "w")).write(text)
    except OSError as exc:
        where = exc.filename or ", ".join(str(p) for p, _ in items)
        raise DataError(f"cannot write {where}: {exc.strerror or exc}") from None


def run(args):
    """Run ``penalized compare`` with parsed command-line ``args``; return the exit code.

    ``args`` has the fields ``data`` (None: scikit-learn's diabetes data), ``target``,
    ``task``, ``test_size``, ``cv``, ``seed``, ``out``, ``json``, ``impute``, ``quiet``
    and optionally ``offset`` and ``exposure`` (column names). Data errors are raised as
    :class:`penalized.tables.data.DataError` for the
    command line to report; the output files are written atomically.
    """
    import json

    from . import console
    from .html import render

    quiet = bool(getattr(args, "quiet", False))
    # data errors come out of _prepare, before the bar draws anything on stderr
    Xtr, ytr, Xte, yte, names, task, labels, meta, offsets = _prepare(args)
    with console.Progress(quiet=quiet, total=8) as bar:
        bar.advance(f"{meta['n_rows']} rows, {len(names)} features ({task}): warming up "
                    "the kernels (compiled on the first run)")
        results = compare_models(Xtr, ytr, names, task, X_test=Xte, y_test=yte, cv=args.cv,
                                 seed=args.seed, classes=None if labels is None
                                 else list(labels), callback=bar.advance,
                                 offset=offsets[0], offset_test=offsets[1])
        results.update(meta)
        results["test_size"] = float(args.test_size)
        page = render(results, callback=bar.advance)
        text = json.dumps(results, indent=1, allow_nan=False) if args.json else None
        _write_outputs([(args.out, page), (args.json, text)])
        bar.advance("done")
    console.summary(results, out=args.out, json_path=args.json, quiet=quiet)
    return 0
