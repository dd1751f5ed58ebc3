"""Compressive sensing: tomography reconstruction with an L1 prior (lasso) vs an L2 prior.

A 128 x 128 image is seen only through its projections (sums of pixel values along parallel
rays, as in computed tomography) from 18 angles: 2,304 measurements for 16,384 unknown
pixels, with noise. The linear system is heavily underdetermined, so a prior must choose
among its solutions. The image is sparse (only the boundaries of some blobs are nonzero):
an L1 penalty, which favours solutions with few nonzero pixels, recovers its outlines with
little background noise, while an L2 penalty spreads the intensity over every pixel and
leaves streak artifacts along the projection directions.
This is the idea of compressive sensing: a sparse signal can be recovered from far fewer
measurements than unknowns.

The projection operator is a scipy.sparse matrix (each pixel contributes to two detector
bins per angle, linearly interpolated), handed to ``penalized.Lasso`` and ``penalized.Ridge``
as a CSC matrix that is never densified. Adapted from scikit-learn's example "Compressive
sensing: tomography reconstruction with L1 prior (Lasso)".

Writes ``tomography.png``. Run: ``python examples/compressive_sensing_tomography.py [--out DIR]``.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

import penalized


def projection_operator(size, n_angles):
    """Sparse (n_angles * size, size**2) matrix of parallel-beam projections of an image.

    Pixel (i, j), at position (x, y) from the image center, falls at detector coordinate
    ``t = cos(theta) x - sin(theta) y`` for the projection at angle theta; its value is shared
    between the two nearest detector bins in proportion to the distance.
    """
    centers = np.arange(size) + 0.5 - size / 2.0
    x, y = (c.ravel() for c in np.meshgrid(centers, centers, indexing="ij"))
    pixels = np.arange(size * size)
    rows, cols, vals = [], [], []
    for k, theta in enumerate(np.linspace(0.0, np.pi, n_angles, endpoint=False)):
        t = np.cos(theta) * x - np.sin(theta) * y - centers[0]  # in bin units, bin 0 at 0
        lower = np.floor(t).astype(np.int64)
        frac = t - lower
        for bins, weight in ((lower, 1.0 - frac), (lower + 1, frac)):
            inside = (bins >= 0) & (bins < size)
            rows.append(bins[inside] + k * size)
            cols.append(pixels[inside])
            vals.append(weight[inside])
    shape = (n_angles * size, size * size)
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    return sp.csc_matrix((vals, (rows, cols)), shape=shape)


def sparse_image(size, n_blobs=36, seed=0):
    """Binary image of the boundaries of random blobs inside a disk (few nonzero pixels)."""
    rng = np.random.default_rng(seed)
    i, j = np.ogrid[0:size, 0:size]
    disk = (i - size / 2.0) ** 2 + (j - size / 2.0) ** 2 < (size / 2.0) ** 2
    seeds = np.zeros((size, size))
    points = (size * rng.random((2, n_blobs))).astype(int)
    seeds[points[0], points[1]] = 1.0
    smooth = ndimage.gaussian_filter(seeds, sigma=size / n_blobs)
    blobs = (smooth > smooth.mean()) & disk
    return (blobs ^ ndimage.binary_erosion(blobs)).astype(np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="output directory (default: .)")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")  # headless: write files, open no window
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    size, n_angles = 128, 128 // 7
    image = sparse_image(size)
    A = projection_operator(size, n_angles)
    rng = np.random.default_rng(1)
    proj = A @ image.ravel()
    proj += 0.15 * rng.standard_normal(proj.shape)
    n = A.shape[0]

    fits = {}
    # The same penalties as scikit-learn's example (Ridge reads scikit-learn's alpha)
    for name, model in (("L2 (Ridge)", penalized.Ridge(alpha=0.2)),
                        ("L1 (Lasso)", penalized.Lasso(alpha=0.001))):
        t0 = time.perf_counter()
        model.fit(A, proj)
        seconds = time.perf_counter() - t0
        rec = model.coef_.reshape(size, size)
        rmse = float(np.sqrt(np.mean((rec - image) ** 2)))
        fits[name] = (rec, rmse, int(np.count_nonzero(model.coef_)), seconds)

    fig, axes = plt.subplots(1, 3, figsize=(12, 4.4), layout="constrained")
    axes[0].imshow(image, cmap="gray", interpolation="nearest")
    axes[0].set_title(f"original image ({int(image.sum())} nonzero pixels)")
    for ax, (name, (rec, rmse, _, _)) in zip(axes[1:], fits.items(), strict=True):
        ax.imshow(rec, cmap="gray", interpolation="nearest")
        ax.set_title(f"{name} reconstruction, RMSE {rmse:.3f}")
    for ax in axes:
        ax.axis("off")
    fig.suptitle(f"{n_angles} projections: {n} measurements for {size * size} pixels")
    fig.savefig(out / "tomography.png", dpi=80)
    plt.close(fig)

    print(f"image {size}x{size}, {int(image.sum())} nonzero pixels; operator {A.shape[0]} x "
          f"{A.shape[1]}, {A.nnz} nonzeros ({A.format})")
    print(f"{'prior':<12}{'RMSE':>8}{'nonzero pixels':>16}{'fit s':>8}")
    for name, (_, rmse, nnz, seconds) in fits.items():
        print(f"{name:<12}{rmse:>8.3f}{nnz:>16d}{seconds:>8.2f}")
    print("wrote", out / "tomography.png")

    # The point of the example: the sparse (L1) prior reconstructs the sparse image better.
    rmse_l1, rmse_l2 = fits["L1 (Lasso)"][1], fits["L2 (Ridge)"][1]
    assert rmse_l1 < 0.8 * rmse_l2, (rmse_l1, rmse_l2)
    assert fits["L1 (Lasso)"][2] < 0.5 * size * size, "the L1 reconstruction is sparse"


if __name__ == "__main__":
    main()
