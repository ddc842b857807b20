"""Samples from CSV files: what is accepted, and every refusal naming its line."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.model import FileError, load_samples_csv, parse_samples_csv


@pytest.mark.parametrize(
    "text",
    [
        "0.1,0\n0.5,1\n0.9,1\n",
        "x,y\n0.1,0\n0.5,1\n0.9,1\n",
        "X , Y\n0.1,0\n0.5,1\n0.9,1",
        "y,x\n0,0.1\n1,0.5\n1,0.9\n",
        "\n x , y \n\n 0.1 , 0 \n0.5,1\r\n\n0.9,1\n\n",
        '"x","y"\n"0.1","0"\n0.5,1\n0.9,1e0\n',
    ],
)
def test_accepted_layouts(text):
    samples = parse_samples_csv(text)
    assert samples.x[:, 0].tolist() == [0.1, 0.5, 0.9]
    assert samples.y[:, 0].tolist() == [0.0, 1.0, 1.0]


@settings(max_examples=50)
@given(st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False),
                          st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=20), st.booleans())
def test_numbers_round_trip_exactly(pairs, header):
    text = ("x,y\n" if header else "") + "".join(f"{x!r},{y!r}\n" for x, y in pairs)
    samples = parse_samples_csv(text)
    assert samples.x[:, 0].tolist() == [x for x, _ in pairs]
    assert samples.y[:, 0].tolist() == [y for _, y in pairs]


@pytest.mark.parametrize(
    "text, words",
    [
        ("x,y\n0,0\n0.3,abc\n", ["line 3", "column y", "'abc' is not a number"]),
        ("0,0\nabc,1\n", ["line 2", "column x", "'abc' is not a number"]),
        ("x,y\n0,0\n\n0.5\n", ["line 4", "one column"]),
        ("x,y\n0,0\n0.5,\n", ["line 3", "column y is empty"]),
        ("x,y\n,1\n", ["line 2", "column x is empty"]),
        ("x,y\n0,nan\n", ["line 2", "column y", "'nan' is not a finite number"]),
        ("x,y\n0,0\n1,NaN\n", ["line 3", "not a finite number"]),
        ("x,y\ninf,0\n", ["line 2", "column x", "not a finite number"]),
        ("x,y\n-Infinity,0\n", ["line 2", "not a finite number"]),
        ("x,y\n1e400,0\n", ["line 2", "not a finite number"]),
        ("x,y\n0,0,0\n", ["line 2", "3 columns; expected two"]),
        ("0,0\n1,1,\n", ["line 2", "3 columns"]),
        ("a,b\n0,0\n", ["line 1", "header naming the columns x and y"]),
        ("x,x\n0,0\n", ["line 1", "header"]),
        ("0;1\n", ["line 1", "header"]),
        ("1;2\n", ["line 1", "header"]),
        ("0,1\n0;1\n", ["line 2", "one column"]),
        ("x,y\n0,0\nx,y\n", ["line 3", "'x' is not a number"]),
        ("", ["no samples", "empty"]),
        ("\n \n\n", ["no samples", "empty"]),
        ("x,y\n", ["no samples", "only a header"]),
        ('x,y\n"0,1\n', ["line 2"]),
    ],
)
def test_refused_with_the_line_named(text, words):
    with pytest.raises(FileError) as info:
        parse_samples_csv(text, "lesson.csv")
    message = str(info.value)
    assert message.startswith("lesson.csv: ")
    for word in words:
        assert word in message, message


def test_line_numbers_count_blank_lines_and_crlf():
    with pytest.raises(FileError, match="line 5"):
        parse_samples_csv("x,y\r\n0,0\r\n\r\n1,1\r\n2,oops\r\n")


def test_files_bom_and_encoding(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("\ufeffx,y\n0.25,1\n".encode("utf-8"))
    samples = load_samples_csv(path)
    assert samples.x[:, 0].tolist() == [0.25] and samples.y[:, 0].tolist() == [1.0]
    path.write_bytes(b"x,y\n0.25,1\n\xff\xfe,2\n")
    with pytest.raises(FileError, match=r"data\.csv: line 3: not UTF-8"):
        load_samples_csv(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(FileError, match=r"missing\.csv: cannot read the CSV file"):
        load_samples_csv(tmp_path / "missing.csv")
    with pytest.raises(FileError, match="cannot read the CSV file"):
        load_samples_csv(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(FileError, match=r"empty\.csv: no samples"):
        load_samples_csv(tmp_path / "empty.csv")


def test_a_large_file_loads_as_arrays(tmp_path):
    x = np.linspace(-1, 1, 5000)
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "".join(f"{float(a)!r},{float(a * a)!r}\n" for a in x))
    samples = load_samples_csv(path)
    np.testing.assert_array_equal(samples.x, x[:, np.newaxis])  # (n, 1): one input
    np.testing.assert_array_equal(samples.y, (x * x)[:, np.newaxis])


def test_network_samples_take_columns_x1_x2_then_y1_y2():
    from backprop_tui.model.csv_data import network_columns, parse_network_csv

    assert network_columns(2, 1) == ("x1", "x2", "y")
    assert network_columns(1, 2) == ("x1", "y1", "y2")
    xs, ys = parse_network_csv("x1,x2,y1,y2\n0.5,−1,1,0\n\n2,3,0,1\n", 2, 2, "d.csv")
    assert xs == [[0.5, -1.0], [2.0, 3.0]] and ys == [[1.0, 0.0], [0.0, 1.0]]
    xs, ys = parse_network_csv("0,1,1\n", 2, 1)  # no header
    assert xs == [[0.0, 1.0]] and ys == [[1.0]]
    for text, words in (("x1,x2,y\n0,1\n", ["d.csv: line 2", "2 columns", "expected 3"]),
                        ("x1,x2,y\n0,nan,1\n", ["d.csv: line 2", "column x2"]),
                        ("x,y\n0,1\n", ["line 1", "x1,x2,y"]),
                        ("x1,x2,y\n", ["only a header line"]),
                        ("", ["the file is empty"])):
        with pytest.raises(FileError) as info:
            parse_network_csv(text, 2, 1, "d.csv")
        for word in words:
            assert word in str(info.value), str(info.value)
