"""The organisation file's ``needs_evidence`` mark of a category (issue 9 §3)."""

from pathlib import Path

import pytest

from rongrian.admin.orgfile import OrganisationFileInvalid, parse_organisation
from tests.admin.test_orgfile import BASE, EXAMPLES


def test_needs_evidence_is_read_and_defaults_to_false() -> None:
    source = BASE.replace('days = 15\n', 'days = 15\nneeds_evidence = true\n', 1)
    spec = parse_organisation(source, EXAMPLES)
    assert [(c.code, c.needs_evidence) for c in spec.categories] == [
        ("road", True), ("corruption", False)]


def test_needs_evidence_must_be_true_or_false(tmp_path: Path) -> None:
    source = BASE.replace('days = 15\n', 'days = 15\nneeds_evidence = "yes"\n', 1)
    with pytest.raises(OrganisationFileInvalid) as caught:
        parse_organisation(source, EXAMPLES)
    assert [p.key for p in caught.value.problems] == ["categories[1].needs_evidence"]
