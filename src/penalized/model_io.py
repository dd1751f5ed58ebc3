"""Model files: fitted linear models stored as plain, checksummed JSON (never pickle).

A model file holds everything needed to predict from a table: the feature encoding
(:class:`penalized.tables.data.Preprocessor`), the coefficients and intercepts, the
classes, and how the model was chosen. Loading it executes no code, so a model file
from an untrusted source is safe to open; the SHA-256 digest only detects accidental
corruption or hand edits (anyone can recompute it), it is not a signature.

Layout (``format_version`` 1)::

    {
      "format": "penalized-model", "format_version": 1, "penalized_version": "0.1.0",
      "kind": "lasso" | "ridge" | "elasticnet" | "logistic-l1" | "logistic-l2"
              | "logistic-elasticnet",
      "task": "regression" | "classification",
      "feature_names": [...],           # the Preprocessor's output columns
      "coef": [...] | [[...], ...],     # one row per class for more than 2 classes
      "intercept": float | [...],
      "classes": [...] | null, "classes_kind": "i" | "u" | "f" | "b" | "O" | null,
      "alpha": float, "l1_ratio": float, "alpha_rule": "min" | "1se" | "value",
      "preprocessor": {...},            # Preprocessor.to_dict()
      "target": str | null, "n_samples": int | null, "cv": int | null,
      "standardize": bool | null,       # as fitted (informational)
      "offset": str | null,             # column added to the linear predictor
      "exposure": str | null,           # column whose log is added to it
      "sha256": "<hex digest of the canonical JSON of all the other fields>"
    }

A model with an offset or an exposure column is written as ``format_version`` 2 (a
penalized that only knows version 1 refuses it rather than predicting without the
offset); every other model stays version 1.

For two classes ``coef`` and ``intercept`` give the decision function of
``classes[1]`` (as scikit-learn's binary ``coef_[0]``).
"""

import hashlib
import json
import math
import os

import numpy as np
import pandas as pd
from scipy.special import expit, log_softmax

from .tables.data import DataError, Preprocessor
from .tables.files import atomic_write

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "KINDS",
    "ModelFileError",
    "ModelPredictor",
    "load_model",
    "model_payload",
    "predict_frame",
    "save_model",
]

FORMAT = "penalized-model"
FORMAT_VERSION = 2
#: model kind -> task
KINDS = {
    "lasso": "regression",
    "ridge": "regression",
    "elasticnet": "regression",
    "logistic-l1": "classification",
    "logistic-l2": "classification",
    "logistic-elasticnet": "classification",
}
_RULES = ("min", "1se", "value")
_CLASS_KINDS = {"i": int, "u": int, "f": float, "b": bool, "O": str, "U": str}


class ModelFileError(ValueError):
    """A model file that cannot be used, described in one line.

    Examples
    --------
    >>> from penalized.model_io import ModelFileError
    >>> str(ModelFileError("m.json is not JSON"))
    'm.json is not JSON'
    """

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))


def _canonical(doc):
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _digest(doc):
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _numbers(values, what, n=None):
    if not isinstance(values, list) or not all(_is_number(v) for v in values):
        raise ModelFileError(f"{what} must be a list of finite numbers")
    if n is not None and len(values) != n:
        raise ModelFileError(f"{what} has {len(values)} values, expected {n}")
    return values


def _check(doc, source):
    """Validate a model document (everything but the digest); raise ModelFileError."""
    def need(key, types, what=None):
        if key not in doc:
            raise ModelFileError(f"{source}: field {key!r} is missing")
        if not isinstance(doc[key], types) or isinstance(doc[key], bool):
            raise ModelFileError(f"{source}: field {key!r} must be {what or types}")
        return doc[key]

    kind = need("kind", str, "a string")
    if kind not in KINDS:
        raise ModelFileError(f"{source}: unknown model kind {kind!r}")
    task = need("task", str, "a string")
    if task != KINDS[kind]:
        raise ModelFileError(f"{source}: task {task!r} does not match model kind {kind!r}")
    names = need("feature_names", list, "a list")
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ModelFileError(f"{source}: feature_names must be distinct strings")
    p = len(names)
    try:
        pre = Preprocessor.from_dict(need("preprocessor", dict, "an object"))
    except DataError as exc:
        raise ModelFileError(f"{source}: bad preprocessor: {exc}") from None
    if pre.feature_names_ != names:
        raise ModelFileError(f"{source}: the preprocessor's features do not match "
                             "feature_names")
    for key, low, high in (("alpha", 0.0, math.inf), ("l1_ratio", 0.0, 1.0)):
        value = need(key, (int, float), "a number")
        if not (_is_number(value) and low <= value <= high):
            raise ModelFileError(f"{source}: {key} must be a finite number in [{low}, {high}]")
    if need("alpha_rule", str, "a string") not in _RULES:
        raise ModelFileError(f"{source}: alpha_rule must be one of {', '.join(_RULES)}")
    for key, types in (("target", str), ("n_samples", int), ("cv", int)):
        if doc.get(key) is not None and (not isinstance(doc[key], types)
                                         or isinstance(doc[key], bool)):
            raise ModelFileError(f"{source}: field {key!r} has the wrong type")
    if doc.get("standardize") is not None and not isinstance(doc["standardize"], bool):
        raise ModelFileError(f"{source}: field 'standardize' must be true or false")
    for key in ("offset", "exposure"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise ModelFileError(f"{source}: field {key!r} must be a column name or null")
    if (doc.get("offset") or doc.get("exposure")) and doc.get("format_version", 2) < 2:
        raise ModelFileError(f"{source}: an offset needs format_version 2")
    coef, intercept = doc.get("coef"), doc.get("intercept")
    if task == "regression":
        if doc.get("classes") is not None:
            raise ModelFileError(f"{source}: a regression model has no classes")
        _numbers(coef, f"{source}: coef", p)
        if not _is_number(intercept):
            raise ModelFileError(f"{source}: intercept must be a finite number")
        return
    classes = need("classes", list, "a list")
    ckind = need("classes_kind", str, "a string")
    if ckind not in _CLASS_KINDS:
        raise ModelFileError(f"{source}: unknown classes_kind {ckind!r}")
    typ = _CLASS_KINDS[ckind]
    ok = all(isinstance(c, typ) and (typ is bool or not isinstance(c, bool))
             and (typ is not float or math.isfinite(c)) for c in classes)
    if not ok or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ModelFileError(f"{source}: classes must be at least 2 distinct values of "
                             f"kind {ckind!r}")
    K = len(classes)
    if K == 2:
        _numbers(coef, f"{source}: coef", p)
        if not _is_number(intercept):
            raise ModelFileError(f"{source}: intercept must be a finite number")
        return
    if not isinstance(coef, list) or len(coef) != K:
        raise ModelFileError(f"{source}: coef must have one row per class ({K})")
    for row in coef:
        _numbers(row, f"{source}: a coef row", p)
    _numbers(intercept, f"{source}: intercept", K)


def model_payload(estimator, preprocessor, kind, *, alpha_rule, target=None, cv=None,
                  n_samples=None, offset=None, exposure=None):
    """Describe a fitted penalized estimator and its preprocessing as a model document.

    Parameters
    ----------
    estimator : fitted estimator
        ``Lasso``, ``Ridge``, ``ElasticNet``, ``LogisticRegression`` or one of their
        cross-validated versions (which store ``alpha_`` and ``l1_ratio_``).
    preprocessor : Preprocessor
        Fitted; its ``feature_names_`` are the estimator's columns.
    kind : str
        One of :data:`KINDS`.
    alpha_rule : {"min", "1se", "value"}
        How alpha was chosen.
    target, cv, n_samples : optional
        Recorded as they are (target column name, number of folds, training rows).
    offset, exposure : str, optional
        The columns of the offset and of the exposure (its log is added to the offset)
        the model was fitted with; predictions read them from the data.

    Returns
    -------
    dict
        Ready for :func:`save_model`.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from penalized import LogisticRegression
    >>> from penalized.model_io import model_payload
    >>> from penalized.tables.data import Preprocessor
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "g": list("ababab")})
    >>> y = ["no", "no", "yes", "no", "yes", "yes"]
    >>> pre = Preprocessor().fit(df)
    >>> clf = LogisticRegression(alpha=0.01).fit(pre.transform(df), y)
    >>> doc = model_payload(clf, pre, "logistic-l2", alpha_rule="value")
    >>> doc["classes"], doc["classes_kind"], doc["feature_names"], doc["l1_ratio"]
    (['no', 'yes'], 'O', ['x', 'g=a', 'g=b'], 0.0)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    alpha = getattr(estimator, "alpha_", None)
    alpha = estimator.alpha if alpha is None else alpha
    l1_ratio = getattr(estimator, "l1_ratio_", None)
    if l1_ratio is not None and np.ndim(l1_ratio):  # scikit-learn's legacy LogisticRegressionCV
        l1_ratio = np.ravel(l1_ratio)[0] if np.size(l1_ratio) else None
    if l1_ratio is None:
        fixed = {"lasso": 1.0, "ridge": 0.0, "logistic-l1": 1.0, "logistic-l2": 0.0}
        l1_ratio = fixed[kind] if kind in fixed else estimator.l1_ratio
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    intercept = np.asarray(estimator.intercept_, dtype=np.float64)
    doc = {
        "kind": kind, "task": KINDS[kind], "feature_names": list(preprocessor.feature_names_),
        "alpha": float(alpha), "l1_ratio": float(l1_ratio), "alpha_rule": alpha_rule,
        "preprocessor": preprocessor.to_dict(), "target": target, "cv": cv,
        "n_samples": None if n_samples is None else int(n_samples),
        "classes": None, "classes_kind": None,
        "standardize": bool(getattr(estimator, "standardize", False)),
    }
    if offset is not None or exposure is not None:
        doc["offset"], doc["exposure"] = offset, exposure
    if KINDS[kind] == "regression":
        doc["coef"] = coef.ravel().tolist()
        doc["intercept"] = float(intercept.ravel()[0])
        return doc
    classes = np.asarray(estimator.classes_)
    ckind = classes.dtype.kind
    values = [v.item() if isinstance(v, np.generic) else v for v in classes.tolist()]
    if ckind in "OUS":
        ckind, values = "O", [str(v) for v in values]
    doc["classes"], doc["classes_kind"] = values, ckind
    if classes.size == 2:
        doc["coef"] = coef.reshape(-1).tolist()
        doc["intercept"] = float(intercept.ravel()[0])
    else:
        doc["coef"] = coef.tolist()
        doc["intercept"] = intercept.ravel().tolist()
    return doc


def save_model(path, payload):
    """Validate a model document and write it, with its digest, as JSON atomically.

    Parameters
    ----------
    path : str or path-like
    payload : dict
        As returned by :func:`model_payload`; ``format``, ``format_version``,
        ``penalized_version`` (if absent) and ``sha256`` are added.

    Returns
    -------
    dict
        The document written.

    Raises
    ------
    ModelFileError
        If the payload is not a valid model (e.g. non-finite coefficients).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from penalized import Lasso
    >>> from penalized.model_io import load_model, model_payload, predict_frame, save_model
    >>> from penalized.tables.data import Preprocessor
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "g": ["a", "b", "a", "b"]})
    >>> pre = Preprocessor().fit(df)
    >>> est = Lasso(alpha=0.01).fit(pre.transform(df), [0.1, 1.2, 1.9, 3.1])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> _ = save_model(path, model_payload(est, pre, "lasso", alpha_rule="value"))
    >>> model = load_model(path)
    >>> model["kind"], model["format_version"]
    ('lasso', 1)
    >>> bool(abs(predict_frame(model, df)["prediction"] - est.predict(pre.transform(df))).max()
    ...      < 1e-12)
    True
    """
    from . import __version__

    doc = dict(payload)
    doc.pop("sha256", None)
    doc["format"] = FORMAT
    doc["format_version"] = 2 if (doc.get("offset") or doc.get("exposure")) else 1
    doc.setdefault("penalized_version", __version__)
    _check(doc, "model")
    try:
        doc["sha256"] = _digest(doc)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot store the model as JSON: {exc}") from None
    text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
    with atomic_write(path) as fh:
        fh.write(text + "\n")
    return doc


def _reject_constant(name):
    raise ValueError(f"non-finite number {name}")


def load_model(path):
    """Read and check a model file written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        The validated model document.

    Raises
    ------
    ModelFileError
        If the file is missing or unreadable, is not JSON (or has NaN / Infinity), is
        not a penalized model, has a newer ``format_version`` than this penalized
        supports, fails its SHA-256 check (modified or corrupted), or has missing,
        ill-typed, non-finite or inconsistent fields.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from penalized import LogisticRegression
    >>> from penalized.model_io import ModelFileError, load_model, model_payload, save_model
    >>> from penalized.tables.data import Preprocessor
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "g": list("ababab")})
    >>> y = ["no", "no", "yes", "no", "yes", "yes"]
    >>> pre = Preprocessor().fit(df)
    >>> clf = LogisticRegression(alpha=0.01).fit(pre.transform(df), y)
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.json")
    >>> _ = save_model(path, model_payload(clf, pre, "logistic-l2", alpha_rule="value"))
    >>> load_model(path)["classes"]
    ['no', 'yes']
    >>> text = open(path).read()
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(text.replace('"alpha": 0.01', '"alpha": 0.02'))
    >>> try:
    ...     load_model(path)
    ... except ModelFileError as exc:
    ...     print(exc)
    clf.json was modified or corrupted (its SHA-256 digest does not match its content)
    """
    name = os.path.basename(os.fspath(path)) or os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {os.fspath(path)}") from None
    except IsADirectoryError:
        raise ModelFileError(f"{os.fspath(path)} is a directory, not a model file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {name}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ModelFileError(f"{name} is not a penalized model file (not valid JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{name} is not a penalized model file "
                             f"(expected \"format\": \"{FORMAT}\")")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{name}: format_version must be a positive integer")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"model file format version {version} is newer than this "
                             f"penalized (supports {FORMAT_VERSION}): upgrade penalized")
    digest = doc.get("sha256")
    if not isinstance(digest, str):
        raise ModelFileError(f"{name}: the sha256 field is missing")
    if digest != _digest(doc):
        raise ModelFileError(f"{name} was modified or corrupted (its SHA-256 digest does "
                             "not match its content)")
    _check(doc, name)
    return doc


def _proba(d):
    if d.ndim == 1:
        p1 = expit(d)
        return np.column_stack([1.0 - p1, p1])
    return np.exp(log_softmax(d, axis=1))


def _argmax(d):
    return (d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)


class ModelPredictor:
    """Predict from a loaded model document, without any estimator object.

    Applies the stored :class:`~penalized.tables.data.Preprocessor`, then the linear
    model: ``X @ coef + intercept`` for regression; for classification the decision
    function, probabilities (sigmoid for two classes, softmax for more) and the most
    probable class.

    Parameters
    ----------
    model : dict
        As returned by :func:`load_model` (or :func:`save_model`).
    offset, exposure : str, default=None
        Column names of the offset and the exposure replacing the model's recorded
        ones (``model["offset"]``, ``model["exposure"]``).

    Attributes
    ----------
    task : str
    classes_ : ndarray or None
        With the dtype of the training labels.
    feature_names_ : list of str

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from penalized import LogisticRegression
    >>> from penalized.model_io import ModelPredictor, model_payload
    >>> from penalized.tables.data import Preprocessor
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "g": list("ababab")})
    >>> y = ["no", "no", "yes", "no", "yes", "yes"]
    >>> pre = Preprocessor().fit(df)
    >>> clf = LogisticRegression(alpha=0.01).fit(pre.transform(df), y)
    >>> pred = ModelPredictor(model_payload(clf, pre, "logistic-l2", alpha_rule="value"))
    >>> bool((pred.predict(df) == clf.predict(pre.transform(df))).all())
    True
    >>> bool(abs(pred.predict_proba(df) - clf.predict_proba(pre.transform(df))).max() < 1e-12)
    True
    """

    def __init__(self, model, offset=None, exposure=None):
        self.model = model
        self.offset = offset if offset is not None else model.get("offset")
        self.exposure = exposure if exposure is not None else model.get("exposure")
        self.task = model["task"]
        self.preprocessor = Preprocessor.from_dict(model["preprocessor"])
        self.feature_names_ = list(model["feature_names"])
        self.coef_ = np.asarray(model["coef"], dtype=np.float64)
        self.intercept_ = np.asarray(model["intercept"], dtype=np.float64)
        self.classes_ = None
        if self.task == "classification":
            kind = model["classes_kind"]
            dtype = {"i": np.int64, "u": np.uint64, "f": np.float64, "b": bool,
                     "O": object}[kind]
            self.classes_ = np.array(model["classes"], dtype=dtype)

    def transform(self, df):
        """The encoded design matrix of ``df`` (extra columns are ignored)."""
        return self.preprocessor.transform(df)

    def decision_function(self, df):
        """``X @ coef.T + intercept`` (+ the offset columns): shape (n,) (regression, 2
        classes) or (n, K)."""
        from .tables.data import take_offset

        df, off = take_offset(df, self.offset, self.exposure)
        # row by row (C order, a sum per row): a row's prediction does not depend on the
        # other rows or their order (a BLAS product's rounding depends on the layout)
        X = np.ascontiguousarray(self.transform(df), dtype=np.float64)
        if self.coef_.ndim == 1:
            out = (X * self.coef_).sum(axis=1) + self.intercept_
            return out if off is None else out + off
        return np.column_stack([(X * c).sum(axis=1) for c in self.coef_]) + self.intercept_

    def predict_proba(self, df):
        """Class probabilities, shape (n_samples, n_classes)."""
        if self.task != "classification":
            raise ValueError("predict_proba needs a classification model")
        return _proba(self.decision_function(df))

    def predict(self, df):
        """Predicted values (regression) or classes (classification)."""
        d = self.decision_function(df)
        return d if self.task == "regression" else self.classes_[_argmax(d)]


def predict_frame(model, df, offset=None, exposure=None):
    """Predictions for every row of ``df`` as a DataFrame, in the same order.

    Parameters
    ----------
    model : dict
        A loaded model (:func:`load_model`).
    df : pandas.DataFrame
        The features (a target column, or any other extra column, is ignored), and the
        model's offset / exposure columns when it has them.
    offset, exposure : str, default=None
        Column names replacing the model's recorded ones.

    Returns
    -------
    pandas.DataFrame
        Column ``"prediction"``; for classifiers also ``"proba_<class>"`` per class.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from penalized import LogisticRegression
    >>> from penalized.model_io import model_payload, predict_frame
    >>> from penalized.tables.data import Preprocessor
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "g": list("ababab")})
    >>> y = ["no", "no", "yes", "no", "yes", "yes"]
    >>> pre = Preprocessor().fit(df)
    >>> clf = LogisticRegression(alpha=0.01).fit(pre.transform(df), y)
    >>> out = predict_frame(model_payload(clf, pre, "logistic-l2", alpha_rule="value"), df)
    >>> out.columns.tolist(), len(out)
    (['prediction', 'proba_no', 'proba_yes'], 6)
    """
    pred = ModelPredictor(model, offset, exposure)
    if pred.task == "regression":
        return pd.DataFrame({"prediction": pred.predict(df)}, index=df.index)
    d = pred.decision_function(df)
    proba = _proba(d)
    out = {"prediction": pred.classes_[_argmax(d)]}
    for k, c in enumerate(pred.classes_):
        out[f"proba_{c}"] = proba[:, k]
    return pd.DataFrame(out, index=df.index)
