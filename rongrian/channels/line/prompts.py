"""The questions of the filing conversation and the summary shown before filing.

Only what is missing is asked (issue 12): what happened, then where (a LINE location, a typed
place, or skip), then the one category question; the name and phone only if the citizen chose
to give them. Photos are welcome at any step and are never asked for.
"""

from typing import Any

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.choosing import CATEGORY_STEPS, category_prompt, labelled
from rongrian.channels.line.conversation import (
    CODE_EXAMPLE,
    EDITABLE,
    Context,
    Message,
    cancel_action,
    menu_actions,
    name_of,
    pb,
    postback_data,
    units_of,
)
from rongrian.channels.line.state import Draft, Loaded, State
from rongrian.channels.line.texts import say
from rongrian.intake.identifiers import identifiers_in_fields
from rongrian.intake.routing import route

_EDIT_ROW = {"category": "row_category", "unit": "row_unit", "what": "row_what",
             "where": "row_where", "photos": "row_photos", "identity": "row_identity"}


def next_step(draft: Draft) -> str:
    """The first unanswered question of ``draft`` (``confirm`` when all are answered)."""
    checks = [
        ("what", not draft.what),
        ("where", draft.where is None),
        ("category", not draft.category),
        ("name", draft.named and not draft.name),
        ("phone", draft.named and draft.phone is None),
    ]
    return next((step for step, missing in checks if missing), "confirm")



def _media(lang: str) -> list[dict[str, Any]]:
    return [ui.camera(say("btn_camera", lang)), ui.camera_roll(say("btn_camera_roll", lang))]


def prompt(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """The question of ``st.step`` with its buttons."""
    lang, step, draft = st.lang, st.step, st.draft or Draft()
    cancel = cancel_action(lang)
    if step == "what":
        if draft.where is None:
            return [ui.text(say("ask_what_where", lang),
                            [ui.location(say("btn_location", lang)), *_media(lang), cancel])]
        return [ui.text(say("ask_what", lang), [*_media(lang), cancel])]
    if step == "where":
        return [ui.text(say("ask_where", lang), [
            ui.location(say("btn_location", lang)), pb(lang, "btn_skip_plain", a="skip"),
            *_media(lang), cancel])]
    if step in CATEGORY_STEPS:
        return category_prompt(ctx, step, draft, lang)
    if step == "unit":
        options = [(name_of(u, lang), postback_data(a="unit", v=u.code)) for u in units_of(ctx)]
        options.append((say("btn_skip", lang), postback_data(a="unit", v="")))
        return [ui.flex(say("ask_unit", lang), ui.choice_list(say("ask_unit", lang), options),
                        [pb(lang, "btn_skip", a="unit", v=""), cancel])]
    if step == "identity":
        return [ui.text(say("ask_identity", lang), [
            pb(lang, "btn_anonymous", a="anon"), pb(lang, "btn_named", a="named"), cancel])]
    if step == "name":
        return [ui.text(say("ask_name", lang), [cancel])]
    if step == "phone":
        return [ui.text(say("ask_phone", lang), [pb(lang, "btn_skip_plain", a="skip"), cancel])]
    if step == "confirm":
        return [*identifying_warning(st), summary(ctx, st, loaded)]
    if step == "edit":
        actions = [pb(lang, _EDIT_ROW[name], a="field", v=name) for name in EDITABLE]
        return [ui.text(say("ask_edit", lang), [*actions, cancel])]
    if step == "track_code":
        return [ui.text(say("ask_code", lang, example=CODE_EXAMPLE), [cancel])]
    return [ui.text(say("menu", lang), menu_actions(lang))]



def identifying_warning(st: State) -> list[Message]:
    """The warning shown before an anonymous draft whose text holds a phone number, national
    ID or e-mail address is sent (issue 3, "Warn before it identifies"; rules in
    :mod:`rongrian.intake.identifiers`). Empty when named or nothing is found."""
    draft = st.draft
    if draft is None or draft.named:
        return []
    found = identifiers_in_fields({"what": "\n".join(draft.what), "where": draft.where or ""})
    if not found:
        return []
    shown = ", ".join(dict.fromkeys(finding.text for finding in found))
    return [ui.text(say("identifying_warning", st.lang, found=shown))]



def photo_actions(lang: str) -> list[dict[str, Any]]:
    """The buttons after a photo: camera, camera roll, cancel."""
    return [*_media(lang), cancel_action(lang)]



def _category_name(ctx: Context, code: str, lang: str) -> str:
    found = ctx.catalogue.category(code)
    return labelled(found, lang) if found else code



def receiving_unit(ctx: Context, draft: Draft, lang: str) -> str:
    """The name of the unit the draft would be routed to (:func:`rongrian.intake.routing.route`:
    a whistleblower category always goes to the integrity officer's unit)."""
    reference = ctx.reference()
    category = reference.category(draft.category)
    if category is None:
        return say("not_given", lang)
    unit = route(reference, category, reference.unit(draft.unit) if draft.unit else None)
    return unit.name_en if lang == "en" else unit.name_th



def summary(ctx: Context, st: State, loaded: Loaded) -> Message:
    """The Flex summary with send / name and phone (or anonymous) / edit / cancel."""
    lang, draft = st.lang, st.draft or Draft()
    what = "\n".join(draft.what)
    who = " ".join(part for part in (draft.name, draft.phone or "") if part) \
        if draft.named else say("anonymous", lang)
    rows = [
        (say("row_category", lang), _category_name(ctx, draft.category, lang)),
        (say("row_unit", lang), receiving_unit(ctx, draft, lang)),
        (say("row_what", lang), ui.clip(what, 600)),
        (say("row_where", lang), draft.where or say("not_given", lang)),
        (say("row_photos", lang), say("photos_count", lang,
                                      count=store_state.count_photos(ctx.session, loaded))),
        (say("row_identity", lang), who),
    ]
    who_button = ("btn_anonymous", "anon") if draft.named else ("summary_named", "named")
    short_who = "btn_anonymous" if draft.named else "btn_named"
    buttons = [(say("btn_confirm", lang), postback_data(a="confirm"), "primary"),
               (say(who_button[0], lang), postback_data(a=who_button[1]), "secondary"),
               (say("btn_edit", lang), postback_data(a="edit"), "secondary"),
               (say("btn_cancel", lang), postback_data(a="cancel"), "link")]
    return ui.flex(say("summary_alt", lang),
                   ui.summary_bubble(say("summary_title", lang), rows, buttons),
                   [pb(lang, "btn_confirm", a="confirm"), pb(lang, short_who, a=who_button[1]),
                    pb(lang, "btn_edit", a="edit"), cancel_action(lang)])
