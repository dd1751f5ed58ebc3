"""The data layer of the command line: reading tables, the target, the feature encoding.

References are written by hand (expected one-hot matrices, medians) or computed with
pandas / numpy directly, never with penalized.
"""

import gzip
import importlib.util
import os
import zlib

import numpy as np
import pandas as pd
import pytest

from penalized.tables.data import (
    DataError,
    Preprocessor,
    infer_task,
    load_example,
    read_table,
    split_target,
)
from penalized.tables.files import atomic_write

HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None
# the first bytes of a real 1x1 PNG image
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01")


def _write(path, text, mode="w"):
    with open(path, mode) as fh:
        fh.write(text)
    return path


# ---------------------------------------------------------------- read_table


@pytest.mark.parametrize("sep, name", [(",", "d.csv"), (";", "d.csv"), ("\t", "d.tsv"),
                                       ("\t", "d.txt"), ("|", "d.csv")])
def test_read_delimited(tmp_path, sep, name):
    text = sep.join(["x", "color", "y"]) + "\n" + sep.join(["1.5", "red", "3"]) + "\n" \
        + sep.join(["-2", "blue", "4"]) + "\n"
    df = read_table(_write(tmp_path / name, text))
    assert df.columns.tolist() == ["x", "color", "y"]
    assert df["x"].tolist() == [1.5, -2.0]
    assert df["color"].tolist() == ["red", "blue"]
    assert df["y"].tolist() == [3, 4]


def test_read_csv_gz_and_quotes(tmp_path):
    path = tmp_path / "d.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('a,"b, c"\n1,"x, y"\n2,z\n')
    df = read_table(path)
    assert df.columns.tolist() == ["a", "b, c"]
    assert df["b, c"].tolist() == ["x, y", "z"]


def test_read_trailing_delimiters(tmp_path):
    df = read_table(_write(tmp_path / "d.csv", "a,b\n1,2,\n3,4,\n"))
    assert df.to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_read_single_column_and_bom(tmp_path):
    df = read_table(_write(tmp_path / "d.csv", "\ufeffvalue\n1\n2\n", "w"))
    assert df.columns.tolist() == ["value"]
    assert df["value"].tolist() == [1, 2]


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed")
def test_read_parquet(tmp_path):
    ref = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["u", "v", "u"], "y": [0, 1, 0]})
    ref.to_parquet(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "d.parquet"), ref)


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed")
def test_read_parquet_garbage(tmp_path):
    _write(tmp_path / "d.parquet", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"d\.parquet is not a valid Parquet file"):
        read_table(tmp_path / "d.parquet")


@pytest.mark.parametrize("content, mode, match", [
    ("", "w", r"^e\.csv is empty$"),
    ("   \n\n", "w", r"^e\.csv is empty$"),
    ("a,b,y\n", "w", r"^e\.csv has a header but no data rows$"),
    ("a,b,a\n1,2,3\n", "w", r"^e\.csv has duplicate column names: 'a'$"),
    (PNG, "wb", r"^e\.csv is a binary file, not a CSV text file$"),
    (PNG[:8] + zlib.compress(b"pixels" * 50), "wb", r"binary file"),
    (bytes(range(256)) * 4, "wb", r"binary file"),
    (np.random.default_rng(0).integers(1, 256, 500, dtype=np.uint8).tobytes(), "wb",
     r"binary file"),
    ("a,b\n1,2\n".encode("utf-16"), "wb", r"^e\.csv is UTF-16 text; save it as UTF-8 CSV$"),
    ("caf\xe9,b\n1,2\n".encode("latin-1"), "wb", r"is not UTF-8 text"),
    ("a,b\n1,2\n3,4,5,6\n", "w", r"^e\.csv is not a valid CSV file: .*Expected 2 fields"),
    ("a,b\n1,2,3\n4,5,6\n", "w", r"^e\.csv has rows with more fields than its header \(2 "),
])
def test_read_bad_files(tmp_path, content, mode, match):
    path = _write(tmp_path / "e.csv", content, mode)
    with pytest.raises(DataError, match=match) as info:
        read_table(path)
    assert "\n" not in str(info.value)


def test_read_missing_and_directory(tmp_path):
    with pytest.raises(DataError, match=r"^file not found: .*nope\.csv$"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_table(tmp_path)


# ---------------------------------------------------------------- example, target, task


def test_load_example_is_unscaled_diabetes():
    from sklearn.datasets import load_diabetes

    df, target = load_example()
    ref = load_diabetes(scaled=False)
    assert target == "target" and df.shape == (442, 11)
    assert df.columns.tolist() == list(ref.feature_names) + ["target"]
    np.testing.assert_array_equal(df.drop(columns="target").to_numpy(), ref.data)
    np.testing.assert_array_equal(df["target"].to_numpy(), ref.target)


def test_split_target():
    df = pd.DataFrame({"a": [1, 2], "price": [3.0, 4.0], "b": ["x", "y"]})
    X, y = split_target(df, "price")
    assert X.columns.tolist() == ["a", "b"] and y.tolist() == [3.0, 4.0]
    with pytest.raises(DataError, match=r"^target column 'prize' not found; did you mean "
                                        r"'price'\?$"):
        split_target(df, "prize")
    with pytest.raises(DataError, match=r"'zzz' not found; columns are 'a', 'price', 'b'"):
        split_target(df, "zzz")
    with pytest.raises(DataError, match=r"'price' has 1 missing value \(of 2 rows\)"):
        split_target(df.assign(price=[1.0, np.nan]), "price")
    with pytest.raises(DataError, match=r"no feature columns: 'a' is the only column"):
        split_target(df[["a"]], "a")


@pytest.mark.parametrize("values, expected", [
    ([0.5, 1.5, 2.5, 3.0], "regression"),
    (list(range(20)), "regression"),             # integers, many distinct values
    ([0, 1, 0, 1, 1], "classification"),
    ([1, 2, 3, 1, 2, 3], "classification"),
    (["a", "b", "a", "b"], "classification"),
    ([True, False, True, False], "classification"),
])
def test_infer_task_auto(values, expected):
    assert infer_task(pd.Series(values, name="y")) == expected


def test_infer_task_errors():
    text = pd.Series(["a", "b", "a", "b"], name="y")
    with pytest.raises(DataError, match=r"^target column 'y' is not numeric \(dtype .*'a'\), so "
                                        r"it cannot be a regression target; use --task "
                                        r"classification"):
        infer_task(text, "regression")
    with pytest.raises(DataError, match=r"single class \('a'\)"):
        infer_task(pd.Series(["a"] * 4, name="y"))
    with pytest.raises(DataError, match=r"single class \(1\)"):
        infer_task(pd.Series([1, 1, 1], name="y"), "classification")
    with pytest.raises(DataError, match=r"constant"):
        infer_task(pd.Series([2.0, 2.0, 2.0], name="y"), "regression")
    with pytest.raises(DataError, match=r"fewer than 2 samples: 'c' \(1\)"):
        infer_task(pd.Series(["a", "a", "b", "b", "c"], name="y"))
    with pytest.raises(DataError, match=r"fewer than 3 samples: 'b' \(2\)"):
        infer_task(pd.Series(["a", "a", "a", "b", "b"], name="y"), min_class_count=3)
    with pytest.raises(DataError, match=r"non-integer numbers"):
        infer_task(pd.Series([0.5, 1.0, 0.5, 1.0], name="y"), "classification")
    with pytest.raises(DataError, match=r"infinite"):
        infer_task(pd.Series([0.5, np.inf, 0.5, 1.0], name="y"), "regression")
    with pytest.raises(DataError, match=r"task must be one of"):
        infer_task(text, "clustering")


# ---------------------------------------------------------------- Preprocessor


def _frame():
    return pd.DataFrame({
        "size": [1.0, 2.0, 4.0, 3.0],
        "color": ["red", "blue", "red", "green"],
        "flag": [True, False, True, True],
        "grade": pd.Categorical(["b", "a", "b", "b"], categories=["a", "b", "c"]),
    })


def test_one_hot_names_and_values():
    X = _frame()
    pre = Preprocessor().fit(X)
    assert pre.feature_names_ == ["size", "color=blue", "color=green", "color=red",
                                  "flag=False", "flag=True", "grade=a", "grade=b"]
    expected = np.array([
        [1, 0, 0, 1, 0, 1, 0, 1],
        [2, 1, 0, 0, 1, 0, 1, 0],
        [4, 0, 0, 1, 0, 1, 0, 1],
        [3, 0, 1, 0, 0, 1, 0, 1],
    ], dtype=float)
    Z = pre.transform(X)
    assert Z.dtype == np.float64 and Z.flags.f_contiguous
    np.testing.assert_array_equal(Z, expected)
    # same as pandas' own dummies (all levels, no reference dropped)
    dummies = pd.get_dummies(X.astype({"flag": str, "grade": str}), dtype=float)
    np.testing.assert_array_equal(Z[:, 1:6], dummies.iloc[:, 1:6].to_numpy())


def test_unseen_level_extra_columns_and_order():
    pre = Preprocessor().fit(_frame())
    new = pd.DataFrame({"target": [9, 9], "grade": ["c", "a"], "flag": [False, True],
                        "color": ["purple", "blue"], "size": [7.0, 8.0]})
    np.testing.assert_array_equal(pre.transform(new), [[7, 0, 0, 0, 1, 0, 0, 0],
                                                       [8, 1, 0, 0, 0, 1, 1, 0]])


def test_constant_column_is_kept():
    X = pd.DataFrame({"c": [5.0, 5.0, 5.0], "k": ["u", "u", "u"]})
    pre = Preprocessor().fit(X)
    assert pre.feature_names_ == ["c", "k=u"]
    np.testing.assert_array_equal(pre.transform(X), [[5, 1]] * 3)


def test_missing_values_need_impute():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, 10.0], "b": ["x", None, "y", "y"],
                      "c": [1, 2, 3, 4]})
    with pytest.raises(DataError, match=r"^missing values in columns 'a' \(1\), 'b' \(1\); "
                                        r"use --impute median or --impute most_frequent"):
        Preprocessor().fit(X)


def test_impute_median_and_most_frequent():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, 10.0, 1.0], "b": ["x", None, "y", "y", "x"]})
    med = Preprocessor(impute="median").fit(X)
    # numeric median of the observed values, categorical most frequent (tie -> smallest)
    assert med.fill_ == {"a": float(np.median([1.0, 3.0, 10.0, 1.0])), "b": "x"}
    np.testing.assert_array_equal(med.transform(X)[1], [2.0, 1.0, 0.0])
    mf = Preprocessor(impute="most_frequent").fit(X)
    assert mf.fill_ == {"a": 1.0, "b": "x"}
    # missing values at transform time are imputed too, even in a column complete in fit
    full = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    pre = Preprocessor(impute="median").fit(full)
    np.testing.assert_array_equal(pre.transform(pd.DataFrame({"a": [np.nan], "b": [None]})),
                                  [[1.5, 1.0, 0.0]])


def test_missing_at_transform_without_impute():
    pre = Preprocessor().fit(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    with pytest.raises(DataError, match=r"missing values in columns 'a' \(1\); the model was "
                                        r"fitted without imputation"):
        pre.transform(pd.DataFrame({"a": [np.nan, 1.0], "b": ["x", "y"]}))


@pytest.mark.parametrize("impute", [None, "median", "most_frequent"])
def test_all_missing_column(impute):
    X = pd.DataFrame({"a": [1.0, 2.0], "gone": [np.nan, np.nan], "b": ["x", "y"]})
    with pytest.raises(DataError, match=r"^column 'gone' is entirely missing; drop it$"):
        Preprocessor(impute=impute).fit(X)


def test_transform_errors():
    pre = Preprocessor().fit(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [0, 1]}))
    with pytest.raises(DataError, match=r"lacks columns 'a', 'c' used by the model"):
        pre.transform(pd.DataFrame({"b": ["x"]}))
    with pytest.raises(DataError, match=r"column 'a' should be numeric but has non-numeric "
                                        r"values such as 'n/a'"):
        pre.transform(pd.DataFrame({"a": ["1.5", "n/a"], "b": ["x", "y"], "c": [0, 1]}))
    with pytest.raises(DataError, match=r"column 'a' has infinite values"):
        pre.transform(pd.DataFrame({"a": [np.inf], "b": ["x"], "c": [0]}))
    with pytest.raises(DataError, match=r"unsupported dtype"):
        Preprocessor().fit(pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2021-01-01"])}))


def test_feature_name_collision():
    X = pd.DataFrame({"a=b": [1.0, 2.0], "a": ["b", "c"]})
    with pytest.raises(DataError, match=r"encoded feature names collide: 'a=b'"):
        Preprocessor().fit(X)


def test_to_dict_round_trip_is_json():
    import json

    X = _frame().assign(size=[1.0, np.nan, 4.0, 3.0])
    pre = Preprocessor(impute="median").fit(X)
    d = json.loads(json.dumps(pre.to_dict()))
    again = Preprocessor.from_dict(d)
    assert again.feature_names_ == pre.feature_names_
    np.testing.assert_array_equal(again.transform(X), pre.transform(X))
    d["columns"][1]["levels"].append("blue")
    with pytest.raises(DataError, match="duplicate levels"):
        Preprocessor.from_dict(d)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_write(target) as fh:
        fh.write("first")
    with pytest.raises(ZeroDivisionError), atomic_write(target) as fh:
        fh.write("second, partial")
        1 / 0  # noqa: B018
    assert os.listdir(tmp_path) == ["out.csv"]
    assert target.read_text() == "first"
    with atomic_write(target, "wb") as fh:
        fh.write(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["out.csv"]
