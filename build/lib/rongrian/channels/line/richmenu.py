"""The rich menu under the chat: ร้องเรียน / แจ้งเบาะแส, ติดตามเรื่อง, ความเป็นส่วนตัว.

The image (2500 × 843 px, LINE's "compact" size, PNG) is drawn with Pillow in the bundled
Sarabun font (fontpkg-sarabun, SIL Open Font License), with complex-script shaping (Raqm) so
Thai marks sit where they belong. Each third of the menu is a postback area; the chat shows the
Thai label as the user's line.
"""

import io
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from rongrian.channels.line.api import LineApi

WIDTH, HEIGHT = 2500, 843
FONTS = Path(str(resources.files("fontpkg_sarabun"))) / "files"
NAVY = (11, 61, 107)
PALE = (238, 243, 248)
WHITE = (255, 255, 255)
ACCENT = (214, 158, 46)
#: (Thai label, English label, postback data, background, foreground)
ITEMS: list[tuple[str, str, str, tuple[int, int, int], tuple[int, int, int]]] = [
    ("ร้องเรียน /\nแจ้งเบาะแส", "Report", "a=file", NAVY, WHITE),
    ("ติดตามเรื่อง", "Track", "a=track", PALE, NAVY),
    ("ความเป็นส่วนตัว", "Privacy", "a=privacy", PALE, NAVY),
]
CHAT_BAR_TEXT = "เมนู / Menu"


def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONTS / f"Sarabun-{weight}.ttf"), size, layout_engine=engine)


def _icon(draw: ImageDraw.ImageDraw, index: int, cx: int, cy: int,
          colour: tuple[int, int, int]) -> None:
    """A simple icon: a document with a pen, a magnifier, a padlock."""
    if index == 0:
        draw.rounded_rectangle((cx - 70, cy - 90, cx + 70, cy + 90), 14, outline=colour,
                               width=12)
        for dy in (-40, 0, 40):
            draw.line((cx - 40, cy + dy, cx + 40, cy + dy), fill=colour, width=10)
        draw.polygon([(cx + 60, cy + 60), (cx + 120, cy - 10), (cx + 140, cy + 10),
                      (cx + 80, cy + 80)], fill=ACCENT)
    elif index == 1:
        draw.ellipse((cx - 80, cy - 90, cx + 40, cy + 30), outline=colour, width=14)
        draw.line((cx + 25, cy + 15, cx + 95, cy + 85), fill=colour, width=22)
    else:
        draw.arc((cx - 55, cy - 100, cx + 55, cy + 10), 180, 360, fill=colour, width=16)
        draw.line((cx - 55, cy - 45, cx - 55, cy - 5), fill=colour, width=16)
        draw.line((cx + 55, cy - 45, cx + 55, cy - 5), fill=colour, width=16)
        draw.rounded_rectangle((cx - 85, cy - 10, cx + 85, cy + 100), 16, fill=colour)
        draw.ellipse((cx - 14, cy + 25, cx + 14, cy + 53), fill=PALE if colour == NAVY else NAVY)


def draw_menu() -> bytes:
    """The rich menu image as PNG bytes (2500 × 843)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PALE)
    draw = ImageDraw.Draw(image)
    thai, english = _font("Bold", 96), _font("Regular", 64)
    column = WIDTH // len(ITEMS)
    for index, (label_th, label_en, _data, background, foreground) in enumerate(ITEMS):
        left = index * column
        right = WIDTH if index == len(ITEMS) - 1 else left + column
        draw.rectangle((left, 0, right, HEIGHT), fill=background)
        cx = (left + right) // 2
        _icon(draw, index, cx, 190, foreground)
        lines = label_th.split("\n")
        top = 500 - (len(lines) - 1) * 60
        for number, line in enumerate(lines):
            draw.text((cx, top + number * 120), line, font=thai, fill=foreground, anchor="mm")
        draw.text((cx, 720), label_en, font=english, fill=foreground, anchor="mm")
        if index:
            draw.line((left, 80, left, HEIGHT - 80), fill=(200, 210, 222), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def menu_definition() -> dict[str, Any]:
    """The rich menu object (Messaging API JSON): three postback areas, shown by default."""
    column = WIDTH // len(ITEMS)
    areas = []
    for index, (label_th, _label_en, data, _bg, _fg) in enumerate(ITEMS):
        width = WIDTH - index * column if index == len(ITEMS) - 1 else column
        areas.append({
            "bounds": {"x": index * column, "y": 0, "width": width, "height": HEIGHT},
            "action": {"type": "postback", "data": data,
                       "displayText": label_th.replace("\n", " ")},
        })
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": "rongrian-main",
        "chatBarText": CHAT_BAR_TEXT,
        "areas": areas,
    }


def setup_rich_menu(api: LineApi) -> str:
    """Create the menu, upload its image and make it every user's default; returns its id."""
    rich_menu_id = api.create_rich_menu(menu_definition())
    api.upload_rich_menu_image(rich_menu_id, draw_menu())
    api.set_default_rich_menu(rich_menu_id)
    return rich_menu_id
