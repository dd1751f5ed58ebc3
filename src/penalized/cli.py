"""The ``penalized`` command: ``compare``, ``fit`` and ``predict``.

Every user error (a bad option, a missing or unreadable file, a data problem, an
unusable model file) is printed as one line ``penalized: error: <message>`` on stderr
with exit status 2 and no traceback. Outputs are written atomically: a failed command
leaves no partial file behind.
"""

import argparse
import math
import os
import sys
import warnings

__all__ = ["build_parser", "main", "make_estimator"]

MODELS = ("lasso", "ridge", "elasticnet", "logistic-l1", "logistic-l2", "logistic-elasticnet")
REGRESSION_MODELS = "--model lasso, ridge or elasticnet"
#: l1_ratio grid searched by ``fit --model elasticnet`` / ``logistic-elasticnet``
L1_RATIO_GRID = (0.1, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0)
_EXTRA = "pip install 'penalized[report]'"


class UsageError(Exception):
    """A command-line usage error (reported as one line, exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(message)


def _positive_int(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text}")
    return value


def _alpha(text):
    if text in ("min", "1se"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'min', '1se' or a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _l1_ratios(text):
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected numbers in [0, 1] separated by commas, got {text!r}") from None
        if not 0.0 <= value <= 1.0:
            raise argparse.ArgumentTypeError(f"must be in [0, 1], got {part}")
        values.append(value)
    return tuple(values)


def _add_offset(p, what):
    p.add_argument("--offset", metavar="COL", default=None,
                   help=f"column added to the linear predictor with coefficient 1 {what}")
    p.add_argument("--exposure", metavar="COL", default=None,
                   help=f"column of positive exposures whose log is added to the offset {what}")


def _add_common(p, *, task_help, seed_help):
    p.add_argument("--task", choices=("auto", "regression", "classification"), default="auto",
                   help=task_help)
    p.add_argument("--cv", type=_positive_int(2), default=5, metavar="K",
                   help="number of cross-validation folds (default: 5)")
    p.add_argument("--seed", type=int, default=0, help=seed_help)
    p.add_argument("--impute", choices=("median", "most_frequent"), default=None,
                   help="fill missing feature values (default: refuse them)")


def build_parser():
    """The argument parser of the ``penalized`` command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> from penalized.cli import build_parser
    >>> args = build_parser().parse_args(["fit", "d.csv", "--target", "y", "--model", "lasso"])
    >>> args.alpha, args.cv, args.output
    ('min', 5, 'model.json')
    """
    from . import __version__

    parser = _Parser(prog="penalized",
                     description="L1, L2 and elastic-net models from the command line.")
    parser.add_argument("--version", action="version", version=f"penalized {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("compare", help="compare L1, L2 and elastic net on a table (HTML report)",
                       description="Compare lasso, ridge and elastic net on a table and write "
                                   "an HTML report. Without DATA, uses scikit-learn's diabetes "
                                   "data (unscaled).")
    p.add_argument("data", nargs="?", metavar="DATA", help="CSV, TSV or Parquet file")
    p.add_argument("--target", metavar="COL", help="target column (required with DATA)")
    _add_common(p, task_help="what to predict (default: auto: classes when the target is "
                             "not numeric or has at most 10 integer values)",
                seed_help="random seed of the split and the folds (default: 0)")
    p.add_argument("--test-size", type=_fraction, default=0.25, metavar="FRACTION",
                   help="fraction of rows held out for testing (default: 0.25)")
    p.add_argument("--out", default="report.html", metavar="PATH",
                   help="HTML report (default: report.html)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write results as JSON")
    _add_offset(p, "(not a feature; regression or two classes)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_compare)

    p = sub.add_parser("fit", help="fit a cross-validated model and save it as JSON",
                       description="Fit a penalized linear model on a table and save it as a "
                                   "JSON model file (alpha chosen by cross-validation unless "
                                   "--alpha is a number).")
    p.add_argument("data", metavar="DATA", help="CSV, TSV or Parquet file")
    p.add_argument("--target", metavar="COL", required=True, help="target column")
    p.add_argument("--model", choices=MODELS, required=True, metavar="MODEL",
                   help=f"one of {', '.join(MODELS)}")
    p.add_argument("--alpha", type=_alpha, default="min", metavar="min|1se|VALUE",
                   help="'min' (lowest CV error, default), '1se' (largest alpha within one "
                        "standard error) or a fixed alpha (no cross-validation)")
    p.add_argument("--l1-ratio", type=_l1_ratios, default=None, metavar="R[,R...]",
                   help="elastic net mix (1 = lasso, 0 = ridge); several values are searched "
                        f"by CV (default: {','.join(map(str, L1_RATIO_GRID))}, or 0.5 with a "
                        "fixed --alpha)")
    _add_common(p, task_help="the task the model must have (default: auto, the model's)",
                seed_help="random seed of the folds (default: 0)")
    p.add_argument("--n-alphas", type=_positive_int(2), default=100, metavar="N",
                   help="number of alphas on the CV path (default: 100)")
    p.add_argument("--no-standardize", dest="standardize", action="store_false",
                   help="penalize coefficients on the features' own scales (default: "
                        "standardize, as glmnet; coefficients are stored on the original "
                        "scale either way)")
    _add_offset(p, "(not a feature; regression or two classes; recorded in the model "
                   "file, which predict reads it from)")
    p.add_argument("-o", "--output", default="model.json", metavar="PATH",
                   help="model file (default: model.json)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_fit)

    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Predict every row of a table with a model file written "
                                   "by 'penalized fit'; writes a CSV with a 'prediction' column "
                                   "(and 'proba_<class>' columns for classifiers), in the "
                                   "rows' order.")
    p.add_argument("model", metavar="MODEL", help="model file (JSON)")
    p.add_argument("data", metavar="DATA", help="CSV, TSV or Parquet file")
    p.add_argument("-o", "--output", default="predictions.csv", metavar="PATH",
                   help="predictions CSV, '-' for standard output (default: predictions.csv)")
    _add_offset(p, "(default: the columns recorded in the model file)")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_predict)
    return parser


def _check_output_dir(path):
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output directory does not exist: {os.path.dirname(path)}")
    if os.path.isdir(path):
        raise UsageError(f"output path is a directory: {path}")


def _compare(args):
    if args.data is not None and args.target is None:
        raise UsageError("--target is required when a DATA file is given")
    for path in (args.out, args.json):
        if path is not None:
            _check_output_dir(path)
    import importlib

    try:
        compare = importlib.import_module("penalized.report.compare")
    except ModuleNotFoundError as exc:
        if exc.name == "penalized.report.compare":
            print("penalized: error: penalized compare is not available in this build",
                  file=sys.stderr)
            return 2
        if exc.name and not exc.name.startswith("penalized"):
            raise UsageError(f"penalized compare needs the package {exc.name}: "
                             f"{_EXTRA}") from None
        raise
    return compare.run(args)


class _WarningSummary:
    """Collect warnings during a fit and print one summary line per category."""

    def __enter__(self):
        self._ctx = warnings.catch_warnings(record=True)
        self.records = self._ctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        if exc[0] is None:
            self.report()
        return False

    def report(self):
        by_cat = {}
        for w in self.records:
            by_cat.setdefault(w.category.__name__, []).append(str(w.message))
        for cat, messages in by_cat.items():
            first = " ".join(messages[0].split())
            more = f" (and {len(messages) - 1} more like it)" if len(messages) > 1 else ""
            print(f"penalized: warning: {cat}: {first}{more}", file=sys.stderr)


def _folds(task, k, seed):
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = StratifiedKFold if task == "classification" else KFold
    return cls(n_splits=k, shuffle=True, random_state=seed)


def make_estimator(model, alpha, l1_ratio, *, cv, seed, n_alphas=100, standardize=True):
    """The estimator ``penalized fit`` uses (unfitted).

    Parameters
    ----------
    model : str
        One of ``MODELS``.
    alpha : {"min", "1se"} or float
        The alpha rule (``alpha_rule``) of a cross-validated estimator, or a fixed alpha.
    l1_ratio : tuple of float or None
        Elastic-net mixes (one value with a fixed alpha); None for the defaults.
    cv, seed : int
        Folds: ``KFold(cv, shuffle=True, random_state=seed)`` (stratified for
        classifiers).
    n_alphas : int, default=100
    standardize : bool, default=True

    Returns
    -------
    estimator

    Examples
    --------
    >>> from penalized.cli import make_estimator
    >>> type(make_estimator("ridge", "1se", None, cv=3, seed=0)).__name__
    'ElasticNetCV'
    """
    from . import estimators as est
    from . import model_selection as ms

    task = "classification" if model.startswith("logistic") else "regression"
    mixed = model in ("elasticnet", "logistic-elasticnet")
    if isinstance(alpha, str):
        common = dict(alphas=n_alphas, cv=_folds(task, cv, seed), alpha_rule=alpha,
                      standardize=standardize)
        grid = list(l1_ratio or L1_RATIO_GRID)
        if model == "lasso":
            return ms.LassoCV(**common)
        if model == "ridge":
            return ms.ElasticNetCV(l1_ratio=0.0, **common)
        if model == "elasticnet":
            return ms.ElasticNetCV(l1_ratio=grid if len(grid) > 1 else grid[0], **common)
        # penalized's glmnet-style CV: its alpha grid and the deviance
        ratios = grid if mixed else [{"logistic-l1": 1.0, "logistic-l2": 0.0}[model]]
        return ms.LogisticRegressionCV(l1_ratios=ratios, measure="deviance",
                                       use_legacy_attributes=False, **common)
    if mixed and l1_ratio is not None and len(l1_ratio) > 1:
        raise UsageError("a fixed --alpha takes a single --l1-ratio")
    r = 0.5 if l1_ratio is None else l1_ratio[0]
    if model == "lasso":
        return est.Lasso(alpha=alpha, standardize=standardize)
    if model == "ridge":  # --alpha on the mean-loss scale of every model
        return est.ElasticNet(alpha=alpha, l1_ratio=0.0, standardize=standardize)
    if model == "elasticnet":
        return est.ElasticNet(alpha=alpha, l1_ratio=r, standardize=standardize)
    mix = {"logistic-l1": 1.0, "logistic-l2": 0.0}.get(model, r)
    return est.LogisticRegression(alpha=alpha, l1_ratio=mix, standardize=standardize)


def _fit(args):
    from .model_io import model_payload, save_model
    from .tables.data import (
        DataError,
        Preprocessor,
        infer_task,
        read_table,
        split_target,
        take_offset,
    )

    task = "classification" if args.model.startswith("logistic") else "regression"
    if args.task != "auto" and args.task != task:
        raise UsageError(f"--model {args.model} is a {task} model but --task is {args.task}")
    if args.l1_ratio is not None and args.model not in ("elasticnet", "logistic-elasticnet"):
        raise UsageError("--l1-ratio applies only to --model elasticnet and "
                         "logistic-elasticnet")
    cross_validate = isinstance(args.alpha, str)
    if not cross_validate and args.l1_ratio is not None and len(args.l1_ratio) > 1:
        raise UsageError("a fixed --alpha takes a single --l1-ratio")
    _check_output_dir(args.output)
    df = read_table(args.data)
    X_df, y = split_target(df, args.target)
    X_df, offset = take_offset(X_df, args.offset, args.exposure)
    if cross_validate and len(y) < args.cv:
        raise DataError(f"{len(y)} rows are too few for --cv {args.cv}")
    infer_task(y, task, min_class_count=args.cv if cross_validate else 1,
               regression_hint=f"use a regression model: {REGRESSION_MODELS}")
    pre = Preprocessor(impute=args.impute).fit(X_df)
    X = pre.transform(X_df)
    estimator = make_estimator(args.model, args.alpha, args.l1_ratio, cv=args.cv,
                               seed=args.seed, n_alphas=args.n_alphas,
                               standardize=args.standardize)
    y_fit = y.to_numpy(dtype=float) if task == "regression" else y.to_numpy()
    if offset is not None and task == "classification" and y.nunique() > 2:
        raise DataError("--offset and --exposure need a regression or two-class target "
                        f"(the target has {y.nunique()} classes)")
    with _WarningSummary():
        estimator.fit(X, y_fit, offset=offset)
    payload = model_payload(estimator, pre, args.model,
                            alpha_rule=args.alpha if cross_validate else "value",
                            target=args.target, cv=args.cv if cross_validate else None,
                            n_samples=len(y), offset=args.offset, exposure=args.exposure)
    save_model(args.output, payload)
    if not args.quiet:
        import numpy as np

        nonzero = int(np.count_nonzero(np.any(np.atleast_2d(estimator.coef_) != 0, axis=0)))
        rule = f" ({args.alpha} rule, {args.cv}-fold CV)" if cross_validate else ""
        print(f"wrote {args.output}: {args.model}, alpha={payload['alpha']:.6g}{rule}, "
              f"l1_ratio={payload['l1_ratio']:g}, {nonzero} of {X.shape[1]} features used")
    return 0


def _predict(args):
    from .model_io import load_model, predict_frame
    from .tables.data import read_table
    from .tables.files import atomic_write

    if args.output != "-":
        _check_output_dir(args.output)
    model = load_model(args.model)
    if (args.offset or args.exposure) and not (model.get("offset") or model.get("exposure")):
        raise UsageError("--offset and --exposure apply to a model fitted with them")
    df = read_table(args.data)
    out = predict_frame(model, df, args.offset, args.exposure)
    if args.output == "-":
        try:
            out.to_csv(sys.stdout, index=False)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        return 0
    with atomic_write(args.output, newline="") as fh:
        out.to_csv(fh, index=False)
    if not args.quiet:
        print(f"wrote {args.output}: {len(out)} predictions")
    return 0


def _one_line(message):
    return " ".join(str(message).split())


def main(argv=None):
    """Run the ``penalized`` command.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (without the program name); None means ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on a user error (one line on stderr).

    Examples
    --------
    >>> from penalized.cli import main
    >>> main(["fit", "no-such-file.csv", "--target", "y", "--model", "lasso"])
    2
    """
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else 0
        if args.command is None:
            raise UsageError("choose a command: compare, fit or predict "
                             "(see penalized --help)")
        return args.func(args)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("pandas", "pyarrow", "matplotlib", "rich"):
            print(f"penalized: error: this command needs the package {exc.name}: {_EXTRA}",
                  file=sys.stderr)
            return 2
        raise
    except (UsageError, ValueError, OSError) as exc:
        if not _is_user_error(exc):
            raise
        print(f"penalized: error: {_describe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("penalized: interrupted", file=sys.stderr)
        return 130


def _is_user_error(exc):
    if isinstance(exc, (UsageError, OSError)):
        return True
    from .model_io import ModelFileError
    from .tables.data import DataError

    return isinstance(exc, (DataError, ModelFileError))


def _describe(exc):
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return _one_line(f"{exc.strerror}: {exc.filename}")
    return _one_line(exc)
