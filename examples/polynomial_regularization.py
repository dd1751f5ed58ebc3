"""Regularizing a degree-15 polynomial fit: least squares vs ridge vs lasso.

Twenty noisy samples of ``sin(pi x)`` on [-1, 1] are fitted with a polynomial of degree 15
(the features are x, x^2, ..., x^15, plus an intercept). Unpenalized least squares has 16
parameters for 20 points: it chases the noise, its coefficients are huge and cancel each
other, and the curve oscillates wildly between the samples and near the ends of the interval,
so its error on new data is large even though its training error is tiny (overfitting).

Penalizing the coefficients trades a little training error for a much smoother curve: the
ridge (L2) keeps every power with small coefficients, the lasso (L1) keeps only a few
powers. The powers of x have very different scales (x^15 is tiny on [-1, 1]), so the penalty
is applied to the standardized features (``standardize=True``, glmnet's convention: the
coefficients are still reported for the raw powers). Each alpha is chosen by 5-fold
cross-validation on the training points only; the test error is measured on 2,000 fresh
samples.

Writes ``polynomial_fits.png`` (the three curves) and ``polynomial_coefs.png`` (coefficient
magnitudes on the standardized scale).
Run: ``python examples/polynomial_regularization.py [--out DIR]``.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold
from sklearn.preprocessing import PolynomialFeatures

import penalized

DEGREE = 15
NOISE = 0.3


def sample(rng, n):
    x = rng.uniform(-1.0, 1.0, n)
    return x, np.sin(np.pi * x) + NOISE * rng.standard_normal(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: .)")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x_train, y_train = sample(rng, 20)
    x_test, y_test = sample(rng, 2000)
    poly = PolynomialFeatures(DEGREE, include_bias=False)  # x, x^2, ..., x^15
    X_train = poly.fit_transform(x_train[:, None])
    X_test = poly.transform(x_test[:, None])

    folds = KFold(5, shuffle=True, random_state=0)
    models = {
        # alpha = 0: ordinary least squares (the closed-form solver, no penalty)
        "least squares": penalized.Ridge(alpha=0.0),
        "ridge (L2)": penalized.ElasticNetCV(l1_ratio=0.0, standardize=True, cv=folds,
                                             alphas=np.geomspace(1e2, 1e-6, 60)),
        "lasso (L1)": penalized.LassoCV(standardize=True, cv=folds, alphas=60, eps=1e-2),
    }
    sd = X_train.std(axis=0)
    results = {}
    for name, model in models.items():
        model.fit(X_train, y_train)
        results[name] = dict(
            alpha=getattr(model, "alpha_", 0.0),
            train=float(np.mean((model.predict(X_train) - y_train) ** 2)),
            test=float(np.mean((model.predict(X_test) - y_test) ** 2)),
            nnz=int(np.count_nonzero(model.coef_)),
            std_coef=np.abs(model.coef_) * sd,  # coefficients of the standardized powers
        )

    grid = np.linspace(-1.0, 1.0, 400)
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    ax.plot(grid, np.sin(np.pi * grid), "k--", linewidth=1, label="truth: sin(pi x)")
    for name, model in models.items():
        ax.plot(grid, model.predict(poly.transform(grid[:, None])),
                label=f"{name}: test MSE {results[name]['test']:.3g}")
    ax.scatter(x_train, y_train, color="k", s=18, zorder=3, label="training samples")
    ax.set_ylim(-2.5, 2.5)  # least squares leaves this range near the ends
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"Degree-{DEGREE} polynomial on {x_train.size} samples")
    ax.legend(loc="lower right", fontsize="small")
    fig.savefig(out / "polynomial_fits.png", dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    width = 0.27
    powers = np.arange(1, DEGREE + 1)
    for i, (name, res) in enumerate(results.items()):
        # zero coefficients are drawn at the bottom of the log axis (no bar)
        ax.bar(powers + (i - 1) * width, np.where(res["std_coef"] > 0, res["std_coef"], np.nan),
               width, label=f"{name} ({res['nnz']} nonzero)")
    ax.set_yscale("log")
    ax.set_xticks(powers, [f"x^{k}" for k in powers], fontsize="small")
    ax.set_ylabel("|coefficient| x sd(feature)")
    ax.set_title("Coefficient magnitudes on the standardized scale")
    ax.legend(fontsize="small")
    fig.savefig(out / "polynomial_coefs.png", dpi=90)
    plt.close(fig)

    print(f"{'model':<15}{'alpha':>10}{'train MSE':>11}{'test MSE':>12}{'nonzero':>9}"
          f"{'max |std coef|':>16}")
    for name, res in results.items():
        print(f"{name:<15}{res['alpha']:>10.2e}{res['train']:>11.4f}{res['test']:>12.4g}"
              f"{res['nnz']:>9d}{res['std_coef'].max():>16.3g}")
    print(f"noise variance (best achievable test MSE): {NOISE ** 2:.3f}")
    print("wrote", out / "polynomial_fits.png", out / "polynomial_coefs.png")

    # The point of the example: regularization lowers the error on new data.
    ols = results["least squares"]
    for name in ("ridge (L2)", "lasso (L1)"):
        assert results[name]["test"] < 0.5 * ols["test"], (name, results[name], ols)
        assert results[name]["train"] > ols["train"], "the penalty costs some training fit"
    assert results["lasso (L1)"]["nnz"] < DEGREE, "the lasso drops some powers"


if __name__ == "__main__":
    main()
