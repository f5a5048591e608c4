"""forms.act, act_on_page and submit: what a form's work answers, done or refused."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields

from pointsmart import forms
from pointsmart.errors import NotFound, Problem, ValidationFailed
from pointsmart.lookups import is_key


@pytest.fixture
def once(monkeypatch):
    """run_once without the idempotency records: the work runs, or its refusal is raised."""
    monkeypatch.setattr(forms, "run_once", lambda actor, payload, produce: produce())


def refused(problem: Problem):
    def produce() -> dict:
        raise problem

    return produce


def test_act_flashes_a_plain_message(ctx, once):
    response = forms.act(None, {}, lambda: {}, "/back", "Done.")
    assert (response.status_code, response.location) == (303, "/back")
    assert get_flashed_messages(with_categories=True) == [("success", "Done.")]


def test_act_flashes_a_lazy_message_as_plain_text(ctx, once):
    message = _l("Saved.")
    forms.act(None, {}, lambda: {}, "/back", message)
    assert get_flashed_messages() == [str(message)]
    assert type(get_flashed_messages()[0]) is str


def test_act_asks_a_function_for_the_message_of_the_result(ctx, once):
    forms.act(None, {}, lambda: {"n": 3}, "/back", lambda result: f"{result['n']} done.")
    assert get_flashed_messages() == ["3 done."]


def test_act_flashes_a_refusal_and_goes_back(ctx, once):
    response = forms.act(None, {}, refused(Problem("Taken.")), "/back", "Done.")
    assert (response.status_code, response.location) == (303, "/back")
    assert get_flashed_messages(with_categories=True) == [("error", "Taken.")]


def test_act_leaves_a_not_found_to_the_error_page(ctx, once):
    with pytest.raises(NotFound):
        forms.act(None, {}, refused(NotFound()), "/back", "Done.")


def page(errors, status):
    return {"page": errors}, status


def test_act_on_page_answers_with_done_of_the_result(ctx, once):
    answer = forms.act_on_page(None, {}, lambda: {"id": 7}, page, lambda result: result["id"])
    assert answer == 7


def test_act_on_page_shows_the_page_again_with_the_refusal_in_words(ctx, once, monkeypatch):
    rolled_back = []
    monkeypatch.setattr(forms.db.session, "rollback", lambda: rolled_back.append(True))
    answer = forms.act_on_page(None, {}, refused(Problem("Taken.")), page, lambda result: "done")
    assert answer == ({"page": {"form": ["Taken."]}}, 409)
    assert rolled_back == [True]


def test_act_on_page_puts_the_refusal_the_way_the_page_shows_it(ctx, once):
    answer = forms.act_on_page(
        None, {}, refused(NotFound()), page, lambda result: "done", errors=lambda p: [p.code]
    )
    assert answer == ({"page": ["not_found"]}, 404)


class NameForm(Schema):
    name = fields.Str(required=True)


def test_submit_answers_with_the_work_of_a_form_that_parses(app, db_session):
    with app.test_request_context(method="POST", data={"name": "East"}):
        answer = forms.submit(NameForm(), lambda values: values["name"], lambda errors: errors)
    assert answer == "East"


def test_submit_shows_the_page_again_with_the_fields_errors(app, db_session):
    with app.test_request_context(method="POST", data={}):
        answer = forms.submit(NameForm(), lambda values: "done", lambda errors: errors)
    assert list(answer) == ["name"]


def test_submit_shows_a_refusal_on_the_page_after_rolling_back(app, db_session, monkeypatch):
    rolled_back = []
    monkeypatch.setattr(forms.db.session, "rollback", lambda: rolled_back.append(True))

    def make(values):
        raise Problem("Taken.", errors={"name": ["In use."]})

    with app.test_request_context(method="POST", data={"name": "East"}):
        answer = forms.submit(NameForm(), make, lambda errors: errors)
    assert answer == {"name": ["In use."]}
    assert rolled_back == [True]


def test_submit_says_a_refusal_without_fields_where_the_page_shows_it(app, db_session):
    def make(values):
        raise Problem("This name is taken.")

    with app.test_request_context(method="POST", data={"name": "East"}):
        answer = forms.submit(NameForm(), make, lambda errors: errors, at="name")
    assert answer == {"name": ["This name is taken."]}


def test_submit_gathers_the_messages_of_fields_the_page_does_not_show(app, db_session):
    def make(values):
        raise Problem(errors={"name": ["In use."], "village_id": ["Closed."], "x": {"y": ["Z."]}})

    with app.test_request_context(method="POST", data={"name": "East"}):
        answer = forms.submit(NameForm(), make, lambda errors: errors, fields={"name"})
    assert answer == {"name": ["In use."], "form": ["Closed.", "Z."]}


def test_submit_leaves_a_not_found_to_the_error_page(app, db_session):
    def make(values):
        raise NotFound()

    with (
        app.test_request_context(method="POST", data={"name": "East"}),
        pytest.raises(NotFound),
    ):
        forms.submit(NameForm(), make, lambda errors: errors)


class NewPinForm(Schema):
    new_pin = fields.Str(required=True)
    new_pin_again = fields.Str(required=True)
    same = forms.typed_twice("new_pin", "Not the same.")


def test_typed_twice_refuses_two_different_secrets_beside_the_second():
    with pytest.raises(ValidationError) as refused:
        NewPinForm().load({"new_pin": "2468", "new_pin_again": "2469"})
    assert refused.value.messages == {"new_pin_again": ["Not the same."]}
    assert NewPinForm().load({"new_pin": "2468", "new_pin_again": "2468"})["new_pin"] == "2468"


def test_typed_twice_waits_for_the_fields_themselves():
    with pytest.raises(ValidationError) as refused:
        NewPinForm().load({"new_pin": "2468"})
    assert list(refused.value.messages) == ["new_pin_again"]
    assert "Not the same." not in str(refused.value.messages)


@pytest.mark.parametrize(
    ("text", "read"),
    [("12", 12), (" 7 ", 7), ("2147483647", 2147483647), ("２", None), ("²", None),
     ("0", None), ("-1", None), ("2147483648", None), ("1" * 10_000, None), ("", None)],
)  # fmt: skip
def test_an_id_in_a_form_is_the_ascii_digits_of_a_row_that_can_be(text, read):
    assert forms.form_id(text) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [("12", 12), ("-5", -5), ("+1", 1), ("１２", 12), (" 7 ", 7), ("999999999", 999999999),
     ("²", None), ("--5", None), ("-", None), ("", None), ("1.5", None), ("1_000", None),
     ("9999999999", None), ("1" * 10_000, None)],
)  # fmt: skip
def test_a_whole_number_in_a_form_is_read_as_int_reads_it_or_not_at_all(text, read):
    assert forms.whole_number(text) == read


@pytest.mark.parametrize(("text", "read"), [("", None), ("12", 12), (" 7 ", 7)])
def test_an_id_in_the_address_is_read_or_none_when_not_given(app, text, read):
    with app.test_request_context(query_string={"grid_id": text}):
        assert forms.query_id("grid_id") == read


@pytest.mark.parametrize("text", ["bogus", "1.5", "１２", "-1"])
def test_an_id_in_the_address_that_is_no_number_is_refused_naming_it(app, text):
    with (
        app.test_request_context(query_string={"grid_id": text}),
        pytest.raises(ValidationFailed) as refused,
    ):
        forms.query_id("grid_id")

    assert list(refused.value.errors) == ["grid_id"]


@pytest.mark.parametrize("text", ["0", "2147483648", "9" * 5000])
def test_an_id_in_the_address_that_no_row_can_have_is_left_for_the_lookup_to_refuse(app, text):
    """5,000 digits are more than ``int`` reads: they answered 500."""
    with app.test_request_context(query_string={"grid_id": text}):
        assert not is_key(forms.query_id("grid_id"))
