"""Nothing but text reaches the core: a number, ``True``, a list or an object where text is
expected is a named error or a validation problem, never a ``TypeError`` deep inside
(issue 7 §4)."""

from dataclasses import replace
from typing import Any

import pytest

from rongrian.intake.errors import InvalidSubmission, MalformedTrackingCode, NotText
from rongrian.intake.store import (
    Identity,
    Submission,
    add_information,
    clean_text,
    validate,
)
from rongrian.intake.tracking_codes import normalise
from tests.conftest import Demo

NOT_TEXT: list[Any] = [5, 2.5, True, None, ["ก"], {"text": "ก"}, b"bytes"]
GOOD = Submission(kind="complaint", category_code="general", unit_code="WORKS",
                  channel="web", what_happened="ไฟทางดับ")


@pytest.mark.parametrize("value", NOT_TEXT)
def test_clean_text_names_the_error(value: Any) -> None:
    with pytest.raises(NotText):
        clean_text(value)


@pytest.mark.parametrize("value", NOT_TEXT)
def test_a_tracking_code_that_is_not_text_is_malformed(value: Any) -> None:
    with pytest.raises(MalformedTrackingCode):
        normalise(value)


@pytest.mark.parametrize("value", NOT_TEXT)
def test_validate_reports_each_field_that_is_not_text(demo: Demo, value: Any) -> None:
    fields = ["what_happened", "when_happened", "where_happened", "who_involved"]
    if value is not None:  # None means "not given" for the codes
        fields += ["kind", "category_code", "channel"]
    with demo.sessions() as session:
        for field in fields:
            with pytest.raises(InvalidSubmission) as caught:
                validate(session, replace(GOOD, **{field: value}))
            assert caught.value.problems[field.removesuffix("_code")] == "invalid", field
        for field in ("name", "phone", "email"):
            identity = replace(Identity(name="สมชาย"), **{field: value})
            with pytest.raises(InvalidSubmission) as caught:
                validate(session, replace(GOOD, identity=identity))
            assert caught.value.problems == {field: "invalid"}


@pytest.mark.parametrize("value", NOT_TEXT)
def test_information_that_is_not_text_is_invalid(demo: Demo, value: Any) -> None:
    with demo.sessions() as session, pytest.raises(InvalidSubmission) as caught:
        add_information(session, b"p" * 32, "01AB-2CD3-EF4G-H5JK", value)
    assert caught.value.problems == {"information": "invalid"}
