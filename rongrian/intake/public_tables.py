"""The tables of a published report, small counts suppressed (DESIGN.md promise 6; issue 10 §3).

Built from an acknowledged report's frozen snapshot (:mod:`rongrian.intake.publication`): the
type × outcome cross-table and the monthly trend (this fiscal year and the previous), each with
its row, column and grand totals, suppressed together by :func:`rongrian.intake.suppression.
suppress`. The page, the CSV and the JSON all come from here, so they agree.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rongrian.intake.period_report import OUTCOME_NAMES, OUTCOMES
from rongrian.intake.publication import Published
from rongrian.intake.suppression import Equation, Shown, suppress

TOTAL = "total"
TREND_COLUMNS = {"this": ("ปีงบประมาณนี้", "This fiscal year"),
                 "previous": ("ปีงบประมาณก่อน", "Previous fiscal year")}


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` (``None`` when hidden) and how it is shown."""

    value: int | None
    state: Shown

    def text_th(self, threshold: int) -> str:
        """The Thai text of the cell: ``1,234``, ``น้อยกว่า 5`` or ``ปกปิด``."""
        if self.state is Shown.SMALL:
            return f"น้อยกว่า {threshold}"
        if self.state is Shown.HIDDEN:
            return "ปกปิด"
        return f"{self.value:,}"


@dataclass(frozen=True)
class TableRow:
    """A row: code, Thai and English names, and a cell per column (the last is its total)."""

    code: str
    name_th: str
    name_en: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    """A published cross-table: ``columns`` are ``(key, Thai, English)`` (``total`` last);
    ``rows`` end with the totals row (code ``total``)."""

    key: str
    title_th: str
    title_en: str
    columns: list[tuple[str, str, str]]
    rows: list[TableRow]
    threshold: int


def cross_table(key: str, title: tuple[str, str], rows: Sequence[tuple[str, str, str]],
                columns: Sequence[tuple[str, str, str]], counts: dict[tuple[str, str], int],
                threshold: int) -> Table:
    """Suppress the ``rows`` × ``columns`` table of ``counts`` with its margins."""
    cells: dict[str, int] = {}
    equations = []
    row_codes, col_keys = [r[0] for r in rows], [c[0] for c in columns]
    for r in row_codes:
        for c in col_keys:
            cells[f"{r}|{c}"] = counts.get((r, c), 0)
        cells[f"{r}|{TOTAL}"] = sum(counts.get((r, c), 0) for c in col_keys)
        equations.append(Equation(f"{r}|{TOTAL}", tuple(f"{r}|{c}" for c in col_keys)))
    for c in [*col_keys, TOTAL]:
        cells[f"{TOTAL}|{c}"] = sum(cells[f"{r}|{c}"] for r in row_codes)
        equations.append(Equation(f"{TOTAL}|{c}", tuple(f"{r}|{c}" for r in row_codes)))
    equations.append(Equation(f"{TOTAL}|{TOTAL}", tuple(f"{TOTAL}|{c}" for c in col_keys)))
    result = suppress(cells, equations, threshold)
    out_rows = []
    for code, th, en in [*rows, (TOTAL, "รวม", "Total")]:
        out_rows.append(TableRow(code, th, en, [
            Cell(result.value(f"{code}|{c}"), result.states[f"{code}|{c}"])
            for c in [*col_keys, TOTAL]]))
    return Table(key, title[0], title[1], [*columns, (TOTAL, "รวม", "Total")], out_rows,
                 threshold)


def tables_of(published: Published, threshold: int) -> list[Table]:
    """The published report's tables: ``outcome`` (type × outcome) and ``trend`` (months)."""
    snapshot = published.snapshot
    # a type without any case in the period adds nothing but length: left out
    types = [(t["code"], t["name_th"], t["name_en"]) for t in snapshot["types"]
             if any(t["counts"].values())]
    counts = {(t["code"], key): int(n) for t in snapshot["types"]
              for key, n in t["counts"].items()}
    outcome = cross_table("outcome", ("ผลการดำเนินการจำแนกตามประเภทเรื่อง",
                                      "Outcome by type of matter"), types,
                          [(k, *OUTCOME_NAMES[k]) for k in OUTCOMES], counts, threshold)
    months = [(m["month"], m["month"], m["month"]) for m in snapshot["trend"]]
    trend_counts = {(m["month"], col): int(m[col]) for m in snapshot["trend"]
                    for col in TREND_COLUMNS}
    trend = cross_table("trend", ("จำนวนเรื่องรายเดือน เทียบกับปีงบประมาณก่อน",
                                  "Cases by month, beside the previous fiscal year"), months,
                        [(k, *v) for k, v in TREND_COLUMNS.items()], trend_counts, threshold)
    return [outcome, trend]


def as_json(published: Published, threshold: int) -> dict[str, Any]:
    """The open-data JSON of a published report: each table's rows with ``value`` (``null``
    when suppressed) and ``shown`` (``value``, ``small``: under the threshold, ``hidden``)."""
    return {
        "period": published.label,
        "kind": published.kind.value,
        "acknowledged_on": published.acknowledged_on.isoformat(),
        "acknowledged_by": {"name": published.name, "position": published.position},
        "suppression_threshold": threshold,
        "analysis": published.analysis,
        "tables": [{
            "key": table.key, "title_th": table.title_th, "title_en": table.title_en,
            "columns": [key for key, _, _ in table.columns],
            "rows": [{"code": row.code, "name_th": row.name_th, "name_en": row.name_en,
                      "cells": {key: {"value": cell.value, "shown": cell.state.value}
                                for (key, _, _), cell in zip(table.columns, row.cells,
                                                             strict=True)}}
                     for row in table.rows],
        } for table in tables_of(published, threshold)],
    }


def as_csv(published: Published, threshold: int) -> str:
    """The open-data CSV: one line per table row and column (``table, row, row name,
    column, column name, value, shown``); a suppressed value is empty with its Thai text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["period", "kind", "table", "row", "row_name_th", "column",
                     "column_name_th", "value", "shown", "text_th"])
    for table in tables_of(published, threshold):
        for row in table.rows:
            for (key, name_th, _), cell in zip(table.columns, row.cells, strict=True):
                writer.writerow([published.label, published.kind.value, table.key, row.code,
                                 row.name_th, key, name_th,
                                 "" if cell.value is None else cell.value, cell.state.value,
                                 cell.text_th(threshold)])
    return buffer.getvalue()


__all__ = ["Cell", "Table", "TableRow", "as_csv", "as_json", "cross_table", "tables_of"]
