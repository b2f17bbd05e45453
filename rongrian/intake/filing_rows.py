"""Writing a new complaint's rows: the case number, the complaint, its unit's key copy and the
first thread entry (issue 11).

The statements are built once per process and executed with parameters, so a filing spends no
time building SQL. On PostgreSQL the four writes go in **one statement** (data-modifying
``WITH`` queries: the counter's ``UPDATE … RETURNING`` feeds the complaint's ``INSERT``, whose
``RETURNING`` feeds the key copy and the thread entry), one round trip instead of four; the
counter row stays locked until the caller commits, as before. Elsewhere (SQLite) they are four
statements in the same transaction.

A caller filing against the organisation its worker keeps, without reading the change token
first, passes that token: the statement then issues a number only while the database still holds
it (on SQLite, one read before the writes), and :class:`ReferenceChanged` says to read the
organisation again (one round trip less a filing, issue 11).
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    Executable,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rongrian.intake.errors import ReferenceChanged
from rongrian.intake.models import Base, CaseCounter, CaseEvent, Complaint, ComplaintKey
from rongrian.intake.reference import CURRENT_TOKEN, current_token

_COMPLAINT = Base.metadata.tables[Complaint.__tablename__]
_COMPLAINT_KEY = Base.metadata.tables[ComplaintKey.__tablename__]
_CASE_EVENT = Base.metadata.tables[CaseEvent.__tablename__]
_COUNTER = Base.metadata.tables[CaseCounter.__tablename__]

#: The columns a filing gives the ``complaint`` row (all but ``case_number``, issued here).
COMPLAINT_COLUMNS = (
    "id", "fiscal_year", "tracking_digest", "kind", "category_id", "unit_id", "channel",
    "poster_id", "status", "received_on", "due_on", "acknowledge_due_on", "updated_on",
    "finished_on", "content", "tracking_wrapped_key", "identity", "identity_key_custodian",
    "identity_key_recovery", "key_generation", "complainant_public_key",
    "complainant_wrapped_key", "complainant_sealed_data_key",
)
#: The columns of the unit's ``complaint_key`` copy.
KEY_COLUMNS = ("complaint_id", "ring_id", "generation", "sealed_data_key")
#: The columns of the first ``case_event``.
EVENT_COLUMNS = ("id", "complaint_id", "seq", "kind", "status", "occurred_on", "actor_id",
                 "body", "key_generation")


def _params(table: Table, prefix: str, names: tuple[str, ...]) -> list[Any]:
    return [bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names]


@cache
def _one_statement(guarded: bool) -> Executable:
    """PostgreSQL: the counter, the complaint, its key copy and first entry in one statement,
    answering the case number (no row when the year has no counter yet, or, ``guarded``, when
    the change token is no longer the ``reference_token`` parameter). Columns a filing does
    not give take their server defaults."""
    counter = _COUNTER.c.fiscal_year == bindparam("c_fiscal_year")
    if guarded:
        counter = counter & (bindparam("reference_token") == CURRENT_TOKEN)
    issued = (update(_COUNTER).where(counter)
              .values(last_number=_COUNTER.c.last_number + 1)
              .returning(_COUNTER.c.last_number).cte("issued"))
    case_number = (cast(bindparam("c_fiscal_year", type_=Integer), String) + "/"
                   + func.lpad(cast(issued.c.last_number, String), 6, "0"))
    filed = (insert(_COMPLAINT)
             .from_select([*COMPLAINT_COLUMNS, "case_number"],
                          select(*_params(_COMPLAINT, "c_", COMPLAINT_COLUMNS), case_number)
                          .select_from(issued), include_defaults=False)
             .returning(_COMPLAINT.c.case_number).cte("filed"))
    key = (insert(_COMPLAINT_KEY)
           .from_select(list(KEY_COLUMNS), select(*_params(_COMPLAINT_KEY, "k_", KEY_COLUMNS))
                        .select_from(filed), include_defaults=False)
           .cte("key_copy"))
    entry = (insert(_CASE_EVENT)
             .from_select(list(EVENT_COLUMNS),
                          select(*_params(_CASE_EVENT, "e_", EVENT_COLUMNS)).select_from(filed),
                          include_defaults=False)
             .cte("first_entry"))
    return select(literal_column("filed.case_number", String)).select_from(filed) \
        .add_cte(key, entry)


def _prefixed(prefix: str, columns: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{name}": value for name, value in columns.items()}


def next_case_number(session: Session, fiscal_year: int) -> str:
    """Issue the next case number of ``fiscal_year`` (พ.ศ.), e.g. ``2568/000123``; the counter
    row stays locked until the caller commits."""
    issued = session.execute(
        update(CaseCounter)
        .where(CaseCounter.fiscal_year == fiscal_year)
        .values(last_number=CaseCounter.last_number + 1)
        .returning(CaseCounter.last_number)
    ).scalar_one_or_none()
    if issued is None:
        _start_counter(session, fiscal_year)
        return next_case_number(session, fiscal_year)
    return f"{fiscal_year}/{issued:06d}"


def _start_counter(session: Session, fiscal_year: int) -> None:
    """Make ``fiscal_year``'s counter at 0 unless a concurrent filing just made it."""
    try:
        with session.begin_nested():
            session.add(CaseCounter(fiscal_year=fiscal_year, last_number=0))
    except IntegrityError:
        pass  # a concurrent filing made this year's counter first: count on from it


def _confirm(session: Session, reference_token: str | None) -> None:
    """Raise :class:`ReferenceChanged` unless ``reference_token`` is ``None`` or current."""
    if reference_token is not None and current_token(session) != reference_token:
        raise ReferenceChanged


def write_filing(session: Session, complaint: Mapping[str, Any], key_copy: Mapping[str, Any],
                 first_entry: Mapping[str, Any], *, reference_token: str | None = None) -> str:
    """Issue the case number of ``complaint["fiscal_year"]`` and insert the complaint (its
    :data:`COMPLAINT_COLUMNS`), its unit's key copy (:data:`KEY_COLUMNS`) and its first thread
    entry (:data:`EVENT_COLUMNS`); return the case number. Flushes nothing of the ORM.

    With ``reference_token`` (the organisation's change token the rows were prepared under),
    nothing is written unless the database still holds that token. Raises
    :class:`ReferenceChanged` then, or what the database raises (the caller rolls back)."""
    fiscal_year = int(complaint["fiscal_year"])
    if session.get_bind().dialect.name == "postgresql":
        statement = _one_statement(reference_token is not None)
        params = {**_prefixed("c_", complaint), **_prefixed("k_", key_copy),
                  **_prefixed("e_", first_entry), "reference_token": reference_token}
        number = session.execute(statement, params).scalar_one_or_none()
        if number is None:  # the year's first filing (make its counter, then again), or moved
            _confirm(session, reference_token)
            _start_counter(session, fiscal_year)
            number = session.execute(statement, params).scalar_one_or_none()
        if number is None:
            raise ReferenceChanged
        return str(number)
    _confirm(session, reference_token)
    number = next_case_number(session, fiscal_year)
    session.execute(insert(_COMPLAINT), {**complaint, "case_number": number})
    session.execute(insert(_COMPLAINT_KEY), dict(key_copy))
    session.execute(insert(_CASE_EVENT), dict(first_entry))
    return number
