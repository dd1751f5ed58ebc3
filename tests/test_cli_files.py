"""The ``penalized`` command on the files people really have.

Each file is either read as the equivalent plain comma-separated file (the same model,
coefficient for coefficient, and the same predictions), or refused with exit status 2 and
one line ``penalized: error: ...`` on stderr, no traceback and no file written.
"""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from penalized.cli import main


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.normal(size=n).round(4),
        "x2": (rng.normal(size=n) * 5 + 3).round(4),
        "color": rng.choice(["red", "green", "blue"], n),
    })
    df["y"] = (1.5 * df.x1 - 0.3 * df.x2 + (df.color == "red") * 2.0
               + rng.normal(size=n) * 0.5).round(4)
    return df


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _fit(path, capsys, target="y", out="m.json"):
    code, _, err = _run(["fit", path, "--target", target, "--model", "lasso", "--alpha",
                         "0.05", "-o", out, "--quiet"], capsys)
    return code, err


def _model(path):
    """(coefficients in the plain file's feature order when the names match, else in
    the file's order; the intercept)."""
    doc = json.loads(Path(path).read_text())
    by_name = dict(zip(doc["feature_names"], doc["coef"], strict=True))
    plain = ["x1", "x2", "color=blue", "color=green", "color=red"]
    if sorted(by_name) == sorted(plain):  # else: renamed columns or levels, same order
        return [by_name[f] for f in plain], doc["intercept"]
    return doc["coef"], doc["intercept"]


def _assert_refused(code, out, err, before, where, message=None):
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("penalized: error: ")
    assert "Traceback" not in err and out == ""
    if message is not None:
        assert message in lines[0], lines[0]
    assert sorted(os.listdir(where)) == before


@pytest.fixture
def work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _table().to_csv("plain.csv", index=False)
    code, err = _fit("plain.csv", capsys, out="plain.json")
    assert code == 0, err
    return tmp_path


def _same_model_as_plain(name, capsys, target="y"):
    code, err = _fit(name, capsys, target=target)
    assert code == 0, err
    got, ref = _model("m.json"), _model("plain.json")
    assert len(got[0]) == len(ref[0])
    np.testing.assert_allclose(got[0], ref[0], rtol=0, atol=1e-12)
    assert got[1] == pytest.approx(ref[1], abs=1e-12)
    os.remove("m.json")


# --------------------------------------------------------------- read like the plain file

def _bom(df):
    Path("f.csv").write_bytes(b"\xef\xbb\xbf" + df.to_csv(index=False).encode())


def _semicolon(df):
    df.to_csv("f.csv", sep=";", index=False)


def _tab(df):
    df.to_csv("f.csv", sep="\t", index=False)


def _tab_tsv(df):
    df.to_csv("f.tsv", sep="\t", index=False)
    return "f.tsv"


def _crlf(df):
    Path("f.csv").write_bytes(df.to_csv(index=False, lineterminator="\r\n").encode())


def _quoted_everything(df):
    df.to_csv("f.csv", index=False, quoting=1)  # csv.QUOTE_ALL


def _bom_semicolon_crlf(df):
    text = df.to_csv(sep=";", index=False, lineterminator="\r\n")
    Path("f.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())


def _gzip(df):
    df.to_csv("f.csv.gz", index=False)
    return "f.csv.gz"


def _trailing_blank_lines(df):
    Path("f.csv").write_text(df.to_csv(index=False) + "\n\n")


def _columns_reordered(df):
    df[["y", "color", "x2", "x1"]].to_csv("f.csv", index=False)


SAME = {"utf-8 BOM": _bom, "semicolons": _semicolon, "tabs": _tab, "tsv": _tab_tsv,
        "CRLF": _crlf, "all fields quoted": _quoted_everything,
        "BOM + semicolons + CRLF": _bom_semicolon_crlf, "gzip": _gzip,
        "trailing blank lines": _trailing_blank_lines, "columns reordered": _columns_reordered}


@pytest.mark.parametrize("name", list(SAME))
def test_file_dialects_give_the_plain_model(work, capsys, name):
    path = SAME[name](_table()) or "f.csv"
    _same_model_as_plain(path, capsys)


def test_quoted_fields_with_commas_and_newlines(work, capsys):
    # a categorical column whose levels hold the delimiter, quotes and a newline
    df = _table()
    # (sorted as the plain levels, so the one-hot columns come in the same order)
    levels = {"red": 'red, bright', "green": 'green\n(dark)', "blue": 'blue "navy"'}
    odd = df.assign(color=df.color.map(levels))
    odd.to_csv("f.csv", index=False)
    _same_model_as_plain("f.csv", capsys)
    # and predict reads the same levels back
    odd.drop(columns="y").to_csv("new.csv", index=False)
    _table().drop(columns="y").to_csv("plain_new.csv", index=False)
    _fit("f.csv", capsys)
    assert _run(["predict", "m.json", "new.csv", "-o", "p1.csv"], capsys)[0] == 0
    assert _run(["predict", "plain.json", "plain_new.csv", "-o", "p2.csv"], capsys)[0] == 0
    np.testing.assert_allclose(pd.read_csv("p1.csv").prediction,
                               pd.read_csv("p2.csv").prediction, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["--target", "-o", "--alpha=3", "fit"])
def test_column_named_like_an_option(work, capsys, name):
    df = _table().rename(columns={"x1": name})
    df.to_csv("f.csv", index=False)
    _same_model_as_plain("f.csv", capsys)
    # and as the target (given as --target=NAME, as argparse needs for a leading dash)
    df = _table().rename(columns={"y": name})
    df.to_csv("g.csv", index=False)
    code, _, err = _run(["fit", "g.csv", f"--target={name}", "--model", "lasso", "--alpha",
                         "0.05", "-o", "m.json", "--quiet"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(_model("m.json")[0], _model("plain.json")[0], atol=1e-12)


def test_predict_with_extra_and_reordered_columns(work, capsys):
    new = _table(n=20, seed=1).drop(columns="y")
    new.to_csv("new.csv", index=False)
    new.assign(extra=1.0, notes="x")[["notes", "x2", "extra", "color", "x1"]] \
        .to_csv("odd.csv", index=False)
    assert _run(["predict", "plain.json", "new.csv", "-o", "p1.csv"], capsys)[0] == 0
    assert _run(["predict", "plain.json", "odd.csv", "-o", "p2.csv"], capsys)[0] == 0
    np.testing.assert_array_equal(pd.read_csv("p1.csv").prediction,
                                  pd.read_csv("p2.csv").prediction)


# ------------------------------------------------------------------ refused, one line

def _write(name, content):
    Path(name).write_bytes(content if isinstance(content, bytes) else content.encode())


def _duplicate_columns():
    _write("f.csv", _table().rename(columns={"x2": "x1"}).to_csv(index=False))


def _huge_line():
    df = _table()
    text = df.to_csv(index=False)
    _write("f.csv", text + "1," * 2_000_000 + "1\n")


def _huge_field():
    df = _table().astype({"color": object})
    df.loc[3, "color"] = "z" * 5_000_000
    df.to_csv("f.csv", index=False)


def _ragged_rows():
    _write("f.csv", "x1,x2,y\n1,2,3\n4,5\n6,7,8,9\n" + "1,2,3\n" * 20)


def _latin1():
    df = _table()
    df["color"] = df.color.replace({"red": "rouge é"})
    Path("f.csv").write_bytes(df.to_csv(index=False).encode("latin-1"))


def _utf16():
    Path("f.csv").write_bytes(_table().to_csv(index=False).encode("utf-16"))


def _nul_bytes():
    _write("f.csv", b"x1,x2,y\n1,2,3\n\x00\x00\x00\n1,2,3\n")


def _random_binary():
    _write("f.csv", np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)
           .tobytes())


def _only_delimiters():
    _write("f.csv", ",,,\n,,,\n,,,\n")


def _unclosed_quote():
    _write("f.csv", 'x1,x2,y\n1,"2,3\n' + "1,2,3\n" * 20)


REFUSED = {
    "duplicate column names": (_duplicate_columns, "duplicate column"),
    "a huge line": (_huge_line, None),
    "ragged rows": (_ragged_rows, None),
    "UTF-16": (_utf16, None),
    "NUL bytes": (_nul_bytes, None),
    "random binary": (_random_binary, None),
    "only delimiters": (_only_delimiters, None),
    "unclosed quote": (_unclosed_quote, None),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_unreadable_files_exit_2_with_one_line(work, capsys, name):
    prepare, message = REFUSED[name]
    prepare()
    before = sorted(os.listdir(work))
    code, out, err = _run(["fit", "f.csv", "--target", "y", "--model", "lasso", "--alpha",
                           "0.05", "-o", "m.json"], capsys)
    _assert_refused(code, out, err, before, work, message)


@pytest.mark.parametrize("name", ["a huge field", "latin-1"])
def test_odd_but_readable_files_fit_or_refuse_cleanly(work, capsys, name):
    {"a huge field": _huge_field, "latin-1": _latin1}[name]()
    before = sorted(os.listdir(work))
    code, out, err = _run(["fit", "f.csv", "--target", "y", "--model", "lasso", "--alpha",
                           "0.05", "-o", "m.json", "--quiet"], capsys)
    if code == 0:
        coef, _ = _model("m.json")
        assert np.all(np.isfinite(coef))
    else:
        _assert_refused(code, out, err, before, work)


# ------------------------------------------------------------ damaged model files

def _truncate(path):
    text = Path(path).read_text()
    Path(path).write_text(text[: len(text) // 2])


def _empty(path):
    Path(path).write_text("")


def _future_field(path):
    doc = json.loads(Path(path).read_text())
    doc["format_version"] = 99
    doc["new_thing"] = {"from": "the future"}
    Path(path).write_text(json.dumps(doc))


def _drop_field(path):
    doc = json.loads(Path(path).read_text())
    del doc["coef"]
    Path(path).write_text(json.dumps(doc))


def _wrong_type(path):
    doc = json.loads(Path(path).read_text())
    doc["coef"] = "many"
    Path(path).write_text(json.dumps(doc))


def _coef_shortened(path):
    doc = json.loads(Path(path).read_text())
    doc["coef"] = doc["coef"][:-1]
    Path(path).write_text(json.dumps(doc))


def _json_list(path):
    Path(path).write_text("[1, 2, 3]")


def _deep_json(path):
    Path(path).write_text("[" * 100_000 + "]" * 100_000)


def _huge_number(path):
    text = Path(path).read_text()
    doc = json.loads(text)
    Path(path).write_text(text.replace(repr(doc["intercept"]), "1" * 5000, 1))


def _binary(path):
    Path(path).write_bytes(b"\xff\xfe\x00garbage\x00")


DAMAGED = {"truncated": _truncate, "empty": _empty, "future version": _future_field,
           "missing field": _drop_field, "wrong type": _wrong_type,
           "coef shortened": _coef_shortened, "a JSON list": _json_list,
           "deeply nested": _deep_json, "a huge number": _huge_number, "binary": _binary}


@pytest.mark.parametrize("name", list(DAMAGED))
def test_damaged_model_files_exit_2_with_one_line(work, capsys, name):
    _table(n=10, seed=2).drop(columns="y").to_csv("new.csv", index=False)
    DAMAGED[name]("plain.json")
    before = sorted(os.listdir(work))
    code, out, err = _run(["predict", "plain.json", "new.csv", "-o", "p.csv"], capsys)
    _assert_refused(code, out, err, before, work)


@pytest.mark.parametrize("edit", ["drop", "rename", "text"])
def test_new_data_with_a_missing_or_unusable_column(work, capsys, edit):
    new = _table(n=10, seed=2).drop(columns="y")
    if edit == "drop":
        new = new.drop(columns="x2")
    elif edit == "rename":
        new = new.rename(columns={"x1": "X1"})
    else:
        new["x1"] = "abc"
    new.to_csv("new.csv", index=False)
    before = sorted(os.listdir(work))
    code, out, err = _run(["predict", "plain.json", "new.csv", "-o", "p.csv"], capsys)
    _assert_refused(code, out, err, before, work)
