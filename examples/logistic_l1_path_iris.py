"""The L1-penalized logistic regression path on iris (virginica vs the rest).

An L1 penalty on a logistic regression turns the fit into a feature-selection procedure: at
``alpha_max`` (the smallest alpha at which the gradient of the loss at zero is dominated by
the penalty) every coefficient is exactly zero and the model predicts the class prior; as
alpha decreases the features enter the model one at a time, most informative first. For
virginica vs the rest the petal measurements enter first, the sepal ones last.

The path is fitted with :func:`penalized.path` and the ``Logistic`` datafit (warm starts
from one alpha to the next), on standardized features so that the coefficients are on a
common scale. The left panel draws the coefficients against log10(alpha), the right one
against the L1 norm of the coefficient vector (the "budget" of the constrained form of the
lasso); the top axis counts nonzero coefficients. A single ``LogisticRegression(l1_ratio=1.0)``
fit at the alpha where each feature enters is checked against the path.

Writes ``logistic_l1_path.png``. Run: ``python examples/logistic_l1_path_iris.py [--out DIR]``.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

import penalized
from penalized.datafits import Logistic
from penalized.plotting import plot_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: .)")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    iris = load_iris()
    X = StandardScaler().fit_transform(iris.data)
    y = (iris.target == 2).astype(np.float64)  # 1 = virginica, 0 = setosa or versicolor
    names = [name.removesuffix(" (cm)") for name in iris.feature_names]

    res = penalized.path(X, y, Logistic(), alphas=50, eps=1e-3)
    coefs = res.coefs.toarray()  # (n_features, n_alphas)
    entry = np.array([np.argmax(row != 0) if np.any(row != 0) else res.alphas.size
                      for row in coefs])
    order = np.argsort(entry, kind="stable")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    for ax, x in zip(axes, ("log_alpha", "l1_norm"), strict=True):
        plot_path(res, x=x, ax=ax, labels=names, linewidth=1.8)
        ax.axhline(0.0, color="0.6", linewidth=0.5)
    for j in order:
        axes[0].axvline(np.log10(res.alphas[entry[j]]), color="0.8", linestyle=":",
                        linewidth=1, zorder=0)
    fig.suptitle("L1 logistic regression path, iris: virginica vs the rest")
    fig.savefig(out / "logistic_l1_path.png", dpi=90)
    plt.close(fig)

    print(f"alpha_max = {res.alphas[0]:.4f}; path of {res.alphas.size} alphas down to "
          f"{res.alphas[-1]:.2e}, all converged: {bool(res.converged.all())}")
    print("nonzero coefficients along the path:", " ".join(map(str, res.df)))
    print(f"{'feature':<14}{'enters at alpha':>16}{'coef at smallest alpha':>24}")
    for j in order:
        print(f"{names[j]:<14}{res.alphas[entry[j]]:>16.4f}{coefs[j, -1]:>24.3f}")
    print(f"deviance explained at the smallest alpha: {res.dev_explained[-1]:.3f}")
    print("wrote", out / "logistic_l1_path.png")

    # The points of the example.
    assert np.all(coefs[:, 0] == 0), "every coefficient is zero at alpha_max"
    assert res.df[1] >= 1, "just below alpha_max a first feature enters"
    assert np.all(np.diff(res.df) >= 0), "on this path features enter one by one, none leaves"
    assert res.df[-1] == X.shape[1]
    assert names[order[0]].startswith("petal"), "a petal measurement enters first"
    # A single fit at each entry alpha agrees with the path (same support).
    for j in order:
        clf = penalized.LogisticRegression(l1_ratio=1.0, alpha=res.alphas[entry[j]]).fit(X, y)
        assert np.array_equal(clf.coef_[0] != 0, coefs[:, entry[j]] != 0)


if __name__ == "__main__":
    main()
