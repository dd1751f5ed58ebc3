"""Plots of regularization paths and cross-validation curves.

:func:`plot_path` draws the coefficients of a :func:`penalized.path` result (or of a fitted
``*CV`` estimator's ``path_``, with its chosen alphas marked) against ``log10(alpha)``, the
L1 norm of the coefficients or the fraction of deviance explained; :func:`plot_cv` draws the
cross-validation curve of a fitted ``*CV`` estimator. Both add a top axis with the number of
nonzero coefficients, as glmnet's ``plot`` methods do. Colours come from the active
matplotlib style (its colour cycle; the marks of the chosen alphas in its axes edge
colour), so ``plt.style.context(...)`` applies.

matplotlib is an optional dependency (``pip install "penalized[plot]"``); it is imported only
when a plot is drawn, never at ``import penalized``.

On the ``log10(alpha)`` axis, larger alphas are on the left (the axis is inverted), so the
model grows from left to right as in glmnet's plots of ``-log(lambda)``; the tick values are
still ``log10(alpha)``.
"""

import numpy as np

__all__ = ["MARK_STYLES", "fit_info", "plot_cv", "plot_path", "spread"]

_INSTALL = 'pip install "penalized[plot]"'

_X_LABELS = {
    "log_alpha": "log10(alpha)",
    "l1_norm": "L1 norm of coefficients",
    "deviance": "Fraction of deviance explained",
}

_DF_LABEL = "Nonzero coefficients"
#: Line styles of the marked alphas: alpha_min, alpha_1se, a given alpha.
MARK_STYLES = {"alpha_min": "--", "alpha_1se": ":", "alpha": "-."}
#: Vertical room of an end label, in label heights (1 = touching).
_LABEL_SPACING = 1.1


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


def _pava(z):
    """Non-decreasing least-squares fit of ``z`` (pool adjacent violators)."""
    blocks = []  # [mean, size]
    for v in z:
        blocks.append([float(v), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    return np.concatenate([np.full(n, m) for m, n in blocks]) if blocks else np.zeros(0)


def spread(y, gaps):
    """Positions closest to ``y`` (least squares) whose consecutive distances, in the order
    of ``y``, are at least ``gaps`` (``len(y) - 1`` values).

    Parameters
    ----------
    y : array-like of shape (n,)
        Wanted positions.
    gaps : array-like of shape (n - 1,)
        Minimum distance between the i-th and (i+1)-th smallest positions.

    Returns
    -------
    ndarray of shape (n,)
        The positions, in the order of ``y``; their order is that of ``y``.

    Examples
    --------
    >>> from penalized.plotting import spread
    >>> spread([0.0, 0.1, 5.0], [1.0, 1.0]).round(2).tolist()
    [-0.45, 0.55, 5.0]
    """
    y = np.asarray(y, dtype=np.float64)
    order = np.argsort(y, kind="stable")
    offsets = np.concatenate([[0.0], np.cumsum(np.asarray(gaps, dtype=np.float64))])
    z = y[order] - offsets
    out = np.empty_like(y)
    out[order] = _pava(z) + offsets
    return out


def _renderer(fig, renderer):
    if renderer is not None:
        return renderer
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


class _EndLabels:
    """The names at the line ends of one Axes, spread vertically when they are drawn.

    Each label is an annotation of its line's last point whose text position is computed
    at draw time (a callable ``textcoords``) from the current axes geometry and the
    renderer's text extents: the labels keep the order of their lines' ends and sit as
    close to them as :func:`spread` allows with ``_LABEL_SPACING`` label heights between
    neighbours, so they never overlap, whatever the figure size or dpi.
    """

    def __init__(self, ax, pad_points=3.0):
        self.ax, self.pad, self.labels = ax, pad_points, []
        self._key, self._pos = None, None

    def add(self, text, xy, **kwargs):
        i = len(self.labels)
        ann = self.ax.annotate(text, xy=xy, xytext=(0.0, 0.0), textcoords=self._coords(i),
                               va="center", ha="left", annotation_clip=False, clip_on=False,
                               **kwargs)
        self.labels.append(ann)
        return ann

    def _coords(self, i):
        from matplotlib.transforms import Affine2D

        def transform(renderer):
            return Affine2D().translate(*self._layout(renderer)[i])
        return transform

    def _height(self, ann, renderer):
        """The label's height as the text will be laid out (line spacing included)."""
        from matplotlib.text import Text

        probe = Text(0.0, 0.0, ann.get_text(), fontproperties=ann.get_fontproperties())
        probe.set_figure(self.ax.get_figure(root=True))
        return probe.get_window_extent(renderer).height

    def _layout(self, renderer):
        ax = self.ax
        renderer = _renderer(ax.get_figure(root=True), renderer)
        key = (id(renderer), renderer.points_to_pixels(1.0), tuple(ax.bbox.bounds),
               tuple(ax.viewLim.bounds), len(self.labels))
        if key != self._key:
            anchors = ax.transData.transform(np.array([a.xy for a in self.labels], float))
            heights = np.array([self._height(a, renderer) for a in self.labels])
            order = np.argsort(anchors[:, 1], kind="stable")
            h = heights[order]
            gaps = _LABEL_SPACING * (h[:-1] + h[1:]) / 2
            ys = spread(anchors[:, 1], gaps)
            xs = anchors[:, 0] + renderer.points_to_pixels(self.pad)
            self._key, self._pos = key, np.column_stack([xs, ys])
        return self._pos


def _as_path(obj, func="plot_path"):
    """(path result, fitted CV estimator or None) of plot_path's first argument."""
    if hasattr(obj, "alphas") and hasattr(obj, "coefs"):
        return obj, None
    if hasattr(obj, "path_"):
        return obj.path_, obj
    from sklearn.exceptions import NotFittedError

    name = type(obj).__name__
    if hasattr(obj, "fit") and hasattr(obj, "cv"):
        raise NotFittedError(f"{func} needs a fitted CV estimator; this {name} is not "
                             "fitted (no path_). Call fit first.")
    raise TypeError(f"{func} takes the result of penalized.path or a fitted *CV estimator "
                    f"(its path_ is drawn); got {name}.")


def _fmt(v):
    return f"{float(v):.3g}"


def fit_info(est):
    """The choices of a fitted CV estimator beyond alpha, as text: ``l1_ratio = 0.5`` when
    it searched several l1_ratios or chose neither the lasso nor ridge, ``gamma = 0.25`` for
    a relaxed fit; ``""`` when there is nothing to say (e.g. a plain ``LassoCV``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from penalized.plotting import fit_info
    >>> fit_info(SimpleNamespace(l1_ratio_=0.5, l1_ratios_=[0.5]))
    'l1_ratio = 0.5'
    >>> fit_info(SimpleNamespace(l1_ratio_=1.0, l1_ratios_=[1.0], gamma_=0.25,
    ...                          gammas_=[0.0, 0.25, 1.0]))
    'gamma = 0.25'
    """
    parts = []
    ratio = _chosen_l1_ratio(est)
    if ratio is not None:
        searched = np.atleast_1d(getattr(est, "l1_ratios_", [ratio]))
        if searched.size > 1 or 0.0 < float(ratio) < 1.0:
            parts.append(f"l1_ratio = {_fmt(ratio)}")
    if getattr(est, "gammas_", None) is not None and getattr(est, "gamma_", None) is not None:
        parts.append(f"gamma = {_fmt(est.gamma_)}")
    return ", ".join(parts)


def _chosen_l1_ratio(est):
    """The chosen ``l1_ratio_`` as a float, or None (scikit-learn's legacy
    LogisticRegressionCV attributes repeat it in an array, ``[None]`` for its default)."""
    ratio = getattr(est, "l1_ratio_", None)
    if ratio is not None and np.ndim(ratio):
        ratio = np.ravel(ratio)[0] if np.size(ratio) else None
    return None if ratio is None else float(ratio)


def _marks(est, alpha):
    """[(kind, alpha, legend label)] of the alphas to mark."""
    out = []
    if est is not None:
        for kind in ("alpha_min", "alpha_1se"):
            a = float(getattr(est, f"{kind}_"))
            label = f"{kind} = {_fmt(a)}"
            g = getattr(est, f"gamma_{kind[6:]}_", None)
            if g is not None and getattr(est, "gammas_", None) is not None:
                label += f" (gamma = {_fmt(g)})"
            out.append((kind, a, label))
    if alpha is not None:
        a = float(alpha)
        if not np.isfinite(a) or a < 0:
            raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}.")
        out.append(("alpha", a, f"alpha = {_fmt(a)}"))
    return out


def _x_at(result, x, xv, alpha):
    """Position of ``alpha`` on the x axis: log10(alpha), or the path's x interpolated
    between its points (linear in log(alpha); exact at them)."""
    if x == "log_alpha":
        if alpha <= 0:
            raise ValueError("alpha = 0 cannot be placed on a log axis; use x='l1_norm' or "
                             "x='deviance'.")
        return float(np.log10(alpha))
    alphas = np.asarray(result.alphas, dtype=np.float64)
    hit = np.flatnonzero(np.isclose(alphas, alpha, rtol=1e-12, atol=0.0))
    if hit.size:
        return float(xv[hit[0]])
    if np.all(alphas > 0) and alpha > 0:
        return float(np.interp(-np.log(alpha), -np.log(alphas), xv))
    return float(np.interp(-alpha, -alphas, xv))


def _draw_marks(ax, marks, positions):
    import matplotlib as mpl

    color = mpl.rcParams["axes.edgecolor"]
    handles = [ax.axvline(pos, color=color, linestyle=MARK_STYLES[kind], linewidth=1.2,
                          label=label)
               for (kind, _, label), pos in zip(marks, positions, strict=True)]
    if handles:
        ax.legend(handles=handles, fontsize="small")
    return handles


def plot_path(result, x="log_alpha", ax=None, labels=None, *, alpha=None, class_names=None,
              **kwargs):
    """Plot the coefficient paths of a :func:`penalized.path` result or a CV estimator.

    One line per feature that is nonzero at some alpha (features that stay at zero on the
    whole path are not drawn). A top axis shows the number of nonzero coefficients
    (``result.df``) at the path point nearest to each bottom tick, as glmnet's
    ``plot.glmnet``.

    Parameters
    ----------
    result : PathResult or fitted CV estimator
        The output of :func:`penalized.path` (``alphas``, ``coefs``, ``df``,
        ``dev_explained``), or a fitted ``*CV`` estimator (e.g. :class:`penalized.LassoCV`):
        its ``path_`` is drawn, with vertical lines at ``alpha_min_`` (dashed) and
        ``alpha_1se_`` (dotted) in a legend, its class labels (``classes_``) as the panel
        titles of a multinomial path, and its chosen ``l1_ratio_`` (elastic net) and
        ``gamma_`` (relaxed fits) in the title.
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
        features nonzero in that class are annotated. The names are spread vertically when
        the figure is drawn so that they never overlap (they keep the order of the line
        ends). The lines always carry a legend label (the name, or ``"x<j>"``).
    alpha : float, default=None
        An alpha to mark with a vertical dash-dotted line (in the legend), e.g. the one a
        model was fitted with. On the ``l1_norm`` and ``deviance`` axes it is placed at the
        path's value there (interpolated between path points).
    class_names : sequence, default=None
        Titles of a multinomial path's panels, one per class (default: the estimator's
        ``classes_``, else ``0, 1, ...``).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` (e.g. ``linewidth``).

    Returns
    -------
    ax : matplotlib Axes, or ndarray of Axes of shape (n_classes,) for multinomial paths
        The Axes drawn on. For a multinomial path each class gets its own Axes (titled
        ``"class <name>"``); a feature has the same color in every class. The top axis with
        the nonzero counts is a secondary axis, available as ``ax.child_axes[0]``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        For a CV estimator that is not fitted.
    TypeError
        For anything else than a path result or a CV estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import LassoCV, path
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
    >>> cv = LassoCV(cv=5).fit(data.data, data.target)
    >>> ax = plot_path(cv, labels=data.feature_names)
    >>> [t.get_text().split(" =")[0] for t in ax.get_legend().get_texts()]
    ['alpha_min', 'alpha_1se']
    """
    if x not in _X_LABELS:
        raise ValueError(f"x must be one of {sorted(_X_LABELS)}; got {x!r}.")
    result, est = _as_path(result)
    blocks, multi = _path_coefs(result)
    n_features = blocks[0].shape[0]
    if labels is not None:
        labels = [str(name) for name in labels]
        if len(labels) != n_features:
            raise ValueError(f"labels has {len(labels)} names for {n_features} features.")
    marks = _marks(est, alpha)
    info = fit_info(est) if est is not None else ""
    df = np.asarray(result.df)
    ever = np.flatnonzero(np.any([np.any(b != 0, axis=1) for b in blocks], axis=0))
    names = labels if labels is not None else [f"x{j}" for j in range(n_features)]

    if multi:
        n_classes = len(blocks)
        if class_names is None and est is not None and hasattr(est, "classes_"):
            class_names = est.classes_
        if class_names is None:
            class_names = range(n_classes)
        class_names = [str(c) for c in class_names]
        if len(class_names) != n_classes:
            raise ValueError(f"class_names has {len(class_names)} names for {n_classes} "
                             "classes.")
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
        axes = [_pyplot().subplots(layout="constrained")[1] if ax is None else ax]
        colors = None

    for k, (a, block) in enumerate(zip(axes, blocks, strict=True)):
        xv = _x_values(result, x, block)
        ends = _EndLabels(a)
        for i, j in enumerate(ever):
            style = dict(kwargs)
            if colors is not None:
                style["color"] = colors[i]
            (line,) = a.plot(xv, block[j], label=names[j], **style)
            if labels is not None and np.any(block[j] != 0):  # skip zero rows of a class
                ends.add(names[j], (xv[-1], block[j, -1]), fontsize="small",
                         color=line.get_color())
        if x == "log_alpha" and not a.xaxis_inverted():
            a.invert_xaxis()
        a.set_xlabel(_X_LABELS[x])
        a.set_ylabel("Coefficients")
        _draw_marks(a, marks, [_x_at(result, x, xv, m[1]) for m in marks])
        title = f"class {class_names[k]}" if multi else (type(est).__name__ if est is not None
                                                         else "")
        if info:
            title = f"{title} ({info})" if title else info
        if title:
            a.set_title(title)
        _df_axis(a, xv, df)
    return np.asarray(axes, dtype=object) if multi else axes[0]


def _cv_row(est, arr):
    """Index of the chosen l1_ratio's row when the CV arrays are 2-D, else None."""
    if arr.ndim == 1:
        return None
    n_rows = arr.shape[0]
    chosen = _chosen_l1_ratio(est)
    if chosen is not None:
        for name in ("l1_ratios_", "l1_ratios", "l1_ratio"):
            cand = getattr(est, name, None)
            if cand is None or np.ndim(cand) != 1 or len(cand) != n_rows or any(
                    c is None for c in cand):
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

    The mean CV error at each alpha with +- one standard error bars (in the next colour of
    the active style's cycle), against ``log10(alpha)`` (axis inverted, largest alpha on the
    left), with vertical lines at ``alpha_min_`` (minimum mean error; dashed) and
    ``alpha_1se_`` (the largest alpha within one standard error of it; dotted) named in a
    legend, a title (the number of folds; the chosen ``l1_ratio_`` of an elastic net and
    ``gamma_`` of a relaxed fit), and a top axis with the number of nonzero coefficients at
    the alpha nearest to each bottom tick, as glmnet's ``plot.cv.glmnet``.

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
        ``ax.containers[0]``; the top axis is ``ax.child_axes[0]``; the legend names the
        two alphas.

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
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['mean CV error ± 1 SE', 'alpha_min = 0.0264', 'alpha_1se = 0.0546']
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
    # the CV curve is the chosen l1_ratio's; alphas_ has a row per l1_ratio (scikit-learn)
    row = _cv_row(est, np.asarray(est.alphas_) if np.ndim(est.alphas_) == 2 else mean)

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
        ax = _pyplot().subplots(layout="constrained")[1]
    else:
        _require_matplotlib()
    x = np.log10(alphas)
    bars = ax.errorbar(x, mean, yerr=se, fmt="o", markersize=3, elinewidth=1, capsize=2,
                       label="mean CV error ± 1 SE")
    marks = _marks(est, None)
    handles = _draw_marks(ax, marks, [np.log10(a) for _, a, _ in marks])
    ax.legend(handles=[bars, *handles], fontsize="small")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel(_X_LABELS["log_alpha"])
    ax.set_ylabel(str(getattr(est, "score_name_", "CV error")))
    folds = getattr(est, "n_folds_", None)
    title = f"{folds}-fold cross-validation" if folds is not None else "Cross-validation"
    info = fit_info(est)
    ax.set_title(f"{title} ({info})" if info else title)
    nnz = getattr(est, "n_nonzero_", None)
    if nnz is not None:
        nnz = pick(nnz)
        if nnz.shape != alphas.shape:
            raise ValueError(f"n_nonzero_ has shape {nnz.shape}; expected {alphas.shape}.")
        _df_axis(ax, x, nnz)
    return ax
