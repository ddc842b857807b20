"""The one number parser: what it accepts (what the program prints), what it refuses, everywhere."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_tui.model import FileError, ModelError
from backprop_tui.model.csv_data import parse_samples_csv
from backprop_tui.model.lesson import finite_number
from backprop_tui.model.numbers import parse_integer, parse_number
from backprop_tui.model.quiz import Quiz, parse_guess
from backprop_tui.present.format import number

from .test_cli import one_error_line, run

ARABIC_ONE = "\u0661"  # ١: float() reads it as 1
FULLWIDTH_FIVE = "\uff15"  # ５


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_written_by_repr_reads_back_exactly(value):
    assert parse_number(repr(value)) == value
    assert parse_number(repr(value).replace("-", "\u2212")) == value
    assert parse_number(f"  {value!r}\t") == value


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_what_the_program_prints_reads_back_to_the_shown_precision(value):
    shown = number(value, signed=True)  # real minus signs, + on positives, e−5 exponents
    back = parse_number(shown)
    assert math.isclose(back, value, rel_tol=1e-3, abs_tol=1e-4)


@pytest.mark.parametrize("text, value", [
    ("−0.3", -0.3), ("+2", 2.0), ("2.5e−3", 0.0025), ("1E3", 1000.0), (" 0,5 ", 0.5),
    (".5", 0.5), ("5.", 5.0), ("-0", 0.0),
])
def test_accepted(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", [
    ARABIC_ONE, FULLWIDTH_FIVE, "1" + ARABIC_ONE, "nan", "NaN", "inf", "-inf", "Infinity",
    "1e999", "", "   ", "1_000", "0x10", "--1", "1e", ".", "1 2", "e3", "+-1", "\u22121e\u2212",
])
def test_refused_with_one_message_saying_how_to_write_a_number(text):
    with pytest.raises(ModelError) as info:
        parse_number(text, "w")
    message = str(info.value)
    assert message.startswith("w: ") and "digits 0-9" in message and "\n" not in message


@pytest.mark.parametrize("text, value", [("3", 3), ("+7", 7), ("1e6", 1_000_000),
                                         ("9007199254740993", 9007199254740993), (" 2.0 ", 2)])
def test_whole_numbers(text, value):
    assert parse_integer(text) == value


@pytest.mark.parametrize("text, words", [
    ("2.5", ["not a whole number"]), (ARABIC_ONE, ["not a number"]), ("1e30", ["too large"]),
    ("-1", ["less than 0"]), ("nan", ["not a finite number"]), ("", ["no number given"]),
])
def test_whole_numbers_refused(text, words):
    with pytest.raises(ModelError) as info:
        parse_integer(text, "steps", minimum=0)
    for word in words:
        assert word in str(info.value)


# -- every place a person's number is read ----------------------------------------------


@pytest.mark.parametrize("args, option", [
    (("serve", "--port", ARABIC_ONE), "--port"),
    (("train", "--steps", ARABIC_ONE), "--steps"),
    (("train", "--batch-size", ARABIC_ONE), "--batch-size"),
    (("train", "--lr", ARABIC_ONE), "--lr"),
    (("trace", "--w", f"0.5,{ARABIC_ONE},1"), "--w"),
    (("trace", "--x", FULLWIDTH_FIVE), "--x"),
    (("trace", "--layers", ARABIC_ONE), "--layers"),
    (("trace", "--layers", "2", "--seed", ARABIC_ONE), "--seed"),
])
def test_the_command_line_refuses_other_digits(args, option):
    one_error_line(run(*args), option, "is not a number", "digits 0-9")


def test_the_command_line_takes_the_real_minus_sign():
    import json

    done = run("train", "--w", "\u22120.3,0.5,1", "--b", "0,\u22120.1,0", "--lr", "\u22120.3",
               "--steps", "0", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["w"][0] == -0.3 and result["b"][1] == -0.1 and result["lr"] == -0.3
    traced = run("trace", "--x", "\u22120.3", "--y", "1", "--json")
    assert traced.returncode == 0, traced.stderr
    assert json.loads(traced.stdout)["samples"][0]["x"] == -0.3


def test_csv_cells_refuse_other_digits():
    with pytest.raises(FileError) as info:
        parse_samples_csv(f"x,y\n0,1\n{ARABIC_ONE},0\n", "data.csv")
    message = str(info.value)
    assert "line 3" in message and "column x" in message and "is not a number" in message
    assert parse_samples_csv("x,y\n\u22120.5,1\n").x.tolist() == [[-0.5]]


def test_quiz_answers_and_fields_refuse_other_digits():
    with pytest.raises(ModelError, match="answer: .* is not a number"):
        parse_guess(ARABIC_ONE)
    quiz = Quiz()
    with pytest.raises(ModelError):
        quiz.answer("k", ARABIC_ONE, 1.0)
    assert (quiz.right, quiz.wrong) == (0, 0)  # counted nothing
    with pytest.raises(ModelError, match="^x: "):
        finite_number(ARABIC_ONE, "x")
    assert finite_number("\u22122", "x") == -2.0


def test_a_refusal_names_its_subject_and_gives_its_reason_apart():
    with pytest.raises(ModelError) as caught:
        parse_number("abc", "w")
    error = caught.value
    assert error.subject == "w"
    assert str(error) == f"w: {error.reason}"
    assert error.reason.startswith("'abc' is not a number: ")
    with pytest.raises(ModelError) as unnamed:
        parse_number("abc")
    assert unnamed.value.subject is None and str(unnamed.value) == unnamed.value.reason
