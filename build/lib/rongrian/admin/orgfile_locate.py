"""Line numbers of the keys of an organisation file.

:mod:`tomllib` (the standard library) gives line numbers only for syntax errors, not for the keys
of a parsed document, so problems found after parsing are located by scanning the source: table
headers (``[agency]``, ``[[units]]``, counted per array) and ``key =`` lines under them. Written
here rather than taking ``tomlkit`` as a dependency for 40 lines of scanning. The organisation
file's shape (plain tables, arrays of tables, one key per line) is what it understands; a key it
cannot find (a dotted key, an inline table, a key inside a multi-line string) is reported at the
line of its table, or at line 1.
"""

import re

_ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


class Locator:
    """Where each table and key starts in a TOML source: ``line(table, index, key)``.

    ``index`` is the 0-based position of an array-of-tables entry (``None`` for a plain table).
    """

    def __init__(self, source: str) -> None:
        self._headers: dict[tuple[str, int | None], int] = {}
        self._keys: dict[tuple[str, int | None, str], int] = {}
        counts: dict[str, int] = {}
        table, index = "", None
        for number, text in enumerate(source.splitlines(), start=1):
            array = _ARRAY.match(text)
            plain = None if array else _TABLE.match(text)
            if array:
                table = array.group(1)
                index = counts.get(table, 0)
                counts[table] = index + 1
                self._headers.setdefault((table, index), number)
                continue
            if plain:
                table, index = plain.group(1), None
                self._headers.setdefault((table, index), number)
                continue
            key = _KEY.match(text)
            if key:
                self._keys.setdefault((table, index, key.group(1)), number)

    def line(self, table: str, index: int | None = None, key: str | None = None) -> int:
        """Line (1-based) of ``key`` in the table, else of the table's header, else 1."""
        if key is not None and (table, index, key) in self._keys:
            return self._keys[(table, index, key)]
        return self._headers.get((table, index), self._headers.get((table, 0), 1))


def key_name(table: str, index: int | None = None, key: str | None = None) -> str:
    """How a problem names a key: ``agency.hotline``, ``units[3].parent`` (entries counted
    from 1, as a reader counts them in the file), ``units``."""
    name = table if index is None else f"{table}[{index + 1}]"
    return f"{name}.{key}" if key else name
