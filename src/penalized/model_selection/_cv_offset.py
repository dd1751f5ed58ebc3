"""Offsets in the CV engine: the known part of the linear predictor, split by fold like X.

The training rows' offsets enter the fits (grids, fold paths, relaxed refits, the
full-data path), the test rows' the test errors; ``predict`` takes the offset of its
rows. The squared loss's offset is a shift of the target (and of the test target), so
the least-squares engines never see one.
"""

from ..estimators._base import check_offset

__all__ = ["add_offset", "cv_offset", "fold_offsets"]


def cv_offset(offset, datafit, y_fit, y_score):
    """``(y_fit, y_score, offset)`` of a CV fit: the offset checked (None when absent or
    folded into the squared loss's targets)."""
    offset = check_offset(offset, y_fit.shape[0])
    if offset is None:
        return y_fit, y_score, None
    if datafit.multi_output:
        raise ValueError("offset is supported for two classes only (the multinomial fit "
                         "has one linear predictor per class).")
    if datafit.quadratic:
        return y_fit - offset, y_score - offset, None
    return y_fit, y_score, offset


def fold_offsets(offset, train, test, ndim):
    """The training rows' offset (or None) and the test rows' offset shaped to add to the
    test-fold linear predictors of a path ((n_test, n_alphas) for ``ndim`` 1)."""
    if offset is None:
        return None, 0.0
    return offset[train], offset[test].reshape((-1,) + (1,) * ndim)


def add_offset(eta, offset):
    """``eta + offset`` for ``predict`` (``eta`` of one linear predictor per row)."""
    offset = check_offset(offset, eta.shape[0])
    if offset is None:
        return eta
    if eta.ndim != 1:
        raise ValueError("offset is supported for two classes only (the multinomial fit "
                         "has one linear predictor per class).")
    return eta + offset
