"""Suggest a category from what the citizen wrote (issue 12: "ask less, infer more").

The citizen's text is segmented into Thai words with PyThaiNLP (``word_tokenize``, engine
``newmm``, the library's default dictionary-based maximal matching) and compared with each active
category's keyword table (:attr:`rongrian.intake.models.Category.keywords`, one keyword a line,
editable by the agency in the organisation file and on the admin category page).

A keyword counts when it lines up with word boundaries of the segmented text: fully (it starts
and ends on a boundary, e.g. ``ไฟถนน`` in ``ไฟถนน|ดับ|หน้าบ้าน``, or ``หลุมบ่อ`` spanning the
two words ``หลุม|บ่อ``) or, for a keyword of at least :data:`MIN_PARTIAL` characters, at one end
(``จรจัด`` at the end of the single word ``สุนัขจรจัด``). A full match weighs twice its length
in characters, a one-ended match its length; the category with the highest total wins, ties
going to the one listed first (``position``). A short keyword never matches part of a word
(``หมา`` not in ``หมาก``), and no keyword matches in the middle of one.

This only *suggests*: every channel shows the suggestion for the citizen to confirm
("ดูเหมือนเรื่อง …ใช่ไหม") and never files under a guess.

The segmenter loads its dictionary once per process (about 1–2 s the first time); call
:func:`warm_up` at start-up to pay that before the first citizen does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from sqlalchemy.orm import Session

from rongrian.intake.models import Category
from rongrian.intake.reference import CategoryFacts, Reference, keywords_in, load_reference

#: Longest keyword accepted, in characters, and most keywords per category.
MAX_KEYWORD_LENGTH = 60
MAX_KEYWORDS = 100
#: Shortest keyword that may match at one end of a longer word only (Thai short words are often
#: the first syllable of unrelated longer ones: หมา/หมาก, มืด/มืดมน).
MIN_PARTIAL = 4

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class Suggestion:
    """One suggested category, its score (higher is surer) and the keywords that matched."""

    category: CategoryFacts
    score: int
    matched: tuple[str, ...]


@cache
def _tokenizer() -> tuple[Callable[..., list[str]], Callable[[str], str]]:
    """Import PyThaiNLP's tokenizer once per process (the import loads the dictionary)."""
    from pythainlp.tokenize import word_tokenize
    from pythainlp.util import normalize

    return word_tokenize, normalize


def _normalise(text: str) -> str:
    """NFC, no zero-width characters, lower case; PyThaiNLP's fix of doubled/misordered marks."""
    _, normalize = _tokenizer()
    cleaned = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).lower()
    return str(normalize(cleaned))


def segment(text: str) -> list[str]:
    """The words of ``text`` (PyThaiNLP ``newmm``), normalised, without whitespace tokens."""
    word_tokenize, _ = _tokenizer()
    words = word_tokenize(_normalise(text), engine="newmm", keep_whitespace=False)
    return [w for w in (w.strip() for w in words) if w]


def warm_up() -> None:
    """Load the segmenter now (first call takes about 1–2 s) rather than on a citizen's request."""
    segment("ไฟถนนดับ")


def parse_keywords(text: str) -> list[str]:
    """Keywords from text with one a line (commas also separate); blank lines dropped, order
    kept, duplicates removed. Raises ValueError (Thai first, English too) for a keyword longer
    than :data:`MAX_KEYWORD_LENGTH` or more than :data:`MAX_KEYWORDS` keywords."""
    return clean_keywords(text.replace(",", "\n").splitlines())


def clean_keywords(keywords: Iterable[str]) -> list[str]:
    """Trimmed, de-duplicated keywords; raises ValueError as :func:`parse_keywords` does."""
    result: list[str] = []
    for raw in keywords:
        word = " ".join(raw.split())
        if not word or word in result:
            continue
        if len(word) > MAX_KEYWORD_LENGTH:
            raise ValueError(
                f"คำสำคัญ “{word[:20]}…” ยาวเกิน {MAX_KEYWORD_LENGTH} ตัวอักษร / "
                f"keyword longer than {MAX_KEYWORD_LENGTH} characters")
        result.append(word)
    if len(result) > MAX_KEYWORDS:
        raise ValueError(f"คำสำคัญเกิน {MAX_KEYWORDS} คำ / more than {MAX_KEYWORDS} keywords")
    return result


def format_keywords(keywords: Iterable[str]) -> str:
    """The stored form of a keyword list: one keyword a line."""
    return "\n".join(clean_keywords(keywords))


def keywords_of(category: Category) -> list[str]:
    """The category's keywords as a list (its stored text split by lines)."""
    return list(keywords_in(category.keywords))


def _boundaries(words: Sequence[str]) -> tuple[str, set[int], set[int]]:
    """The words joined without spaces, and the sets of word start and end offsets in it."""
    starts: set[int] = set()
    ends: set[int] = set()
    offset = 0
    for word in words:
        starts.add(offset)
        offset += len(word)
        ends.add(offset)
    return "".join(words), starts, ends


@lru_cache(maxsize=4096)
def _needle(keyword: str) -> str:
    """A keyword as searched for: normalised, without spaces (cached: keywords change
    rarely, and normalising each keyword of every category cost ~0.1 ms a keyword per text)."""
    return "".join(_normalise(keyword).split())


def _keyword_score(keyword: str, joined: str, starts: set[int], ends: set[int]) -> int:
    """The best weight of ``keyword`` anywhere in ``joined``: 2×length when on word boundaries
    at both ends, 1×length at one end, 0 when only inside words or absent."""
    needle = _needle(keyword)
    if not needle:
        return 0
    best = 0
    at = joined.find(needle)
    while at != -1:
        aligned = (at in starts) + (at + len(needle) in ends)
        if aligned == 1 and len(needle) < MIN_PARTIAL:
            aligned = 0
        best = max(best, aligned * len(needle))
        if aligned == 2:
            break
        at = joined.find(needle, at + 1)
    return best


def _score(keywords: Iterable[str], joined: str, starts: set[int], ends: set[int]
           ) -> tuple[int, tuple[str, ...]]:
    """The total weight of ``keywords`` in the segmented text, and those that matched."""
    total = 0
    matched: list[str] = []
    for keyword in keywords:
        weight = _keyword_score(keyword, joined, starts, ends)
        if weight:
            total += weight
            matched.append(keyword)
    return total, tuple(matched)


def rank_categories(categories: Iterable[CategoryFacts], text: str) -> list[Suggestion]:
    """Score ``categories`` (active or not, as given) against ``text``; best first (ties: the
    lower ``position``, then id), only those with a positive score. Pure: no database access."""
    joined, starts, ends = _boundaries(segment(text))
    if not joined:
        return []
    ranked: list[tuple[int, int, int, Suggestion]] = []
    for category in categories:
        total, matched = _score(category.keywords, joined, starts, ends)
        if total:
            ranked.append((-total, category.position, category.id,
                           Suggestion(category, total, matched)))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked]


def suggest_categories(session: Session, text: str, limit: int = 3, *,
                       reference: Reference | None = None) -> list[Suggestion]:
    """Up to ``limit`` active categories suggested by ``text``, best first (empty if none),
    from ``reference``'s categories, or read through ``session`` when it is not given."""
    return rank_categories((reference or load_reference(session)).categories, text)[:limit]


def suggest_category(session: Session, text: str, *, reference: Reference | None = None
                     ) -> CategoryFacts | None:
    """The single best active category for ``text`` (:func:`suggest_categories`), or None when
    no keyword matches.

    Show it to the citizen to confirm ("ดูเหมือนเรื่อง …ใช่ไหม"); never file under it unasked."""
    best = suggest_categories(session, text, limit=1, reference=reference)
    return best[0].category if best else None
