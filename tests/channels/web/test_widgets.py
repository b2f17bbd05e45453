"""The citizen forms' widgets write exactly what WTForms' own write (issue 11: the same markup,
for fewer Python calls)."""

from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import widgets as wtforms_widgets
from wtforms.widgets import html_params

from rongrian.channels.web.forms import InformationForm, ReportForm, TrackForm
from rongrian.channels.web.widgets import FileInput, TextArea, TextInput, html_attributes

NAMES = st.from_regex(r"(data_|aria_)?[a-z][a-z_]{0,8}_?", fullmatch=True)
VALUES = st.one_of(
    st.booleans(), st.integers(-5, 10**6), st.text(max_size=30),
    st.sampled_from(['"quoted"', "<b>&amp;</b>", "ก'ข\"ค", "a=b&c"]),
    st.text(max_size=12).map(Markup),
)


@given(st.dictionaries(NAMES, VALUES, max_size=8))
def test_attributes_are_written_as_wtforms_writes_them(attributes: dict[str, Any]) -> None:
    assert html_attributes(**attributes) == html_params(**attributes)
    assert isinstance(html_attributes(**attributes), Markup)


@pytest.mark.parametrize("form_class", [ReportForm, TrackForm, InformationForm])
def test_every_field_of_the_citizen_forms_is_written_as_wtforms_writes_it(
        public_app: Flask, form_class: type) -> None:
    originals = {TextInput: wtforms_widgets.TextInput(), TextArea: wtforms_widgets.TextArea(),
                 FileInput: wtforms_widgets.FileInput(multiple=True)}
    hostile = 'ก "ข" <script>&amp;'
    with public_app.test_request_context("/report"):
        form = form_class(formdata=None)
        replaced = 0
        for field in form:
            original = originals.get(type(field.widget))
            if original is None:
                continue
            replaced += 1
            field.data = hostile if not isinstance(field.widget, FileInput) else None
            for extra in ({}, {"rows": 4, "aria_describedby": "x-hint", "required": True}):
                ours = field(**extra)
                field.widget, kept = original, field.widget
                assert ours == field(**extra), field.name
                field.widget = kept
            assert "<script>" not in field()
        assert replaced
