"""The audit hash chain (DESIGN.md promise 7): any edit, removal, insertion or reordering of an
entry is found at the first link it breaks; only a cut tail needs the published latest hash."""

import hashlib
from collections.abc import Mapping
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.crypto.audit import (
    GENESIS,
    FieldValue,
    Link,
    canonical,
    chain_hash,
    verify,
)

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63),
    st.text(max_size=40), st.binary(max_size=40),
)
field_sets = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=6)
chains = st.lists(field_sets, min_size=1, max_size=12)


def build(entries: list[Mapping[str, FieldValue]]) -> list[Link]:
    """A well-formed chain of ``entries`` at positions 1, 2, …"""
    links, previous = [], GENESIS
    for position, fields in enumerate(entries, start=1):
        digest = chain_hash(previous, fields)
        links.append(Link(position, dict(fields), previous, digest))
        previous = digest
    return links


@given(chains)
def test_a_built_chain_verifies_to_its_last_hash(entries: list[dict[str, FieldValue]]) -> None:
    links = build(entries)
    verdict = verify(links)
    assert verdict.broken is None
    assert verdict.count == verdict.last_position == len(links)
    assert verdict.last_digest == links[-1].digest


@given(chains, st.data())
def test_a_changed_field_is_found_at_its_entry(entries: list[dict[str, FieldValue]],
                                                data: st.DataObject) -> None:
    links = build(entries)
    index = data.draw(st.integers(0, len(links) - 1))
    fields = dict(links[index].fields)
    name = data.draw(st.text(min_size=1, max_size=12))
    new_value = data.draw(values.filter(lambda v: name not in fields or not _same(v, fields[name])))
    fields[name] = new_value
    links[index] = replace(links[index], fields=fields)
    verdict = verify(links)
    assert verdict.broken is not None
    assert (verdict.broken.position, verdict.broken.problem) == (index + 1, "changed")
    assert verdict.count == index


@given(chains.filter(lambda c: len(c) >= 2), st.data())
def test_a_removed_entry_is_found_where_it_was(entries: list[dict[str, FieldValue]],
                                              data: st.DataObject) -> None:
    links = build(entries)
    index = data.draw(st.integers(0, len(links) - 2))  # not the last one: see the tail test
    del links[index]
    verdict = verify(links)
    assert verdict.broken is not None
    assert verdict.broken.expected == index + 1
    assert verdict.broken.problem == "missing"
    # Renumbering the rest to hide the gap breaks the hashes instead (the position is hashed).
    renumbered = [replace(link, position=i) for i, link in enumerate(links, start=1)]
    verdict = verify(renumbered)
    assert verdict.broken is not None
    assert verdict.broken.position == index + 1
    assert verdict.broken.problem == "relinked"


@given(chains.filter(lambda c: len(c) >= 2), st.data())
def test_a_swapped_pair_is_found_at_the_first_of_the_two(entries: list[dict[str, FieldValue]],
                                                          data: st.DataObject) -> None:
    links = build(entries)
    index = data.draw(st.integers(0, len(links) - 2))
    first, second = links[index], links[index + 1]
    # Swap the stored contents but keep the positions, as a reordering of rows by id would.
    links[index] = replace(second, position=first.position)
    links[index + 1] = replace(first, position=second.position)
    verdict = verify(links)
    assert verdict.broken is not None
    assert verdict.broken.position == index + 1
    assert verdict.broken.problem in {"relinked", "changed"}


@given(chains.filter(lambda c: len(c) >= 2), st.data())
def test_a_cut_tail_verifies_but_no_longer_ends_in_the_published_hash(
        entries: list[dict[str, FieldValue]], data: st.DataObject) -> None:
    links = build(entries)
    published = links[-1].digest
    keep = data.draw(st.integers(1, len(links) - 1))
    verdict = verify(links[:keep])
    assert verdict.broken is None
    assert verdict.last_digest != published
    assert published not in {link.digest for link in links[:keep]}


@given(chains, st.data())
def test_an_inserted_entry_is_found(entries: list[dict[str, FieldValue]],
                                    data: st.DataObject) -> None:
    links = build(entries)
    index = data.draw(st.integers(0, len(links) - 1))
    forged_fields = data.draw(field_sets)
    at = links[index]
    forged = Link(at.position, forged_fields, at.previous, chain_hash(at.previous, forged_fields))
    rest = [replace(link, position=link.position + 1) for link in links[index:]]
    verdict = verify([*links[:index], forged, *rest])
    assert verdict.broken is not None
    assert verdict.broken.position == index + 2


def _same(a: FieldValue, b: FieldValue) -> bool:
    return type(a) is type(b) and a == b


@given(field_sets, field_sets)
def test_canonical_encoding_is_injective(a: dict[str, FieldValue],
                                         b: dict[str, FieldValue]) -> None:
    same = a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    assert (canonical(a) == canonical(b)) == same


@given(field_sets)
def test_canonical_encoding_ignores_insertion_order(fields: dict[str, FieldValue]) -> None:
    assert canonical(dict(reversed(list(fields.items())))) == canonical(fields)


@pytest.mark.parametrize(("a", "b"), [
    ({"x": 1}, {"x": "1"}),
    ({"x": True}, {"x": 1}),
    ({"x": b"1"}, {"x": "31"}),
    ({"x": None}, {"x": ""}),
    ({"x": None}, {}),
    ({"ab": "c"}, {"a": "bc"}),
])
def test_values_of_different_types_never_hash_alike(a: dict[str, FieldValue],
                                                    b: dict[str, FieldValue]) -> None:
    assert chain_hash(GENESIS, a) != chain_hash(GENESIS, b)


def test_the_hash_is_sha256_of_the_documented_encoding() -> None:
    fields: dict[str, FieldValue] = {"seq": 1, "action": "login", "reason": b"\x00\xff",
                                     "case": None, "ok": False}
    expected = hashlib.sha256(
        b"rongrian-audit/v1\n" + GENESIS
        + b'[["action","s","login"],["case","n",null],["ok","t",false],'
          b'["reason","b","00ff"],["seq","i",1]]'
    ).digest()
    assert chain_hash(GENESIS, fields) == expected


def test_a_wrong_previous_length_or_type_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        chain_hash(b"short", {})
    with pytest.raises(TypeError, match="unsupported"):
        canonical({"x": 1.5})  # type: ignore[dict-item]
