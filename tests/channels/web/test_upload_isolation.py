"""A file that would take the server down (issue 13, M1): posted to ``/report`` without logging
in, it is refused on the form, what the citizen typed is kept, nothing is stored, and the web
process's own memory does not grow (the cleaning ran in a limited child).

On the code before the fix, the bomb test fails: the 384 MiB part was read and parsed in the web
process itself (measured under a 3 GiB address-space cap: 38 s, 3.0 GB resident, then an lxml
memory error; without a cap it grows to about 7 GB, as the review found). With isolation off,
the memory test fails too (the web process raises MemoryError: a 500 page, not a refusal).
"""

import dataclasses
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from rongrian.channels import files
from rongrian.channels.web.app import create_public_app
from rongrian.settings import Settings
from tests.channels import bombs, misbehaving_cleaners, samples
from tests.channels.test_isolation import resident_bytes
from tests.channels.web.helpers import VALID, count_complaints
from tests.channels.web.test_attachments import post, stored_files
from tests.conftest import Demo

MB = 1024 * 1024
#: The refusals a bomb may get: over the unpacked-size cap, or over the child's limits.
BOMB_REFUSALS = ("ไฟล์ “minutes.docx” มีข้อมูลมากเกินไปเมื่อแตกไฟล์",
                 "ไฟล์ “minutes.docx” ต้องใช้หน่วยความจำหรือเวลาในการตรวจมากเกินกว่าที่ระบบให้")


def limited_app(settings: Settings, engine: Engine, folder: Path, seconds: int
                ) -> tuple[FlaskClient, Settings]:
    """The public app with a 256 MiB cleaning child of ``seconds`` and its own spool folder."""
    spool = folder / "spool"
    spool.mkdir()
    changed = dataclasses.replace(settings, cleaner_memory_mb=256, cleaner_timeout_s=seconds,
                                  spool_dir=spool)
    app: Flask = create_public_app(changed, engine=engine)
    app.config["TESTING"] = True
    return app.test_client(), changed


@pytest.fixture
def limited(settings: Settings, engine: Engine, demo: Demo, tmp_path: Path
            ) -> tuple[FlaskClient, Settings]:
    """The public app with a 256 MiB, 20 s cleaning child (time to reach the memory limit on
    a loaded machine)."""
    return limited_app(settings, engine, tmp_path, 20)


def test_a_decompression_bomb_is_refused_and_the_server_keeps_its_memory(
        limited: tuple[FlaskClient, Settings], demo: Demo) -> None:
    client, settings = limited
    bomb = bombs.docx_bomb(384)  # 1.4 MB that unpacks to 384 MiB of empty paragraphs
    assert len(bomb) < 2 * MB
    before = resident_bytes()
    response = post(client, [(samples.jpeg_with_gps(), "photo.jpg"), (bomb, "minutes.docx")])
    grown = resident_bytes() - before
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(refusal in page for refusal in BOMB_REFUSALS), page
    assert VALID["what_happened"] in page  # what was typed is kept
    assert count_complaints(demo) == 0
    assert stored_files(settings) == []
    assert grown < 100 * MB


@pytest.mark.parametrize(("lang", "message"), [
    (None, "ไฟล์ “scan.jpg” ต้องใช้หน่วยความจำหรือเวลาในการตรวจมากเกินกว่าที่ระบบให้ต่อหนึ่งไฟล์ "
           "กรุณาส่งไฟล์ที่เล็กลงหรือซับซ้อนน้อยลง"),
    ("en", "“scan.jpg” needs more memory or time to check than one file may use."),
])
def test_a_file_that_exhausts_the_cleaner_is_refused_with_the_form_kept(
        limited: tuple[FlaskClient, Settings], demo: Demo, monkeypatch: pytest.MonkeyPatch,
        lang: str | None, message: str) -> None:
    client, settings = limited
    monkeypatch.setattr(files, "clean_upload", misbehaving_cleaners.eat_memory)
    before = resident_bytes()
    response = post(client, [(samples.jpeg_with_gps(), "scan.jpg")], lang=lang)
    grown = resident_bytes() - before
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert VALID["what_happened"] in page
    assert 'aria-invalid="true"' in page
    assert count_complaints(demo) == 0
    assert stored_files(settings) == []
    assert grown < 100 * MB


def test_a_file_that_hangs_the_cleaner_is_refused_in_time(
        settings: Settings, engine: Engine, demo: Demo, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, settings = limited_app(settings, engine, tmp_path, 1)
    monkeypatch.setattr(files, "clean_upload", misbehaving_cleaners.sleep_forever)
    started = time.monotonic()
    response = post(client, [(samples.jpeg_with_gps(), "scan.jpg")])
    assert time.monotonic() - started < settings.cleaner_timeout_s + 2
    assert response.status_code == 400
    assert "ไฟล์ “scan.jpg” ต้องใช้หน่วยความจำหรือเวลาในการตรวจ" in response.get_data(as_text=True)
    assert count_complaints(demo) == 0
