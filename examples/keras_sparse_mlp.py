"""Sparse MLP with penalized.keras: L1 selects input pixels, group lasso prunes neurons.

An MLP (pixels -> 64 -> 32 -> 10) on scikit-learn's digits is trained with
``Proximal(Adam)`` and two penalties as Keras regularizers: ``L1`` on the input layer's
kernel (a pixel is dropped when its whole row of weights is zero) and ``GroupLasso`` over
the units of both hidden layers (a neuron is dropped when its whole column is zero),
with strengths warmed up over the first epochs. For
a range of strengths the script prints test accuracy against sparsity, prunes the dead
neurons with ``prune`` (checking that the predictions do not change), and writes a PNG
with accuracy against sparsity and the selected pixels.

Run: ``python examples/keras_sparse_mlp.py [--out file.png]``. It uses the Keras backend
set by ``KERAS_BACKEND`` (torch when none is configured and TensorFlow is missing).
About 20-30 s on 2 CPU cores with the torch backend.
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from penalized.keras import L1, GroupLasso, Proximal, prune, sparsity_report  # noqa: E402


def load():
    d = load_digits()
    X, y = (d.data / 16.0).astype("float32"), d.target
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0,
                                              stratify=y)
    return X_tr, y_tr, X_te, y_te, 8


def build(p, strength):
    """The MLP, and its penalties with their full strengths."""
    # L1 on the input layer selects pixels; group lasso over the units of the two hidden
    # layers removes neurons. Together on the input layer: the sparse group lasso.
    pixels = L1(4e-3 * strength)
    neurons = [GroupLasso(2e-3 * strength, axis="units", size_weighted=True)
               for _ in range(2)]
    model = keras.Sequential([
        keras.Input((p,)),
        keras.layers.Dense(64, activation="relu", name="hidden1",
                           kernel_regularizer=pixels + neurons[0]),
        keras.layers.Dense(32, activation="relu", name="hidden2",
                           kernel_regularizer=neurons[1]),
        keras.layers.Dense(10, name="logits"),
    ])
    return model, {pen: pen.alpha for pen in (pixels, *neurons)}


def train(X, y, strength, *, epochs, seed=0):
    keras.utils.set_random_seed(seed)
    model, full = build(X.shape[1], strength)
    # Warm-up: the strengths grow over the first quarter of the epochs, in three steps.
    # compile() again after changing them: on JAX and TensorFlow the train step is
    # compiled with the strengths it was traced with.
    warm = epochs // 4 // 3
    for factor, n in ((0.25, warm), (0.5, warm), (0.75, warm), (1.0, epochs - 3 * warm)):
        for pen, alpha in full.items():
            pen.alpha = factor * alpha
        # the penalties are applied by the optimizer (exact zeros), not added to the loss
        model.compile(optimizer=Proximal(keras.optimizers.Adam(3e-3)),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(X, y, batch_size=64, epochs=n, verbose=0)
    return model


def accuracy(model, X, y):
    return float(np.mean(np.argmax(model.predict(X, verbose=0), axis=1) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="keras_sparse_mlp.png", help="PNG to write")
    args = parser.parse_args()
    if keras.backend.backend() == "torch":
        import torch
        torch.set_num_threads(1)  # small matrices: one thread is fastest
    X_tr, y_tr, X_te, y_te, side = load()
    print(f"digits: {len(X_tr)} train / {len(X_te)} test, {X_tr.shape[1]} pixels; MLP "
          f"{X_tr.shape[1]}-64-32-10, Proximal(Adam), {args.epochs} epochs, Keras "
          f"{keras.__version__} on {keras.backend.backend()}\n")
    head = (f"{'strength':>8}  {'test acc':>8}  {'zero w %':>8}  {'pixels':>7}  "
            f"{'neurons':>7}  {'params':>13}  {'prune diff':>10}  {'s':>4}")
    print(head)
    print("-" * len(head))
    results = []
    for strength in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0):
        t0 = time.perf_counter()
        model = train(X_tr, y_tr, strength, epochs=args.epochs)
        acc = accuracy(model, X_te, y_te)
        zero_frac = sparsity_report(model).total["zero_frac"]
        kernel = keras.ops.convert_to_numpy(model.get_layer("hidden1").kernel)
        used = (kernel != 0).any(axis=1).reshape(side, side)
        small = prune(model)  # a smaller model without the dead neurons
        diff = float(np.abs(small.predict(X_te, verbose=0)
                            - model.predict(X_te, verbose=0)).max())
        assert diff < 1e-4, diff  # the same function
        kept = f"{small.get_layer('hidden1').units}+{small.get_layer('hidden2').units}"
        n_before, n_after = model.count_params(), small.count_params()
        secs = time.perf_counter() - t0
        print(f"{strength:>8g}  {acc:>8.3f}  {100 * zero_frac:>8.1f}  "
              f"{int(used.sum()):>3}/{side * side:<3}  {kept:>7}  "
              f"{n_before:>6}->{n_after:<6}  {diff:>10.1e}  {secs:>4.1f}")
        results.append((strength, acc, zero_frac, used, n_after / n_before))
    if results[0][2] > 0.01:  # no penalty: (almost) no exact zeros
        raise SystemExit("unpenalized model has exact zeros")
    if results[-1][4] > 0.8:  # the strongest penalty: much smaller after prune
        raise SystemExit("strong penalties did not shrink the model")
    plot(results, args.out)
    print(f"\nwrote {args.out}")


def plot(results, out):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ax = axes[0]
    zero = [100 * r[2] for r in results]
    ax.plot(zero, [r[1] for r in results], "o-", label="test accuracy")
    ax.plot(zero, [r[4] for r in results], "s--", label="params kept after prune (fraction)")
    for r, z in zip(results, zero, strict=True):
        ax.annotate(f"{r[0]:g}", (z, r[1]), textcoords="offset points", xytext=(3, 5))
    ax.set_xlabel("exactly zero weights (%)")
    ax.set_ylim(0, 1.05)
    ax.set_title("digits, Keras: accuracy vs sparsity (labels: strength)")
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
