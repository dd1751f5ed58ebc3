"""Plots of regularization paths and cross-validation curves.

:func:`plot_path` draws the coefficients of a :func:`penalized.path` result against
``log10(alpha)``, the L1 norm of the coefficients or the fraction of deviance explained;
:func:`plot_cv` draws the cross-validation curve of a fitted ``*CV`` estimator. Both add a
top axis with the number of nonzero coefficients, as glmnet's ``plot`` methods do.

matplotlib is an optional dependency (``pip install "penalized[plot]"``); it is imported only
when a plot is drawn, never at ``import penalized``.

On the ``log10(alpha)`` axis, larger alphas are on the left (the axis is inverted), so the
model grows from left to right as in glmnet's plots of ``-log(lambda)``; the tick values are
still ``log10(alpha)``.
"""

import numpy as np

__all__ = ["plot_cv", "plot_path"]

_INSTALL = 'pip install "penalized[plot]"'

_X_LABELS = {
    "log_alpha": "log10(alpha)",
    "l1_norm": "L1 norm of coefficients",
    "deviance": "Fraction of deviance explained",
}

_DF_LABEL = "Nonzero coefficients"


def _require_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"Plotting needs matplotlib, which is not installed; install it with {_INSTALL}."
        ) from exc


def _pyplot():
    _require_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _df_axis(ax, x, df):
    """Top axis with the number of nonzeros at the nearest path point of each main x tick.

    The tick positions are those of the main axis at call time (within its limits), and each
    label is ``df`` at the path point closest to the tick, as glmnet does.
    """
    lo, hi = sorted(ax.get_xlim())
    slack = 1e-9 * max(hi - lo, 1.0)
    ticks = np.array([t for t in ax.get_xticks() if lo - slack <= t <= hi + slack])
    finite = np.isfinite(x)
    top = ax.secondary_xaxis("top")
    if ticks.size == 0 or not finite.any():
        top.set_xticks([])
    else:
        xs, ds = np.asarray(x)[finite], np.asarray(df)[finite]
        labels = [str(int(ds[np.argmin(np.abs(xs - t))])) for t in ticks]
        top.set_xticks(ticks, labels=labels)
    top.set_xlabel(_DF_LABEL)
    return top


def _path_coefs(result):
    """Dense coefficient blocks: a list of (n_features, n_alphas) arrays, one per class."""
    coefs = result.coefs
    n_alphas = np.asarray(result.alphas).shape[0]
    if isinstance(coefs, (list, tuple)):
        if len(coefs) != n_alphas:
            raise ValueError(f"result.coefs has {len(coefs)} entries for {n_alphas} alphas.")
        stack = np.stack([np.asarray(c, dtype=np.float64) for c in coefs], axis=-1)
        if stack.ndim == 2:  # list of 1-D coefficient vectors
            return [stack], False
        # stack: (n_features, n_classes, n_alphas)
        return [stack[:, k, :] for k in range(stack.shape[1])], True
    if hasattr(coefs, "toarray"):
        dense = coefs.toarray()
    else:
        dense = np.asarray(coefs)
    dense = np.asarray(dense, dtype=np.float64)
    if dense.ndim != 2 or dense.shape[1] != n_alphas:
        raise ValueError(
            f"result.coefs must have shape (n_features, {n_alphas}); got {dense.shape}."
        )
    return [dense], False


def _x_values(result, x, block):
    if x == "log_alpha":
        alphas = np.asarray(result.alphas, dtype=np.float64)
        if np.any(alphas <= 0):
            raise ValueError(
                "alpha = 0 cannot be placed on a log axis; use x='l1_norm' or x='deviance'."
            )
        return np.log10(alphas)
    if x == "l1_norm":
        return np.abs(block).sum(axis=0)
    return np.asarray(result.dev_explained, dtype=np.float64)


def plot_path(result, x="log_alpha", ax=None, labels=None, **kwargs):
    """Plot the coefficient paths of a :func:`penalized.path` result.

    One line per feature that is nonzero at some alpha (features that stay at zero on the
    whole path are not drawn). A top axis shows the number of nonzero coefficients
    (``result.df``) at the path point nearest to each bottom tick, as glmnet's
    ``plot.glmnet``.

    Parameters
    ----------
    result : PathResult
        The output of :func:`penalized.path` (``alphas``, ``coefs``, ``df``,
        ``dev_explained``).
    x : {"log_alpha", "l1_norm", "deviance"}, default="log_alpha"
        The horizontal axis: ``log10(alpha)`` (the axis is inverted, largest alpha on the left,
        so the model grows from left to right), the L1 norm of the coefficient vector
        (per class for multinomial paths), or the fraction of deviance explained
        (``result.dev_explained``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None. For a multinomial path, a sequence of
        ``n_classes`` Axes (default: a new figure with one subplot per class).
    labels : sequence of str, default=None
        Feature names, one per feature. When given, each drawn line is annotated with its
        name at its last point (the smallest alpha); in a multinomial class's Axes only the
        features nonzero in that class are annotated. The lines always carry a legend label
        (the name, or ``"x<j>"``), so ``ax.legend()`` works.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` (e.g. ``linewidth``).

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes of shape (n_classes,) for multinomial paths
        The Axes drawn on. For a multinomial path each class gets its own Axes (titled
        ``"class k"``); a feature has the same color in every class. The top axis with the
        nonzero counts is a secondary axis, available as ``ax.child_axes[0]``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import path
    >>> from penalized.plotting import plot_path
    >>> data = load_diabetes()
    >>> res = path(data.data, data.target, alphas=30)
    >>> ax = plot_path(res, labels=data.feature_names)
    >>> len(ax.get_lines())  # every feature enters the model on this path
    10
    >>> ax.get_xlabel()
    'log10(alpha)'
    >>> ax = plot_path(res, x="deviance")
    >>> ax.get_xlabel()
    'Fraction of deviance explained'
    """
    if x not in _X_LABELS:
        raise ValueError(f"x must be one of {sorted(_X_LABELS)}; got {x!r}.")
    blocks, multi = _path_coefs(result)
    n_features = blocks[0].shape[0]
    if labels is not None:
        labels = [str(name) for name in labels]
        if len(labels) != n_features:
            raise ValueError(f"labels has {len(labels)} names for {n_features} features.")
    df = np.asarray(result.df)
    ever = np.flatnonzero(np.any([np.any(b != 0, axis=1) for b in blocks], axis=0))
    names = labels if labels is not None else [f"x{j}" for j in range(n_features)]

    if multi:
        n_classes = len(blocks)
        if ax is None:
            plt = _pyplot()
            _, axes = plt.subplots(1, n_classes, figsize=(4.0 * n_classes, 4.0),
                                   squeeze=False, layout="constrained")
            axes = axes.ravel()
        else:
            axes = np.asarray(ax, dtype=object).ravel()
            if axes.size != n_classes:
                raise ValueError(f"A multinomial path needs {n_classes} Axes; got {axes.size}.")
        colors = None
        if "color" not in kwargs and "c" not in kwargs:
            import matplotlib as mpl

            cycle = mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
            colors = [cycle[i % len(cycle)] for i in range(ever.size)]
    else:
        _require_matplotlib()
        axes = [_pyplot().subplots()[1] if ax is None else ax]
        colors = None

    for k, (a, block) in enumerate(zip(axes, blocks, strict=True)):
        xv = _x_values(result, x, block)
        for i, j in enumerate(ever):
            style = dict(kwargs)
            if colors is not None:
                style["color"] = colors[i]
            (line,) = a.plot(xv, block[j], label=names[j], **style)
            if labels is not None and np.any(block[j] != 0):  # skip zero rows of a class
                a.annotate(names[j], xy=(xv[-1], block[j, -1]), xytext=(3, 0),
                           textcoords="offset points", va="center", fontsize="small",
                           color=line.get_color())
        if x == "log_alpha" and not a.xaxis_inverted():
            a.invert_xaxis()
        a.set_xlabel(_X_LABELS[x])
        a.set_ylabel("Coefficients")
        if multi:
            a.set_title(f"class {k}")
        _df_axis(a, xv, df)
    return np.asarray(axes, dtype=object) if multi else axes[0]


def _cv_row(est, arr):
    """Index of the chosen l1_ratio's row when the CV arrays are 2-D, else None."""
    if arr.ndim == 1:
        return None
    n_rows = arr.shape[0]
    chosen = getattr(est, "l1_ratio_", None)
    if chosen is not None:
        for name in ("l1_ratios_", "l1_ratios", "l1_ratio"):
            cand = getattr(est, name, None)
            if cand is None or np.ndim(cand) != 1 or len(cand) != n_rows:
                continue
            hit = np.flatnonzero(np.isclose(np.asarray(cand, dtype=np.float64), chosen))
            if hit.size:
                return int(hit[0])
    alphas = np.asarray(est.alphas_)
    if alphas.ndim == 2:  # one alpha grid per l1_ratio: the row holding alpha_min_
        hit = np.flatnonzero(np.isclose(alphas, est.alpha_min_).any(axis=1))
        if hit.size == 1:
            return int(hit[0])
    raise ValueError(
        "Cannot tell which row of the 2-D CV arrays belongs to the chosen l1_ratio_; "
        "expected an l1_ratio (or l1_ratios_) sequence with one entry per row."
    )


def plot_cv(cv_estimator, ax=None):
    """Plot the cross-validation curve of a fitted ``*CV`` estimator.

    The mean CV error at each alpha with +- one standard error bars, against
    ``log10(alpha)`` (axis inverted, largest alpha on the left), with dashed vertical lines
    at ``alpha_min_`` (minimum mean error) and ``alpha_1se_`` (the largest alpha within one
    standard error of it), and a top axis with the number of nonzero coefficients at the
    alpha nearest to each bottom tick, as glmnet's ``plot.cv.glmnet``.

    Parameters
    ----------
    cv_estimator : fitted CV estimator
        Anything with the attributes ``alphas_``, ``cv_mean_``, ``cv_se_``, ``alpha_min_``,
        ``alpha_1se_``, ``n_nonzero_`` and ``score_name_`` (e.g. :class:`penalized.LassoCV`).
        When the arrays are 2-D, shape (n_l1_ratios, n_alphas) (elastic net over several
        ``l1_ratio``), the row of the chosen ``l1_ratio_`` is drawn.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on. The y label is ``score_name_``; the error bars are
        ``ax.containers[0]``; the top axis is ``ax.child_axes[0]``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from penalized.plotting import plot_cv
    >>> alphas = np.geomspace(1.0, 1e-3, 20)
    >>> cv = SimpleNamespace(alphas_=alphas, cv_mean_=(np.log10(alphas) + 1.5) ** 2 + 1,
    ...                      cv_se_=np.full(20, 0.3), alpha_min_=alphas[10],
    ...                      alpha_1se_=alphas[8], n_nonzero_=np.arange(20),
    ...                      score_name_="mse")
    >>> ax = plot_cv(cv)
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('mse', 'log10(alpha)')
    """
    est = cv_estimator
    required = ("alphas_", "cv_mean_", "cv_se_", "alpha_min_", "alpha_1se_")
    missing = [name for name in required if not hasattr(est, name)]
    if missing:
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"plot_cv needs a fitted CV estimator; {type(est).__name__} has no "
            f"{', '.join(missing)}. Call fit first."
        )
    mean = np.asarray(est.cv_mean_, dtype=np.float64)
    row = _cv_row(est, mean)

    def pick(values):
        values = np.asarray(values)
        return values[row] if row is not None and values.ndim == 2 else values

    alphas = pick(est.alphas_).astype(np.float64)
    mean, se = pick(mean), pick(np.asarray(est.cv_se_, dtype=np.float64))
    if not (alphas.shape == mean.shape == se.shape) or alphas.ndim != 1:
        raise ValueError(
            f"alphas_, cv_mean_ and cv_se_ must have the same shape; got {alphas.shape}, "
            f"{mean.shape} and {se.shape}."
        )
    if np.any(alphas <= 0):
        raise ValueError("alpha = 0 cannot be placed on the log10(alpha) axis.")
    if ax is None:
        ax = _pyplot().subplots()[1]
    else:
        _require_matplotlib()
    x = np.log10(alphas)
    ax.errorbar(x, mean, yerr=se, fmt="o", markersize=3, color="tab:red", ecolor="0.6",
                elinewidth=1, capsize=2, label="mean CV error +- 1 se")
    a_min, a_1se = float(est.alpha_min_), float(est.alpha_1se_)
    ax.axvline(np.log10(a_min), linestyle="--", color="0.3", linewidth=1,
               label=f"alpha_min = {a_min:.3g}")
    ax.axvline(np.log10(a_1se), linestyle="--", color="0.3", linewidth=1,
               label=f"alpha_1se = {a_1se:.3g}")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel(_X_LABELS["log_alpha"])
    ax.set_ylabel(str(getattr(est, "score_name_", "CV error")))
    nnz = getattr(est, "n_nonzero_", None)
    if nnz is not None:
        nnz = pick(nnz)
        if nnz.shape != alphas.shape:
            raise ValueError(f"n_nonzero_ has shape {nnz.shape}; expected {alphas.shape}.")
        _df_axis(ax, x, nnz)
    return ax
