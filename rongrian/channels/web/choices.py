"""The complaint form's one question (issue 12): "what is it about?", with the agency's commonest
problems as big tiles, "อื่น ๆ" (every other category) and, apart, "แจ้งเบาะแสการทุจริต".

The kind of matter (ร้องเรียน / ร้องทุกข์ / แจ้งเบาะแส …) is not asked: it is the chosen category's
usual kind (:attr:`rongrian.intake.models.Category.kind`). Tiles are the first
:data:`TILE_COUNT` active categories of ordinary sensitivity whose kind is a complaint or a
grievance, in the agency's order (``position``): the agency lists its commonest problems first.
The tip is the first active whistleblower category whose kind is a tip; routing sends it, like
every whistleblower category, to the integrity unit (:func:`rongrian.intake.routing.route`).

Icons are emoji drawn by the reader's own device fonts: nothing is loaded from another host.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from rongrian.intake.models import Kind, Sensitivity
from rongrian.intake.reference import CategoryFacts

#: How many categories are offered as tiles before "อื่น ๆ".
TILE_COUNT = 8
#: Icons of the starting categories' codes (:mod:`rongrian.admin.organisation`); any other code
#: gets :data:`DEFAULT_ICON`.
ICONS = {
    "road": "🛣️", "street_light": "💡", "rubbish": "🗑️", "water_supply": "🚰",
    "drainage": "🌊", "nuisance": "🔊", "stray_animal": "🐕", "tree": "🌳",
    "public_health": "🦟", "building_permit": "🏗️", "staff_conduct": "🙋",
    "suggestion": "💬", "compliment": "👍", "corruption": "🛡️", "general": "📋",
}
DEFAULT_ICON = "📝"
_TILE_KINDS = {Kind.COMPLAINT, Kind.GRIEVANCE}


@dataclass(frozen=True)
class Choice:
    """A category as the form offers it: code, name in the reader's language, icon, keywords
    (for the page's own suggestion script) and the kind it implies."""

    code: str
    name: str
    icon: str
    keywords: tuple[str, ...]
    kind: Kind


@dataclass
class Question:
    """The one question: ``tiles`` (commonest problems), ``others`` (the rest, "อื่น ๆ") and
    ``tip`` (the corruption tip, or None when the agency has no whistleblower tip category)."""

    tiles: list[Choice] = field(default_factory=list)
    others: list[Choice] = field(default_factory=list)
    tip: Choice | None = None

    def all(self) -> list[Choice]:
        """Every choice: tiles, the tip, then the others."""
        return [*self.tiles, *([self.tip] if self.tip else []), *self.others]

    def find(self, code: str) -> Choice | None:
        """The choice of ``code``, or None."""
        return next((choice for choice in self.all() if choice.code == code), None)


def _choice(category: CategoryFacts, english: bool) -> Choice:
    return Choice(category.code, category.name_en if english else category.name_th,
                  ICONS.get(category.code, DEFAULT_ICON), category.keywords, category.kind)


def one_question(categories: Iterable[CategoryFacts], *, english: bool = False) -> Question:
    """The question built from the active ``categories``, in the agency's order
    (:attr:`rongrian.intake.reference.Reference.categories`)."""
    question = Question()
    for category in categories:
        choice = _choice(category, english)
        if (question.tip is None and category.sensitivity == Sensitivity.WHISTLEBLOWER
                and category.kind == Kind.TIP):
            question.tip = choice
        elif (len(question.tiles) < TILE_COUNT and category.sensitivity == Sensitivity.NORMAL
              and category.kind in _TILE_KINDS):
            question.tiles.append(choice)
        else:
            question.others.append(choice)
    return question
