"""Why an L1 penalty gives exact zeros and an L2 penalty does not: the geometric picture.

A penalized fit ``min_w loss(w) + alpha * penalty(w)`` is also the solution of the
constrained problem ``min_w loss(w)`` subject to ``penalty(w) <= t`` for some budget ``t``.
With two features the least-squares loss has elliptical contours around the unpenalized
solution, and the solution is where the smallest ellipse touches the constraint region.
The L1 ball ``|w1| + |w2| <= t`` is a diamond whose corners lie on the axes: an ellipse
usually touches it first at a corner, where one coefficient is exactly 0. The L2 ball is a
disk with no corners: the contact point is generically off the axes, so no coefficient is 0.

The same story in one dimension (an orthonormal design): the lasso maps the least-squares
estimate ``z`` to ``sign(z) * max(|z| - alpha, 0)`` (soft thresholding: a whole interval of
``z`` goes to exactly 0), while ridge maps it to ``z / (1 + alpha)`` (proportional shrinkage:
only ``z = 0`` goes to 0). Both pictures are drawn from actual ``penalized.Lasso`` and
``penalized.Ridge`` fits on constructed data.

Writes ``l1_l2_geometry.png`` and ``thresholding.png``.
Run: ``python examples/why_l1_gives_zeros.py [--out DIR]``.
"""

import argparse
from pathlib import Path

import numpy as np

import penalized

W_OLS = np.array([1.6, 0.6])  # the unpenalized least-squares solution
GRAM = np.array([[1.0, 0.45], [0.45, 1.0]])  # X'X / n: correlated features, tilted ellipses


def design_with_gram(gram, n=100, seed=0):
    """X (n x p) with X'X / n == gram exactly, and an n-vector orthogonal to its columns."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, gram.shape[0] + 1)))
    X = np.sqrt(n) * q[:, :-1] @ np.linalg.cholesky(gram).T
    return X, q[:, -1]


def quadratic_loss(w1, w2):
    """loss(w) - loss(w_ols) = 1/2 (w - w_ols)' G (w - w_ols), on a grid."""
    d1, d2 = w1 - W_OLS[0], w2 - W_OLS[1]
    return 0.5 * (GRAM[0, 0] * d1 * d1 + 2 * GRAM[0, 1] * d1 * d2 + GRAM[1, 1] * d2 * d2)


def geometry_panel(ax, w, ball, title):
    """Loss contours, the constraint ball through w and the solution w."""
    g = np.linspace(-1.0, 2.5, 351)
    w1, w2 = np.meshgrid(g, g)
    loss = quadratic_loss(w1, w2)
    level = float(quadratic_loss(*w))
    ax.contour(w1, w2, loss, levels=level * np.array([0.1, 0.35, 2.0, 3.5]), colors="0.7",
               linewidths=0.8)
    ax.contour(w1, w2, loss, levels=[level], colors="C0", linewidths=1.6)
    theta = np.linspace(0, 2 * np.pi, 400)
    if ball == "l1":
        t = np.abs(w).sum()
        bx, by = t * np.array([1, 0, -1, 0, 1]), t * np.array([0, 1, 0, -1, 0])
        label = f"|w1| + |w2| <= {t:.2f}"
    else:
        t = np.linalg.norm(w)
        bx, by = t * np.cos(theta), t * np.sin(theta)
        label = f"w1^2 + w2^2 <= {t:.2f}^2"
    ax.fill(bx, by, color="C1", alpha=0.25)
    ax.plot(bx, by, color="C1", label=label)
    ax.plot(*W_OLS, "k+", markersize=10, mew=2, label="least squares")
    ax.plot(*w, "o", color="C3", markersize=7,
            label=f"solution ({w[0]:.3f}, {w[1]:.3f})")
    ax.axhline(0, color="k", linewidth=0.6)
    ax.axvline(0, color="k", linewidth=0.6)
    ax.set_xlim(g[0], g[-1])
    ax.set_ylim(g[0], g[-1])
    ax.set_aspect("equal")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")


def one_feature_fits(z_values, alpha):
    """Lasso and ridge fitted on y = z x, with x'x / n = 1: the 1-D shrinkage operators."""
    x, _ = design_with_gram(np.ones((1, 1)), n=50, seed=1)
    lasso, ridge = [], []
    for z in z_values:
        y = z * x[:, 0]
        lasso.append(penalized.Lasso(alpha=alpha, fit_intercept=False).fit(x, y).coef_[0])
        # Ridge reads scikit-learn's alpha, on the sum of squares: n times the mean-loss one
        ridge.append(penalized.Ridge(alpha=alpha * len(y), fit_intercept=False)
                     .fit(x, y).coef_[0])
    return np.array(lasso), np.array(ridge)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: .)")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # Two correlated features, y = X w_ols + a residual orthogonal to X: the least-squares
    # loss is exactly loss(w_ols) + 1/2 (w - w_ols)' GRAM (w - w_ols).
    X, resid = design_with_gram(GRAM)
    y = X @ W_OLS + 0.5 * resid
    alpha_l1, alpha_l2 = 1.0, 1.0
    w_l1 = penalized.Lasso(alpha=alpha_l1, fit_intercept=False, tol=1e-10).fit(X, y).coef_
    # (Ridge's alpha is scikit-learn's, on the sum of squares: n times the mean-loss one)
    w_l2 = penalized.Ridge(alpha=alpha_l2 * len(y), fit_intercept=False).fit(X, y).coef_

    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4), layout="constrained")
    geometry_panel(axes[0], w_l1, "l1", f"L1 (Lasso, alpha={alpha_l1}): a corner, w2 = 0")
    geometry_panel(axes[1], w_l2, "l2", f"L2 (Ridge, alpha={alpha_l2}): no corner, w2 != 0")
    fig.suptitle("Least-squares contours (ellipses) meet the constraint region")
    fig.savefig(out / "l1_l2_geometry.png", dpi=90)
    plt.close(fig)

    alpha = 1.0
    z = np.linspace(-3, 3, 61)
    lasso_1d, ridge_1d = one_feature_fits(z, alpha)
    fig, ax = plt.subplots(figsize=(6, 4.8), layout="constrained")
    ax.plot(z, z, color="0.6", linestyle="--", label="no penalty: w = z")
    ax.plot(z, lasso_1d, "o-", markersize=3, label="lasso: soft thresholding")
    ax.plot(z, ridge_1d, "s-", markersize=3, label="ridge: w = z / (1 + alpha)")
    ax.axvspan(-alpha, alpha, color="C0", alpha=0.1, label="|z| <= alpha: lasso gives 0")
    ax.set_xlabel("least-squares estimate z = x'y / n")
    ax.set_ylabel("penalized estimate w")
    ax.set_title(f"One feature, orthonormal design, alpha = {alpha}")
    ax.legend(fontsize="small")
    fig.savefig(out / "thresholding.png", dpi=90)
    plt.close(fig)

    print(f"least squares     w = ({W_OLS[0]:.4f}, {W_OLS[1]:.4f})")
    print(f"Lasso alpha={alpha_l1}   w = ({w_l1[0]:.4f}, {w_l1[1]:.4f})  "
          f"nonzero: {np.count_nonzero(w_l1)}")
    print(f"Ridge alpha={alpha_l2}   w = ({w_l2[0]:.4f}, {w_l2[1]:.4f})  "
          f"nonzero: {np.count_nonzero(w_l2)}")
    n_zero = int(np.sum(lasso_1d == 0))
    print(f"1-D, alpha={alpha}: lasso exact zeros at {n_zero} of {z.size} values of z "
          f"(|z| <= {alpha});\n  ridge exact zeros: {int(np.sum(ridge_1d == 0))} (only z = 0)")
    print("wrote", out / "l1_l2_geometry.png", out / "thresholding.png")

    # The point of the example: L1 lands on a corner (an exact zero), L2 does not.
    assert w_l1[1] == 0.0 and w_l1[0] != 0.0, w_l1
    assert np.all(w_l2 != 0.0), w_l2
    # Closed forms for the constructed problem: w1 = c1 - alpha with c = GRAM w_ols, and the
    # ridge normal equations (GRAM + alpha I) w = c.
    c = GRAM @ W_OLS
    np.testing.assert_allclose(w_l1, [c[0] - alpha_l1, 0.0], atol=1e-6)
    np.testing.assert_allclose(w_l2, np.linalg.solve(GRAM + alpha_l2 * np.eye(2), c), atol=1e-8)
    soft = np.sign(z) * np.maximum(np.abs(z) - alpha, 0.0)
    np.testing.assert_allclose(lasso_1d, soft, atol=1e-6)
    np.testing.assert_allclose(ridge_1d, z / (1 + alpha), atol=1e-8)
    clear = np.abs(np.abs(z) - alpha) > 1e-9  # leave out the two kinks, z = +-alpha
    assert np.all((lasso_1d == 0)[clear] == (np.abs(z) < alpha)[clear]), "zero exactly inside"
    assert np.all((ridge_1d == 0) == (z == 0))


if __name__ == "__main__":
    main()
