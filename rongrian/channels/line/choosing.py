"""The one question that replaces "kind" and "category" (issue 12): the suggestion from the
citizen's own words ("ดูเหมือนเรื่อง …ใช่ไหม"), the agency's commonest matters as quick replies,
"อื่น ๆ" for the full list, and "แจ้งเบาะแสการทุจริต" for the whistleblower categories.

Nothing here files under a guess: a suggestion is a button the citizen taps (or a typed
"ใช่"). The kind and the unit follow from the chosen category.
"""

from typing import Any

from rongrian.channels.line import ui
from rongrian.channels.line.conversation import (
    Choice,
    Context,
    Message,
    cancel_action,
    name_of,
    pb,
    postback_data,
)
from rongrian.channels.line.state import Draft
from rongrian.channels.line.texts import say
from rongrian.intake.suggest import suggest_category

#: Steps of the category question: the short question, the full list, the whistleblower list.
CATEGORY_STEPS = frozenset({"category", "category_more", "category_tip"})

#: Quick replies offered besides "yes", "other", "tip" and "cancel" (LINE allows 13 in all).
COMMON_CHOICES = 8

#: Icons shown before a category's name on its quick-reply button, by category code (the codes
#: of the demo and the organisation examples, :mod:`rongrian.admin.organisation`); a code not
#: listed gets none. Each is one or two UTF-16 units, so a label stays within LINE's 20.
ICONS: dict[str, str] = {
    "road": "🛣", "street_light": "💡", "rubbish": "🗑", "water_supply": "🚰",
    "drainage": "🌊", "nuisance": "🔊", "stray_animal": "🐕", "tree": "🌳",
    "public_health": "🏥", "building_permit": "🏗", "staff_conduct": "🤝", "general": "📝",
    "suggestion": "💬", "compliment": "👍",
}


def suggested(ctx: Context, draft: Draft) -> Choice | None:
    """The category the description suggests (:func:`rongrian.intake.suggest.suggest_category`),
    as the chat offers it; ``None`` when nothing matches or the draft began as a tip."""
    if draft.tip or not draft.what:
        return None
    found = suggest_category(ctx.session, "\n".join(draft.what), reference=ctx.reference())
    return ctx.catalogue.category(found.code) if found is not None else None


def labelled(choice: Choice, lang: str, limit: int = 0) -> str:
    """A category's name with its icon, if it has one; with ``limit``, cut to that many UTF-16
    units (LINE counts a label's characters so; an emoji may take two)."""
    icon = ICONS.get(choice.code, "")
    text = f"{icon} {name_of(choice, lang)}" if icon else name_of(choice, lang)
    if limit and len(text.encode("utf-16-le")) // 2 > limit:
        room = limit - (len(text.encode("utf-16-le")) // 2 - len(text))
        text = ui.clip(text, room)
    return text


def _button(choice: Choice, lang: str, label: str | None = None) -> dict[str, Any]:
    return ui.postback(label or labelled(choice, lang, ui.MAX_LABEL),
                       postback_data(a="cat", v=choice.code),
                       name_of(choice, lang))


def common(ctx: Context) -> tuple[Choice, ...]:
    """The categories offered first: the agency's ordinary ones (not whistleblower), by
    position (the agency puts its commonest first)."""
    return tuple(c for c in ctx.catalogue.categories if not c.whistleblower)


def whistleblower(ctx: Context) -> tuple[Choice, ...]:
    """The whistleblower categories (routed to the integrity officer's unit)."""
    return tuple(c for c in ctx.catalogue.categories if c.whistleblower)


def _tail(lang: str) -> list[dict[str, Any]]:
    return [pb(lang, "btn_more", a="more"), pb(lang, "btn_tip", a="tip"), cancel_action(lang)]


def category_prompt(ctx: Context, step: str, draft: Draft, lang: str) -> list[Message]:
    """The question of a category step (``category``, ``category_more``, ``category_tip``)."""
    if step == "category_tip" or (step == "category" and draft.tip):
        options = [(name_of(c, lang), postback_data(a="cat", v=c.code))
                   for c in whistleblower(ctx)]
        title = say("ask_category_tip", lang)
        return [ui.flex(title, ui.choice_list(title, options),
                        [pb(lang, "btn_more", a="more"), cancel_action(lang)])]
    if step == "category_more":
        options = [(labelled(c, lang), postback_data(a="cat", v=c.code)) for c in common(ctx)]
        title = say("ask_category_more", lang)
        return [ui.flex(title, ui.choice_list(title, options),
                        [pb(lang, "btn_tip", a="tip"), cancel_action(lang)])]
    guess = suggested(ctx, draft)
    others = [c for c in common(ctx) if guess is None or c.code != guess.code]
    buttons = [_button(c, lang) for c in others[:COMMON_CHOICES]]
    if guess is None:
        return [ui.text(say("ask_category", lang), [*buttons, *_tail(lang)])]
    yes = _button(guess, lang, label=say("btn_yes", lang))
    yes["displayText"] = say("btn_yes", lang).replace("✅", "").strip()
    return [ui.text(say("ask_category_guess", lang, name=name_of(guess, lang)),
                    [yes, *buttons[: COMMON_CHOICES - 1], *_tail(lang)])]


def kind_of(ctx: Context, code: str) -> str:
    """The kind a category files as (``complaint`` if it is unknown)."""
    found = ctx.catalogue.category(code)
    return found.kind if found is not None else "complaint"


def typed_category(ctx: Context, text: str) -> str:
    """The code of the category whose name (either language) or code ``text`` is, or ``""``."""
    wanted = " ".join(text.split()).casefold()
    for category in ctx.catalogue.categories:
        names = {category.name_th.casefold(), category.name_en.casefold(), category.code,
                 labelled(category, "th").casefold()}
        if wanted in names:
            return category.code
    return ""
