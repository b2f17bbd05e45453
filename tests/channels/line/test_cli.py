"""``rongrian line setup-richmenu | purge | worker``, the rich menu image, the bot's texts."""

import io
import os
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from rongrian.admin.cli import main
from rongrian.channels.line import richmenu
from rongrian.channels.line.texts import TEXTS
from rongrian.intake.models import LineConversation, LineDraftPhoto, LineSeenEvent
from rongrian.settings import Settings
from tests.channels.line import webhooks
from tests.channels.line.standin import TOKEN, StandIn
from tests.conftest import Demo


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings, standin: StandIn) -> None:
    """The command line's environment: the test instance and database, LINE at the stand-in."""
    for name in [n for n in os.environ if n.startswith("RONGRIAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RONGRIAN_LINE_CHANNEL_SECRET", webhooks.SECRET)
    monkeypatch.setenv("RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RONGRIAN_LINE_API_BASE", standin.url)
    monkeypatch.setenv("RONGRIAN_LINE_DATA_API_BASE", standin.url)


def test_the_rich_menu_image_is_a_compact_png_with_three_areas() -> None:
    png = richmenu.draw_menu()
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (2500, 843))
    assert len(png) < 1024 * 1024  # LINE accepts at most 1 MB
    menu = richmenu.menu_definition()
    areas = menu["areas"]
    assert [a["action"]["data"] for a in areas] == ["a=file", "a=track", "a=privacy"]
    assert [a["action"]["displayText"] for a in areas] == [
        "ร้องเรียน / แจ้งเบาะแส", "ติดตามเรื่อง", "ความเป็นส่วนตัว"]
    assert sum(a["bounds"]["width"] for a in areas) == 2500
    # The three thirds are drawn differently (the first is the highlighted one).
    thirds = [image.crop((i * 833, 0, i * 833 + 833, 843)).getcolors(1 << 20) for i in range(3)]
    assert all(colours and len(colours) > 2 for colours in thirds)
    assert image.getpixel((10, 10)) != image.getpixel((1000, 10))


def test_setup_richmenu_creates_uploads_and_sets_the_default(
        environment: None, standin: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["line", "setup-richmenu"]) == 0
    created = standin.recorded("/v2/bot/richmenu", ok=True)
    assert created[0].path == "/v2/bot/richmenu"
    assert created[0].json()["chatBarText"] == "เมนู / Menu"
    menu_id = "richmenu-0123456789abcdef0123456789abcdef"
    upload = standin.recorded(f"/v2/bot/richmenu/{menu_id}/content")[0]
    assert upload.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(upload.body)).size == (2500, 843)
    assert standin.recorded(f"/v2/bot/user/all/richmenu/{menu_id}", ok=True)
    assert menu_id in capsys.readouterr().out


def test_setup_richmenu_says_so_when_line_refuses(environment: None, standin: StandIn,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    standin.fail_next("/v2/bot/richmenu", 400)
    assert main(["line", "setup-richmenu"]) == 1
    err = capsys.readouterr().err
    assert "LINE ไม่รับเมนู" in err
    assert "HTTP 400" in err


@pytest.mark.parametrize("command", [["line", "setup-richmenu"], ["line", "worker"]])
def test_without_line_settings_the_commands_say_what_to_set(
        environment: None, monkeypatch: pytest.MonkeyPatch, command: list[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN" in err
    assert "ยังไม่ได้ตั้งค่าช่องทาง LINE" in err


def test_the_worker_needs_redis(environment: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["line", "worker"]) == 1
    assert "RONGRIAN_REDIS_URL" in capsys.readouterr().err


@pytest.mark.parametrize("threads", ["0", "17", "two", "-1"])
def test_a_bad_thread_count_is_refused_in_both_languages(
        environment: None, threads: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["line", "worker", "--threads", threads])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "ต้องเป็นจำนวนเต็ม 1 ถึง 16" in err
    assert "must be a whole number from 1 to 16" in err


def test_purge_deletes_expired_drafts_and_old_redelivery_records(
        environment: None, engine: Engine, demo: Demo,
        capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    with demo.sessions() as session:
        for index, expires in enumerate((now - timedelta(minutes=1), now + timedelta(hours=3))):
            digest = bytes([index]) * 32
            session.add(LineConversation(user_digest=digest, state=b"x", expires_at=expires))
            session.flush()
            session.add(LineDraftPhoto(id=uuid.uuid4(), user_digest=digest,
                                       position=1, blob=b"y"))
        session.add(LineSeenEvent(event_digest=b"a" * 32, seen_on=date.today() - timedelta(5)))
        session.add(LineSeenEvent(event_digest=b"b" * 32, seen_on=date.today()))
        session.commit()
    assert main(["line", "purge"]) == 0
    assert "expired drafts deleted: 1" in capsys.readouterr().out
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LineConversation)) == 1
        assert session.scalar(select(func.count()).select_from(LineDraftPhoto)) == 1
        assert session.scalars(select(LineSeenEvent.event_digest)).all() == [b"b" * 32]


def test_every_text_has_thai_and_english_and_buttons_fit_line_limits() -> None:
    for key, (thai, english) in TEXTS.items():
        assert thai.strip(), key
        assert english.strip(), key
        if key.startswith("btn_"):
            assert len(thai) <= 20, key
            assert len(english) <= 20, key
