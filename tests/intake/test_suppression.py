"""Small-count suppression (DESIGN.md promise 6): an attacker who knows every shown count, that
"less than 5" means 1–4 and that a hidden cell is at least 0, bounds
each hidden cell with linear programming over the sums the table publishes. No hidden cell may
come out pinned to one value."""

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from rongrian.intake.public_tables import Table, cross_table
from rongrian.intake.suppression import Shown

OUTCOMES = [(k, k, k) for k in ("within", "late", "open_in_time", "open_overdue", "rejected")]


def attack(table: Table) -> dict[str, tuple[float, float]]:
    """The feasible interval of every hidden cell of ``table``, from what it shows."""
    keys = [c[0] for c in table.columns]
    grid = {(row.code, key): cell for row in table.rows
            for key, cell in zip(keys, row.cells, strict=True)}
    hidden = [position for position, cell in grid.items() if cell.value is None]
    if not hidden:
        return {}
    index = {position: i for i, position in enumerate(hidden)}
    rows_eq, rhs = [], []
    inner_rows = [row.code for row in table.rows if row.code != "total"]
    inner_cols = keys[:-1]
    sums = [[(r, c) for c in inner_cols] + [(r, "total")] for r in [*inner_rows, "total"]]
    sums += [[(r, c) for r in inner_rows] + [("total", c)] for c in keys]
    for members in sums:  # parts - total = 0
        coefficients = np.zeros(len(hidden))
        constant = 0.0
        for position in members:
            sign = -1.0 if position == members[-1] else 1.0
            cell = grid[position]
            if cell.value is None:
                coefficients[index[position]] += sign
            else:
                constant -= sign * cell.value
        rows_eq.append(coefficients)
        rhs.append(constant)
    bounds = [(1, table.threshold - 1) if grid[p].state is Shown.SMALL else (0, None)
              for p in hidden]
    intervals = {}
    for position, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1.0
        low = linprog(objective, A_eq=np.array(rows_eq), b_eq=rhs, bounds=bounds)
        high = linprog(-objective, A_eq=np.array(rows_eq), b_eq=rhs, bounds=bounds)
        assert low.status == 0, "the shown table must be consistent"
        upper = float("inf") if high.status == 3 else -high.fun
        intervals[f"{position[0]}|{position[1]}"] = (low.fun, upper)
    return intervals


def assert_protected(table: Table) -> None:
    for key, (low, high) in attack(table).items():
        assert high - low >= 1 - 1e-6, f"{key} is pinned to [{low}, {high}]"


def _table(counts: list[list[int]], threshold: int = 5) -> Table:
    rows = [(f"r{i}", f"r{i}", f"r{i}") for i in range(len(counts))]
    data = {(f"r{i}", OUTCOMES[j][0]): n for i, line in enumerate(counts)
            for j, n in enumerate(line)}
    return cross_table("t", ("t", "t"), rows, OUTCOMES, data, threshold)


@pytest.mark.parametrize("counts", [
    [[12, 3, 40, 0, 7], [20, 9, 11, 6, 30], [8, 15, 0, 22, 13]],  # one small cell
    [[1, 0, 0, 0, 0], [30, 20, 10, 10, 10], [25, 30, 12, 9, 8]],  # a row of one small case
    [[1, 1, 0, 0, 0], [30, 20, 10, 10, 10], [25, 30, 12, 9, 8]],  # two ones: sum pins them
    [[2, 0, 0, 0, 0], [0, 0, 0, 0, 0]],  # everything small
    [[4, 4, 4, 4, 4], [4, 4, 4, 4, 4]],
    [[50, 0, 3, 0, 0], [40, 0, 0, 0, 0], [60, 0, 0, 0, 2]],  # small cells alone in columns
])
def test_no_hidden_cell_can_be_worked_out(counts: list[list[int]]) -> None:
    table = _table(counts)
    for row_counts, row in zip(counts, table.rows, strict=False):
        for n, cell in zip(row_counts, row.cells, strict=False):
            if 0 < n < 5:
                assert cell.value is None
            if n == 0:
                assert (cell.value, cell.state) == (0, Shown.VALUE)
    assert_protected(table)


def test_random_tables_resist_the_attack() -> None:
    generator = random.Random(20261201)
    for _ in range(20):
        height = generator.randint(1, 8)
        counts = [[generator.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30])
                   for _ in OUTCOMES] for _ in range(height)]
        assert_protected(_table(counts))


def test_a_table_without_small_counts_is_shown_whole() -> None:
    table = _table([[12, 0, 40, 0, 7], [20, 9, 11, 6, 30]])
    assert all(cell.state is Shown.VALUE for row in table.rows for cell in row.cells)
    assert attack(table) == {}
