"""Every text of the citizen pages has a Thai translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import rongrian.channels.web as package

HERE = Path(package.__file__).resolve().parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]


def test_every_message_of_the_citizen_pages_has_a_thai_translation() -> None:
    used = {message for _file, _line, message, _comments, _context
            in extract_from_dir(str(HERE), METHODS, keywords={"_": None})}
    with (HERE / "translations/th/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {message.id for message in catalog if message.id and message.string}
    assert len(used) > 50
    assert used - translated == set()
