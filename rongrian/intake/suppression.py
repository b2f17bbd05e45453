"""Small-count suppression of published tables (DESIGN.md promise 6).

A table is a set of named cells and the sums that tie them (``total = part + part + …``), as a
published cross-table with its row, column and grand totals. A cell with a count from 1 to
``threshold - 1`` is hidden (*primary* suppression; zero is shown: it points at no one); then
more cells are hidden (*complementary* suppression) until no hidden cell can be worked out from
what is shown: every sum that holds a hidden cell holds at least two, with room to move, and
no hidden cell is a bridge of the graph whose nodes are the sums and whose edges are the hidden
cells (a bridge's value follows from the sums alone). This is the rule of statistical offices'
cell suppression (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §5.2).
Those rules are a heuristic, so the result is then audited as an attacker would (the same
book's "audit" step, as τ-ARGUS does): each hidden cell is bounded by linear programming
(``scipy.optimize.linprog``) from what is shown, knowing that a "small" cell is 1 to
``threshold - 1`` and a hidden one at least 0; while one comes out pinned to
a single value, one more cell is hidden (and when nothing is left to hide, a small cell whose
"1 to ``threshold - 1``" gives it away is shown as merely hidden).
``tests/intake/test_suppression.py`` attacks the results with its own linear programs.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.optimize import linprog

#: Default threshold: counts 1–4 are hidden (``RONGRIAN_SUPPRESS_BELOW``).
DEFAULT_THRESHOLD = 5


class Shown(StrEnum):
    """How a cell is published: its count, "under the threshold", or hidden as a complement."""

    VALUE = "value"
    SMALL = "small"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Equation:
    """``total`` = sum of ``parts`` (cell keys)."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Suppressed:
    """The result: each cell's :class:`Shown` state; ``value(key)`` is the count or ``None``."""

    cells: Mapping[str, int]
    states: Mapping[str, Shown]
    threshold: int

    def value(self, key: str) -> int | None:
        """The count of ``key`` when it is shown, else ``None``."""
        return self.cells[key] if self.states[key] is Shown.VALUE else None


def _members(equation: Equation) -> tuple[str, ...]:
    return (equation.total, *equation.parts)


def _has_room(equation: Equation, cells: Mapping[str, int], states: Mapping[str, Shown],
              threshold: int) -> bool:
    hidden = [key for key in _members(equation) if states[key] is not Shown.VALUE]
    if not hidden:
        return True
    if len(hidden) < 2:
        return False
    if any(states[key] is Shown.HIDDEN for key in hidden):
        return True
    small = [cells[key] for key in hidden if key != equation.total]
    # only primaries in the sum: known to lie in 1..threshold-1, so their sum must not pin them
    return len(small) * 1 < sum(small) < len(small) * (threshold - 1)


def _complement(equation: Equation, cells: Mapping[str, int], states: dict[str, Shown],
                threshold: int) -> bool:
    """Hide one more shown, non-zero cell of ``equation``: the smallest count at or above the
    threshold (room for the small ones to move), else the largest; parts before the total."""
    shown = [key for key in _members(equation) if states[key] is Shown.VALUE and cells[key] > 0]
    if not shown:
        return False
    big = [key for key in shown if cells[key] >= threshold]
    parts_first = sorted(big, key=lambda k: (k == equation.total, cells[k])) if big else \
        sorted(shown, key=lambda k: (k == equation.total, -cells[k]))
    states[parts_first[0]] = Shown.HIDDEN
    return True


def _bridges(equations: Sequence[Equation], states: Mapping[str, Shown]) -> list[str]:
    """Hidden cells whose removal disconnects the sum-graph (each is then determined)."""
    ends: dict[str, list[int]] = {}
    for index, equation in enumerate(equations):
        for key in _members(equation):
            if states[key] is not Shown.VALUE:
                ends.setdefault(key, []).append(index)
    ground = len(equations)
    edges = {key: (nodes[0], nodes[1] if len(nodes) > 1 else ground)
             for key, nodes in ends.items()}
    found = []
    for key, (a, b) in edges.items():
        reached, todo = {a}, [a]
        while todo:
            node = todo.pop()
            for other, (x, y) in edges.items():
                if other == key or node not in (x, y):
                    continue
                nxt = y if node == x else x
                if nxt not in reached:
                    reached.add(nxt)
                    todo.append(nxt)
        if b not in reached:
            found.append(key)
    return found


def suppress(cells: Mapping[str, int], equations: Sequence[Equation],
             threshold: int = DEFAULT_THRESHOLD) -> Suppressed:
    """Suppress ``cells`` (key → count ≥ 0) tied by ``equations`` for publication.

    Every cell should appear in at most two equations (a cross-table with its margins). A table
    with nothing to hide comes back all shown. Raises ``ValueError`` for a negative count or an
    equation that does not add up.
    """
    for equation in equations:
        if cells[equation.total] != sum(cells[key] for key in equation.parts):
            raise ValueError(f"{equation.total} is not the sum of its parts")
    if any(value < 0 for value in cells.values()):
        raise ValueError("negative count")
    states = {key: Shown.SMALL if 0 < value < threshold else Shown.VALUE
              for key, value in cells.items()}
    for _ in range(4 * len(cells) + 4):
        changed = False
        for equation in equations:
            if not _has_room(equation, cells, states, threshold):
                changed |= _complement(equation, cells, states, threshold)
        if not changed:
            for key in _bridges(equations, states):
                for equation in equations:
                    if key in _members(equation) and _complement(equation, cells, states,
                                                                 threshold):
                        changed = True
                        break
                if changed:
                    break
        if not changed:
            break
    _audit(cells, equations, states, threshold)
    return Suppressed(dict(cells), states, threshold)


def feasible_intervals(cells: Mapping[str, int], equations: Sequence[Equation],
                       states: Mapping[str, Shown], threshold: int
                       ) -> dict[str, tuple[float, float]]:
    """Each hidden cell's ``(lowest, highest)`` value consistent with what is shown (``inf``
    when unbounded), by linear programming over ``equations``."""
    hidden = [key for key, state in states.items() if state is not Shown.VALUE]
    if not hidden:
        return {}
    index = {key: i for i, key in enumerate(hidden)}
    matrix, rhs = [], []
    for equation in equations:
        row = np.zeros(len(hidden))
        constant = 0.0
        for key, sign in [(equation.total, -1.0), *((part, 1.0) for part in equation.parts)]:
            if key in index:
                row[index[key]] += sign
            else:
                constant -= sign * cells[key]
        if row.any():
            matrix.append(row)
            rhs.append(constant)
    bounds = [(1, threshold - 1) if states[key] is Shown.SMALL else (0, None) for key in hidden]
    found = {}
    for key, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1.0
        low = linprog(objective, A_eq=np.array(matrix) if matrix else None,
                      b_eq=rhs if matrix else None, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=np.array(matrix) if matrix else None,
                       b_eq=rhs if matrix else None, bounds=bounds, method="highs")
        upper = float("inf") if high.status == 3 else float(-high.fun)
        found[key] = (float(low.fun), upper)
    return found


def _audit(cells: Mapping[str, int], equations: Sequence[Equation], states: dict[str, Shown],
           threshold: int) -> None:
    """Hide more cells while the linear-programming attack pins a hidden cell to one value."""
    for _ in range(2 * len(cells)):
        intervals = feasible_intervals(cells, equations, states, threshold)
        pinned = {key for key, (low, high) in intervals.items() if high - low < 1 - 1e-9}
        if not pinned:
            return
        near = [key for equation in equations if pinned & set(_members(equation))
                for key in _members(equation)]
        shown = [key for key in near if states[key] is Shown.VALUE and cells[key] > 0] or \
            [key for key in cells if states[key] is Shown.VALUE and cells[key] > 0]
        small = sorted(key for key in pinned if states[key] is Shown.SMALL)
        if shown:
            states[max(shown, key=lambda key: cells[key])] = Shown.HIDDEN
        elif small:  # "1 to threshold - 1" itself gives it away: say only "hidden"
            states[small[0]] = Shown.HIDDEN
        else:
            return


__all__ = ["DEFAULT_THRESHOLD", "Equation", "Shown", "Suppressed", "feasible_intervals",
           "suppress"]
