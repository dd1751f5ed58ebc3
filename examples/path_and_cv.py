"""Regularization path and cross-validation plots on the diabetes data (scikit-learn).

Writes ``path_log_alpha.png``, ``path_l1_norm.png``, ``path_deviance.png`` and ``cv.png``
to the directory given as first argument (default: the current directory). Needs matplotlib
(``pip install "penalized[plot]"``). Run: ``python examples/path_and_cv.py [outdir]``.
"""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

import penalized
from penalized.plotting import plot_cv, plot_path


def cv_curve(X, y, n_alphas=50, n_folds=5):
    """A fitted ``LassoCV`` when available, else the same attributes computed by hand."""
    if hasattr(penalized, "LassoCV"):
        return penalized.LassoCV(cv=n_folds).fit(X, y)
    alphas = penalized.path(X, y, alphas=n_alphas).alphas
    errors = []
    for train, test in KFold(n_folds, shuffle=True, random_state=0).split(X):
        res = penalized.path(X[train], y[train], alphas=alphas)
        pred = X[test] @ res.coefs.toarray() + res.intercepts
        errors.append(np.mean((y[test, None] - pred) ** 2, axis=0))
    errors = np.array(errors)
    mean, se = errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(n_folds)
    i_min = int(np.argmin(mean))
    i_1se = int(np.flatnonzero(mean <= mean[i_min] + se[i_min])[0])
    return SimpleNamespace(alphas_=alphas, cv_mean_=mean, cv_se_=se,
                           alpha_min_=alphas[i_min], alpha_1se_=alphas[i_1se],
                           n_nonzero_=penalized.path(X, y, alphas=alphas).df, score_name_="mse")


def main(outdir="."):
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    data = load_diabetes()
    X = StandardScaler().fit_transform(data.data)
    y = data.target
    res = penalized.path(X, y, alphas=60)
    for x in ("log_alpha", "l1_norm", "deviance"):
        fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
        plot_path(res, x=x, ax=ax, labels=data.feature_names)
        fig.savefig(out / f"path_{x}.png", dpi=100)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    plot_cv(cv_curve(X, y), ax=ax)
    fig.savefig(out / "cv.png", dpi=100)
    plt.close(fig)
    print("wrote", ", ".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    main(*sys.argv[1:2])
