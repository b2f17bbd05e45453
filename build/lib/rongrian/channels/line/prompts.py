"""The questions of the filing conversation, in order, and the summary shown before filing."""

from typing import Any

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.conversation import (
    CODE_EXAMPLE,
    EDITABLE,
    Context,
    Message,
    cancel_action,
    categories_of,
    menu_actions,
    name_of,
    pb,
    postback_data,
    units_of,
)
from rongrian.channels.line.state import Draft, Loaded, State
from rongrian.channels.line.texts import say
from rongrian.intake.models import Kind
from rongrian.web.labels import label

_EDIT_ROW = {"kind": "row_kind", "category": "row_category", "unit": "row_unit",
             "what": "row_what", "where": "row_where", "photos": "row_photos",
             "identity": "row_identity"}


def next_step(draft: Draft) -> str:
    """The first unanswered question of ``draft`` (``confirm`` when all are answered)."""
    checks = [
        ("kind", not draft.kind),
        ("category", not draft.category),
        ("unit", draft.unit is None),
        ("what", not draft.what_done),
        ("where", draft.where is None),
        ("photos", not draft.photos_done),
        ("identity", draft.anonymous is None),
        ("name", draft.anonymous is False and not draft.name),
        ("phone", draft.anonymous is False and draft.phone is None),
    ]
    return next((step for step, missing in checks if missing), "confirm")



def prompt(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """The question of ``st.step`` with its buttons."""
    lang, step = st.lang, st.step
    cancel = cancel_action(lang)
    if step == "kind":
        actions = [ui.postback(label("kind", k, lang), postback_data(a="kind", v=k.value))
                   for k in Kind]
        return [ui.text(say("ask_kind", lang), [*actions, cancel])]
    if step == "category":
        options = [(name_of(c, lang), postback_data(a="cat", v=c.code)) for c in categories_of(ctx)]
        return [ui.flex(say("ask_category", lang),
                        ui.choice_list(say("ask_category", lang), options), [cancel])]
    if step == "unit":
        options = [(name_of(u, lang), postback_data(a="unit", v=u.code)) for u in units_of(ctx)]
        options.append((say("btn_skip", lang), postback_data(a="unit", v="")))
        return [ui.flex(say("ask_unit", lang), ui.choice_list(say("ask_unit", lang), options),
                        [pb(lang, "btn_skip", a="unit", v=""), cancel])]
    if step == "what":
        return [ui.text(say("ask_what", lang), [pb(lang, "btn_done_what", a="done"), cancel])]
    if step == "where":
        return [ui.text(say("ask_where", lang), [
            ui.location(say("btn_location", lang)), pb(lang, "btn_skip_plain", a="skip"),
            cancel])]
    if step == "photos":
        return [ui.text(say("ask_photos", lang, max=ctx.max_photos), photo_actions(lang))]
    if step == "identity":
        return [ui.text(say("ask_identity", lang), [
            pb(lang, "btn_anonymous", a="anon"), pb(lang, "btn_named", a="named"), cancel])]
    if step == "name":
        return [ui.text(say("ask_name", lang), [cancel])]
    if step == "phone":
        return [ui.text(say("ask_phone", lang), [pb(lang, "btn_skip_plain", a="skip"), cancel])]
    if step == "confirm":
        return [summary(ctx, st, loaded)]
    if step == "edit":
        actions = [pb(lang, _EDIT_ROW[name], a="field", v=name) for name in EDITABLE]
        return [ui.text(say("ask_edit", lang), [*actions, cancel])]
    if step == "track_code":
        return [ui.text(say("ask_code", lang, example=CODE_EXAMPLE), [cancel])]
    return [ui.text(say("menu", lang), menu_actions(lang))]



def photo_actions(lang: str) -> list[dict[str, Any]]:
    """The buttons of the photo step: camera, camera roll, done, skip, cancel."""
    return [ui.camera(say("btn_camera", lang)), ui.camera_roll(say("btn_camera_roll", lang)),
            pb(lang, "btn_done", a="done"), pb(lang, "btn_skip_plain", a="skip"),
            cancel_action(lang)]



def _category_name(ctx: Context, code: str, lang: str) -> str:
    found = ctx.catalogue.category(code)
    return name_of(found, lang) if found else code



def _unit_name(ctx: Context, code: str | None, lang: str) -> str:
    if not code:
        return say("not_given", lang)
    found = ctx.catalogue.unit(code)
    return name_of(found, lang) if found else code



def summary(ctx: Context, st: State, loaded: Loaded) -> Message:
    """The Flex summary with confirm / edit / cancel."""
    lang, draft = st.lang, st.draft or Draft()
    what = "\n".join(draft.what)
    who = say("anonymous", lang) if draft.anonymous else " ".join(
        part for part in (draft.name, draft.phone or "") if part)
    rows = [
        (say("row_kind", lang), label("kind", draft.kind, lang)),
        (say("row_category", lang), _category_name(ctx, draft.category, lang)),
        (say("row_unit", lang), _unit_name(ctx, draft.unit, lang)),
        (say("row_what", lang), ui.clip(what, 600)),
        (say("row_where", lang), draft.where or say("not_given", lang)),
        (say("row_photos", lang), say("photos_count", lang,
                                      count=store_state.count_photos(ctx.session, loaded))),
        (say("row_identity", lang), who),
    ]
    buttons = [(say("btn_confirm", lang), postback_data(a="confirm"), "primary"),
               (say("btn_edit", lang), postback_data(a="edit"), "secondary"),
               (say("btn_cancel", lang), postback_data(a="cancel"), "link")]
    return ui.flex(say("summary_alt", lang),
                   ui.summary_bubble(say("summary_title", lang), rows, buttons),
                   [pb(lang, "btn_confirm", a="confirm"), pb(lang, "btn_edit", a="edit"),
                    cancel_action(lang)])
