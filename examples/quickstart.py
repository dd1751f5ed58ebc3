"""Quick start: L1, L2 and elastic net on the diabetes data (shipped with scikit-learn).

Fits Lasso, ElasticNet and Ridge over a grid of penalties on a train split, and prints,
per model and alpha, the number of nonzero coefficients, train and test R^2, and the
duality gap certificate of the fit. Run: ``python examples/quickstart.py``.
"""

import time

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import penalized


def main():
    data = load_diabetes()
    X = StandardScaler().fit_transform(data.data)
    y = data.target
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    amax = penalized.alpha_max(X_tr, y_tr)
    print(f"diabetes: {X.shape[0]} samples x {X.shape[1]} features; alpha_max = {amax:.3f}\n")
    header = f"{'model':<26}{'alpha':>9}{'nonzero':>9}{'R2 train':>10}{'R2 test':>9}"
    print(header + f"{'dual gap':>11}{'ms':>7}")
    print("-" * (len(header) + 18))
    for frac in (0.3, 0.1, 0.01):
        alpha = frac * amax
        for model in (penalized.Lasso(alpha=alpha),
                      penalized.ElasticNet(alpha=alpha, l1_ratio=0.5),
                      # Ridge reads scikit-learn's alpha (sum of squares): n times
                      penalized.Ridge(alpha=alpha * len(y_tr))):
            t0 = time.perf_counter()
            model.fit(X_tr, y_tr)
            ms = 1e3 * (time.perf_counter() - t0)
            name = type(model).__name__
            if name == "ElasticNet":
                name += "(l1_ratio=0.5)"
            nnz = int(np.count_nonzero(model.coef_))
            print(f"{name:<26}{alpha:>9.3f}{nnz:>9d}{model.score(X_tr, y_tr):>10.3f}"
                  f"{model.score(X_te, y_te):>9.3f}{model.dual_gap_:>11.2e}{ms:>7.1f}")
        print()
    lasso = penalized.Lasso(alpha=0.1 * amax).fit(X_tr, y_tr)
    kept = [name for name, c in zip(data.feature_names, lasso.coef_, strict=True) if c != 0]
    print(f"Lasso at alpha = 0.1 * alpha_max keeps {len(kept)} of {X.shape[1]} features: "
          f"{', '.join(kept)}")


if __name__ == "__main__":
    main()
