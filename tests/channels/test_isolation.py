"""Cleaning in a child process (issue 13, M1): whatever a file makes the cleaner do, the
process that received it keeps its memory and its time, and the file is refused by name."""

import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rongrian.channels import isolation
from rongrian.channels.files import (
    DecompressionBomb,
    FileRefused,
    FileTooLarge,
    UnsupportedFileType,
    clean_upload,
)
from rongrian.channels.isolation import CleanerLimits, CleaningFailed, clean_in_child
from rongrian.intake.errors import SetupError
from rongrian.settings import create_secrets, from_environment
from tests.channels import bombs, misbehaving_cleaners, samples

MB = 1024 * 1024
#: A small limit for the misbehaving children: far below the machine, far above a clean child
#: (whose address space starts near 110 MB); time enough to reach it on a loaded machine.
SMALL = CleanerLimits(memory_bytes=256 * MB, seconds=20)


def resident_bytes() -> int:
    """This process's resident memory now (``VmRSS``), in bytes."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def refusal(run: Callable[..., object], spool: Path, limits: CleanerLimits = SMALL
            ) -> tuple[FileRefused, float]:
    """Clean a small JPEG with ``run`` in a child; the refusal and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(FileRefused) as caught:
        clean_in_child(io.BytesIO(samples.jpeg_with_gps()), max_bytes=MB, spool_dir=spool,
                       limits=limits, cleaner=run)  # type: ignore[arg-type]
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("make", [samples.jpeg_with_gps, samples.png_with_metadata,
                                  samples.heic_with_gps, samples.pdf_with_author,
                                  samples.docx_with_author, samples.odt_with_author],
                         ids=lambda make: make.__name__)
def test_a_file_comes_back_as_in_process_cleaning_makes_it(make: Callable[[], bytes],
                                                           spool: Path) -> None:
    data = make()
    with clean_upload(io.BytesIO(data), max_bytes=20 * MB) as expected, \
            clean_in_child(io.BytesIO(data), max_bytes=20 * MB, spool_dir=spool) as cleaned:
        assert (cleaned.media_type, cleaned.size) == (expected.media_type, expected.size)
        assert cleaned.stream.read() == expected.stream.read()
    assert list(spool.iterdir()) == []  # anonymous temporary files only


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory spool", "on-disk spool"])
def test_werkzeug_spools_are_read_through_their_descriptor(in_memory: bool, spool: Path
                                                          ) -> None:
    data = samples.jpeg_with_gps()
    upload = tempfile.SpooledTemporaryFile(max_size=10 * MB if in_memory else 16)  # noqa: SIM115
    with upload:
        upload.write(data)
        upload.seek(0)
        with clean_in_child(upload, max_bytes=MB, spool_dir=spool) as cleaned, \
                clean_upload(io.BytesIO(data), max_bytes=MB) as expected:
            assert cleaned.stream.read() == expected.stream.read()


def test_refusals_come_back_with_their_class_and_details(spool: Path) -> None:
    with pytest.raises(UnsupportedFileType) as unsupported:
        clean_in_child(io.BytesIO(samples.executable()), max_bytes=MB, spool_dir=spool)
    assert unsupported.value.detected == "executable"
    with pytest.raises(FileTooLarge) as large:
        clean_in_child(io.BytesIO(samples.pdf_with_author()), max_bytes=100, spool_dir=spool)
    assert (large.value.reason, large.value.limit) == ("bytes", 100)


def test_a_decompression_bomb_is_refused_without_the_parent_growing(spool: Path) -> None:
    bomb = bombs.docx_bomb(384)
    before = resident_bytes()
    with pytest.raises(FileRefused) as caught:
        clean_in_child(io.BytesIO(bomb), max_bytes=20 * MB, spool_dir=spool)
    assert isinstance(caught.value, DecompressionBomb | CleaningFailed)
    assert resident_bytes() - before < 100 * MB


def test_a_child_past_the_memory_limit_is_refused_and_the_parent_is_untouched(
        spool: Path) -> None:
    before = resident_bytes()
    error, _seconds = refusal(misbehaving_cleaners.eat_memory, spool)
    assert isinstance(error, CleaningFailed)
    assert error.reason == "memory"
    assert resident_bytes() - before < 100 * MB


def test_a_child_that_hangs_is_killed_at_the_time_limit(spool: Path) -> None:
    limits = CleanerLimits(memory_bytes=SMALL.memory_bytes, seconds=1)
    error, seconds = refusal(misbehaving_cleaners.sleep_forever, spool, limits)
    assert isinstance(error, CleaningFailed)
    assert error.reason == "time"
    assert seconds < 1 + isolation.EXIT_GRACE_S
    pid = int((spool / "child.pid").read_text(encoding="ascii"))
    assert_gone(pid)


def test_a_child_deaf_to_its_alarm_is_killed_by_the_parent(spool: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(isolation, "EXIT_GRACE_S", 0.5)
    limits = CleanerLimits(memory_bytes=SMALL.memory_bytes, seconds=1)
    error, seconds = refusal(misbehaving_cleaners.sleep_forever_ignoring_alarms, spool, limits)
    assert isinstance(error, CleaningFailed)
    assert error.reason == "time"
    assert 1 <= seconds < 3
    assert_gone(int((spool / "child.pid").read_text(encoding="ascii")))


def test_a_child_that_burns_cpu_is_stopped_by_the_cpu_limit(spool: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(isolation, "EXIT_GRACE_S", 30.0)  # only the kernel's limit can stop it
    limits = CleanerLimits(memory_bytes=SMALL.memory_bytes, seconds=1)
    error, seconds = refusal(misbehaving_cleaners.spin, spool, limits)
    assert isinstance(error, CleaningFailed)
    assert error.reason == "time"
    assert seconds < 15


@pytest.mark.parametrize("run", [misbehaving_cleaners.abort, misbehaving_cleaners.fail],
                         ids=["abort", "exception"])
def test_a_child_that_crashes_refuses_the_file(run: Callable[..., object], spool: Path) -> None:
    error, _seconds = refusal(run, spool)
    assert isinstance(error, CleaningFailed)
    assert error.reason == "crashed"


def test_the_server_is_restarted_when_it_died(spool: Path) -> None:
    server = isolation.server()
    server.start()
    process = server.process
    assert process is not None
    process.kill()
    process.wait()
    with clean_in_child(io.BytesIO(samples.jpeg_with_gps()), max_bytes=MB,
                        spool_dir=spool) as cleaned:
        assert cleaned.media_type == "image/jpeg"


def test_isolation_off_cleans_in_this_process(spool: Path) -> None:
    seen: list[int] = []

    def here(source: object, *, max_bytes: int, spool_dir: Path | None = None) -> object:
        seen.append(os.getpid())
        return clean_upload(source, max_bytes=max_bytes, spool_dir=spool_dir)  # type: ignore[arg-type]

    limits = CleanerLimits(isolated=False)
    with clean_in_child(io.BytesIO(samples.jpeg_with_gps()), max_bytes=MB, spool_dir=spool,
                        limits=limits, cleaner=here) as cleaned:  # type: ignore[arg-type]
        assert cleaned.media_type == "image/jpeg"
    assert seen == [os.getpid()]


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "instance"
    create_secrets(folder)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(folder))
    return folder


def test_the_limits_come_from_the_environment(instance: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = CleanerLimits.from_settings(from_environment())
    assert defaults == CleanerLimits(1024 * MB, 60, isolated=True)
    monkeypatch.setenv("RONGRIAN_CLEANER_MEMORY_MB", "768")
    monkeypatch.setenv("RONGRIAN_CLEANER_TIMEOUT_S", "20")
    monkeypatch.setenv("RONGRIAN_CLEANER_ISOLATION", "0")
    assert CleanerLimits.from_settings(from_environment()) == CleanerLimits(768 * MB, 20, False)


@pytest.mark.parametrize(("name", "value"), [("RONGRIAN_CLEANER_MEMORY_MB", "0"),
                                             ("RONGRIAN_CLEANER_MEMORY_MB", "1 GB"),
                                             ("RONGRIAN_CLEANER_TIMEOUT_S", "-5"),
                                             ("RONGRIAN_CLEANER_ISOLATION", "off")])
def test_a_bad_limit_stops_the_start(instance: Path, monkeypatch: pytest.MonkeyPatch,
                                     name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SetupError, match=name):
        from_environment()


def assert_gone(pid: int) -> None:
    """The process ``pid`` has ended (and was reaped) within two seconds."""
    deadline = time.monotonic() + 2
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
