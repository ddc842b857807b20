"""Numbers typed in the app go through the program's one parser: other digits refused, − taken."""

from __future__ import annotations

from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.widgets.field import NumberField
from backprop_tui.tui.widgets.quiz import AnswerField

from .helpers import app_for, edit_field, lecture, refused, text_of

SIZE = (80, 24)
ARABIC_ONE = "\u0661"  # ١: Python's float() reads it as 1


def message(app: BackpropApp) -> str:
    return text_of(app.query_one("#message"))


async def test_a_field_refuses_other_digits_and_takes_the_real_minus_sign():
    app = app_for(lecture())
    async with app.run_test(size=SIZE) as pilot:
        lr, version = app.lesson.lr, app.lesson.version
        await edit_field(pilot, "lr")
        field = app.query_one("#field-lr", NumberField)
        field.value = ARABIC_ONE
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.lr == lr and app.lesson.version == version
        assert refused(app, "lr")
        assert "is not a number" in message(app) and "digits 0-9" in message(app)
        await edit_field(pilot, "w-1")
        app.query_one("#field-w-1", NumberField).value = "\u22120.25"
        await pilot.press("enter")
        await pilot.pause()
        assert app.lesson.network.flat_w[0] == -0.25


async def test_a_quiz_answer_in_other_digits_is_refused_and_counts_nothing():
    app = BackpropApp(lecture(), quiz=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        field = app.query_one(AnswerField)
        assert app.focused is field
        field.value = ARABIC_ONE
        await pilot.press("enter")
        quiz = app.lesson.quiz
        assert "is not a number" in message(app)
        assert (quiz.right, quiz.wrong, quiz.revealed) == (0, 0, 0)
