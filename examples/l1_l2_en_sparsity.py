"""Sparsity of L1, L2 and elastic-net fits on the diabetes data.

The three penalties shrink the coefficients toward zero, but only a penalty with an L1 part
sets some of them *exactly* to zero: the lasso (L1) selects a subset of the ten features, the
ridge (L2) keeps all ten with smaller values, and the elastic net (half L1, half L2) sits in
between: it still zeroes coefficients at large alpha, but tends to keep correlated features
(here the blood-serum measurements s1..s6) together instead of picking one of them.

For each penalty, alpha is chosen by 5-fold cross-validation with the one-standard-error rule
(the largest alpha whose CV error is within one standard error of the best), so the three
models fit about equally well and their sparsity can be compared fairly.

Writes ``sparsity_paths.png`` (the three coefficient paths side by side, the chosen alpha
dashed) and ``sparsity_coefs.png`` (the chosen coefficients as grouped bars).
Run: ``python examples/l1_l2_en_sparsity.py [--out DIR]``.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

import penalized
from penalized.plotting import plot_path


def fit_models(X, y):
    """Lasso, elastic net and ridge, each with alpha chosen by 5-fold CV (1-SE rule)."""
    common = dict(cv=5, alpha_rule="1se", alphas=60)
    return {
        "Lasso (L1)": penalized.LassoCV(**common).fit(X, y),
        "Elastic net (l1_ratio=0.5)": penalized.ElasticNetCV(l1_ratio=0.5, **common).fit(X, y),
        # l1_ratio=0 is a pure ridge penalty, alpha/2 * ||w||^2
        "Ridge (L2)": penalized.ElasticNetCV(l1_ratio=0.0, **common).fit(X, y),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: .)")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_diabetes()
    X = StandardScaler().fit_transform(data.data)
    y = data.target
    names = data.feature_names
    models = fit_models(X, y)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), layout="constrained")
    for ax, (title, model) in zip(axes, models.items(), strict=True):
        plot_path(model.path_, ax=ax, labels=names)
        ax.axvline(np.log10(model.alpha_), color="k", linestyle="--", linewidth=1)
        ax.axhline(0.0, color="0.6", linewidth=0.5)
        ax.set_title(title, pad=28)
    fig.savefig(out / "sparsity_paths.png", dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    width = 0.27
    pos = np.arange(len(names))
    for i, (title, model) in enumerate(models.items()):
        nnz = np.count_nonzero(model.coef_)
        ax.bar(pos + (i - 1) * width, model.coef_, width, label=f"{title}: {nnz} nonzero")
    ax.axhline(0.0, color="k", linewidth=0.8)
    ax.set_xticks(pos, names)
    ax.set_ylabel("Coefficient (standardized features)")
    ax.set_title("Coefficients at the CV-chosen alpha (1-SE rule)")
    ax.legend(loc="lower right")
    fig.savefig(out / "sparsity_coefs.png", dpi=90)
    plt.close(fig)

    print(f"{'model':<28}{'alpha':>9}{'nonzero':>9}{'R2':>7}  zeroed features")
    nnz = {}
    for title, model in models.items():
        nnz[title] = int(np.count_nonzero(model.coef_))
        zeros = [n for n, c in zip(names, model.coef_, strict=True) if c == 0]
        print(f"{title:<28}{model.alpha_:>9.3f}{nnz[title]:>9d}{model.score(X, y):>7.3f}  "
              f"{', '.join(zeros) or '-'}")
    print("wrote", ", ".join(str(p) for p in (out / "sparsity_paths.png",
                                              out / "sparsity_coefs.png")))

    # The point of the example: L1 gives exact zeros, L2 never does.
    assert nnz["Lasso (L1)"] < X.shape[1], "the lasso should zero some coefficients"
    assert nnz["Ridge (L2)"] == X.shape[1], "ridge should keep every coefficient nonzero"
    assert nnz["Lasso (L1)"] <= nnz["Elastic net (l1_ratio=0.5)"] <= nnz["Ridge (L2)"]


if __name__ == "__main__":
    main()
