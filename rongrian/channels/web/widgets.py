"""WTForms' text, text-area and file widgets, writing the same markup for a fraction of the cost.

WTForms writes each attribute through ``Markup('{k}="{v}"').format(...)``, whose formatter is
pure Python (``string.Formatter``): the thread page's two fields cost about a twelfth of a
lookup's Python calls (issue 11). :func:`html_attributes` gives the same output as
``wtforms.widgets.html_params`` (a test compares them on generated input); the widgets are
WTForms' own, given it through the ``html_params`` hook WTForms' ``Input`` offers, or, for
``TextArea``, whose ``__call__`` reaches the module function directly, a ``__call__`` that writes
what WTForms' writes.
"""

from typing import Any

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets.core import clean_key


def html_attributes(**attributes: Any) -> Markup:
    """HTML attributes, as ``wtforms.widgets.html_params`` writes them: sorted by name,
    ``class_``/``for_`` without the underscore, ``data_``/``aria_`` names with hyphens, ``True``
    as the bare name, ``False`` left out, every value escaped (quotes included)."""
    parts = []
    for name, value in sorted(attributes.items()):
        if value is True:
            parts.append(clean_key(name))
        elif value is not False:
            parts.append(f'{clean_key(name)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(parts))  # noqa: S704 - every value escaped above


class TextInput(widgets.TextInput):  # type: ignore[misc]
    """``<input type="text">`` (WTForms' widget, :func:`html_attributes`)."""

    html_params = staticmethod(html_attributes)


class FileInput(widgets.FileInput):  # type: ignore[misc]
    """``<input type="file">`` (WTForms' widget, :func:`html_attributes`)."""

    html_params = staticmethod(html_attributes)


class TextArea(widgets.TextArea):  # type: ignore[misc]
    """``<textarea>`` as WTForms writes it (its flags as attributes, the value escaped, the
    newline WTForms puts after the opening tag), with :func:`html_attributes`."""

    def __call__(self, field: Any, **attributes: Any) -> Markup:
        attributes.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for flag in dir(flags):
            if flag in self.validation_attrs and flag not in attributes:
                attributes[flag] = getattr(flags, flag)
        opening = html_attributes(name=field.name, **attributes)
        return Markup(f"<textarea {opening}>\r\n{escape(field._value())}</textarea>")  # noqa: S704
