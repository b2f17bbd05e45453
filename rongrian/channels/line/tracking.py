"""Following a complaint through the chat: a code opens its thread (rate-limited per user),
adds information to it, and turns status notifications on or off."""

import re
from typing import Any

from rongrian.channels.line import ui
from rongrian.channels.line.conversation import (
    CODE_EXAMPLE,
    Context,
    Message,
    cancel_action,
    menu_actions,
    name_of,
    pb,
    track_page,
)
from rongrian.channels.line.prompts import (
    prompt,
)
from rongrian.channels.line.state import Loaded, State
from rongrian.channels.line.texts import say
from rongrian.intake import notify
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, MalformedTrackingCode
from rongrian.intake.models import Channel, EventKind
from rongrian.intake.store import (
    LIMITS,
    ComplainantView,
    add_information,
    read_thread,
)
from rongrian.intake.tracking_codes import display, normalise
from rongrian.web.labels import label
from rongrian.web.thaidates import format_date

#: A tracking code typed alone: 16 symbols, optionally grouped (checked by ``normalise``).
CODE_LIKE = re.compile(r"^[0-9A-Za-z๐-๙][0-9A-Za-z๐-๙\- ]{14,22}[0-9A-Za-z๐-๙]$")

#: Rows of the thread shown in the chat before pointing to the web page.
THREAD_CHARS = 4000


def _entry_lines(view: ComplainantView, lang: str) -> list[str]:
    lines = []
    for entry in view.entries:
        day = format_date(entry.occurred_on, lang)
        if entry.kind == EventKind.STATUS:
            lines.append(say("entry_status", lang, date=day,
                             status=label("status", entry.status, lang)))
        elif entry.kind == EventKind.REPLY:
            lines.append(say("entry_reply", lang, date=day, text=entry.text or ""))
        else:
            lines.append(say("entry_information", lang, date=day, text=entry.text or ""))
    return lines



def thread_text(ctx: Context, view: ComplainantView, lang: str) -> str:
    """The complainant's view of their thread as chat text (cut, with the web link)."""
    head = say("thread_head", lang, case_number=view.case_number,
               kind=label("kind", view.kind, lang), category=name_of(view.category, lang),
               received=format_date(view.received_on, lang),
               status=label("status", view.status, lang))
    body = "\n\n".join(_entry_lines(view, lang))
    full = f"{head}\n\n{say('history', lang)}\n{body}"
    if len(full) > THREAD_CHARS:
        full = ui.clip(full, THREAD_CHARS) + "\n" + say("thread_truncated", lang,
                                                        link=track_page(ctx))
    return full



def _after_lookup(st: State) -> None:
    st.step, st.resume = (st.resume, "") if st.resume else ("", "")



def _thread_actions(ctx: Context, st: State, loaded: Loaded, code: str) -> list[dict[str, Any]]:
    lang = st.lang
    on = notify.subscribed(ctx.session, ctx.pepper, code, Channel.LINE, loaded.user_id)
    actions = [pb(lang, "btn_add_info", a="add", c=code),
               pb(lang, "btn_notify_off" if on else "btn_notify_on", a="notify",
                   v="off" if on else "on", c=code)]
    if st.draft is not None:
        actions.append(pb(lang, "btn_resume", a="file"))
    actions.append(pb(lang, "btn_other_code", a="track"))
    return actions



def unlock_error(st: State, exc: Exception) -> list[Message]:
    """The answer to a malformed or unknown code."""
    lang = st.lang
    if isinstance(exc, MalformedTrackingCode):
        return [ui.text(say("bad_code", lang, example=CODE_EXAMPLE), [cancel_action(lang)])]
    return [ui.text(say("unknown_code", lang), [pb(lang, "btn_other_code", a="track"),
                                                 cancel_action(lang)])]



def _gate(ctx: Context, st: State, loaded: Loaded) -> list[Message] | None:
    if ctx.lookup_allowed(loaded.digest):
        return None
    return [ui.text(say("too_many_lookups", st.lang), menu_actions(st.lang))]



def lookup(ctx: Context, st: State, loaded: Loaded, code_text: str) -> list[Message]:
    """Show the thread a code opens (rate-limited per user)."""
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    try:
        view = read_thread(ctx.session, ctx.pepper, code_text, reference=ctx.reference())
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        st.step = "track_code"
        return unlock_error(st, exc)
    code = display(normalise(code_text))
    _after_lookup(st)
    return [ui.text(thread_text(ctx, view, st.lang), _thread_actions(ctx, st, loaded, code))]



def begin_information(ctx: Context, st: State, loaded: Loaded, code: str) -> list[Message]:
    """Open the thread of ``code`` for adding information (rate-limited)."""
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    try:
        view = read_thread(ctx.session, ctx.pepper, code, reference=ctx.reference())
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        return unlock_error(st, exc)
    if st.draft is not None and st.step not in {"add_info", "track_code"}:
        st.resume = st.step
    st.step, st.code = "add_info", display(normalise(code))
    return [ui.text(say("ask_information", st.lang, case_number=view.case_number),
                    [pb(st.lang, "btn_done", a="done"), cancel_action(st.lang)])]



def end_information(st: State) -> None:
    """Leave the "add information" step, back to where the user was."""
    st.code = ""
    _after_lookup(st)



def add_information_text(ctx: Context, st: State, text: str) -> list[Message]:
    """Add ``text`` to the open thread; the answer says so or why not."""
    lang = st.lang
    try:
        add_information(ctx.session, ctx.pepper, st.code, text, now=ctx.now)
        view = read_thread(ctx.session, ctx.pepper, st.code, reference=ctx.reference())
    except InvalidSubmission:
        return [ui.text(say("what_too_long", lang, limit=f"{LIMITS['information']:,}"))]
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        end_information(st)
        return unlock_error(st, exc)
    end_information(st)
    return [ui.text(say("information_added", lang, case_number=view.case_number),
                    menu_actions(lang))]



def notify_choice(ctx: Context, st: State, loaded: Loaded, values: dict[str, str]) -> list[Message]:
    """Turn LINE notifications of a case on or off (``values``: ``c`` code, ``v``)."""
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    code, lang = values.get("c", ""), st.lang
    try:
        view = read_thread(ctx.session, ctx.pepper, code, reference=ctx.reference())
        if values.get("v") == "off":
            notify.unsubscribe(ctx.session, ctx.pepper, code, Channel.LINE)
            return [ui.text(say("notify_off", lang, case_number=view.case_number),
                            menu_actions(lang))]
        notify.subscribe(ctx.session, ctx.pepper, code, Channel.LINE, loaded.user_id,
                         locale=lang)
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        return unlock_error(st, exc)
    return [ui.text(say("notify_on", lang, case_number=view.case_number),
                    [pb(lang, "btn_notify_off", a="notify", v="off", c=display(normalise(code))),
                     *menu_actions(lang)])]



def start_tracking(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """Ask for a tracking code, keeping a draft in progress to resume."""
    if st.draft is not None and st.step not in {"track_code", "add_info"}:
        st.resume = st.step
    st.code = ""
    st.step = "track_code"
    return prompt(ctx, st, loaded)



def looks_like_code(text: str) -> bool:
    """Whether a typed text is a well-formed tracking code on its own."""
    if not CODE_LIKE.match(text.strip()):
        return False
    try:
        normalise(text)
    except MalformedTrackingCode:
        return False
    return True
