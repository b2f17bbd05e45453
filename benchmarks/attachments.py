"""Attachments: encryption throughput and memory, and uploads through the public app.

    .venv/bin/python -m benchmarks.attachments                       # 1, 5, 20 MB; SQLite
    .venv/bin/python -m benchmarks.attachments --backend postgresql --sizes 1 5 20 --runs 5

Two parts, each for files of ``--sizes`` MB (MiB: 1,048,576 bytes):

1. **Encryption alone** (this process): :func:`rongrian.crypto.stream.encrypt_stream` from a
   file of random bytes to a file (both in the page cache, no fsync), and the staff download's
   :func:`decrypt_stream`; median MB/s of ``--runs``, and the peak of Python allocations
   (``tracemalloc``) during one encryption, which must stay under 2 x the chunk size plus a
   constant whatever the size.
2. **Through the HTTP layer** (one child process per kind and size, so its peak resident size is
   its own): the public app (``create_public_app``) driven by Flask's test client, ``POST
   /report`` with one attachment: multipart parsing, Werkzeug's spool, type check and metadata
   removal (:func:`rongrian.channels.files.clean_upload`), encryption to
   ``<instance>/attachments`` with fsync, the database rows, the receipt page. Kinds: ``pdf`` (a
   PDF holding one large JPEG page image: qpdf copies the image as it is) and ``jpeg`` (a
   photo of random pixels at quality 95: decoded and re-encoded). Reported: median seconds and
   MB/s of the upload, the split between cleaning and encrypting+storing (timed on their own),
   the ``tracemalloc`` peak (Python objects only: Pillow's pixel buffers and qpdf's memory are C
   allocations it does not see) and the growth of ``ru_maxrss`` over a warmed-up baseline (the
   whole process, C libraries included; the test client's own copy of the request body is in
   the same process, but Werkzeug spools it to a temporary file past 500 KB).

Goals printed: **encryption >= 50 MB/s**; **encryption peak <= 2 x chunk + constant**, the same
at every size. One process, one thread: figures are per core.
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pikepdf
from PIL import Image

from benchmarks.common import (
    DEFAULT_PG_URL,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
    verdict,
)
from rongrian.crypto import aead, stream

MB = 1024 * 1024
GOAL_MB_PER_S = 50.0
#: Allowance on top of 2 x the chunk size for the encryption's own objects (header, nonces,
#: associated data, the file objects): generous, and the same at every size.
PEAK_CONSTANT = 64 * 1024
_CSRF_MARK = 'name="csrf_token" type="hidden" value="'


# --- sample files ---------------------------------------------------------------------------

def noise_jpeg(target_bytes: int) -> bytes:
    """A JPEG of random pixels (quality 95) of about ``target_bytes`` (within ~10 %)."""
    side = 256
    while True:
        data = _noise(side, side)
        if len(data) >= target_bytes * 0.9:
            return data
        side = int(side * max(1.05, (target_bytes / len(data)) ** 0.5))


def _noise(width: int, height: int) -> bytes:
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def pdf_of(target_bytes: int) -> bytes:
    """A one-page PDF whose page is one large JPEG image, about ``target_bytes`` in all."""
    photo = noise_jpeg(target_bytes)
    with Image.open(io.BytesIO(photo)) as image:
        width, height = image.size
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    image_stream = pikepdf.Stream(pdf, photo)
    image_stream.Type, image_stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image_stream.Width, image_stream.Height = width, height
    image_stream.ColorSpace = pikepdf.Name.DeviceRGB
    image_stream.BitsPerComponent = 8
    image_stream.Filter = pikepdf.Name.DCTDecode
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
        Im1=pdf.make_indirect(image_stream)))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q")
    pdf.docinfo["/Author"] = "Benchmark Author"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- part 1: encryption alone -----------------------------------------------------------------

def _encrypt_file(key: bytes, source: Path, sink: Path) -> None:
    with source.open("rb") as reading, sink.open("wb") as writing:
        stream.encrypt_stream(key, reading, writing, b"benchmark-file")


def _decrypt_file(key: bytes, source: Path) -> int:
    with source.open("rb") as reading:
        return sum(len(chunk) for chunk in stream.decrypt_stream(key, reading,
                                                                 b"benchmark-file"))


def encryption_alone(size_mb: int, runs: int, folder: Path) -> dict[str, float]:
    """MB/s of encryption and decryption of a ``size_mb`` file, and the encryption's peak."""
    plain, sealed = folder / f"plain-{size_mb}", folder / f"sealed-{size_mb}"
    plain.write_bytes(os.urandom(size_mb * MB))
    key = aead.new_key()
    _encrypt_file(key, plain, sealed)  # warm the page cache and the code
    encrypt, decrypt = [], []
    for _ in range(runs):
        started = time.perf_counter()
        _encrypt_file(key, plain, sealed)
        encrypt.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert _decrypt_file(key, sealed) == size_mb * MB
        decrypt.append(time.perf_counter() - started)
    tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    _encrypt_file(key, plain, sealed)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    plain.unlink()
    sealed.unlink()
    return {"encrypt_mb_s": size_mb / statistics.median(encrypt),
            "decrypt_mb_s": size_mb / statistics.median(decrypt), "peak_bytes": peak}


# --- part 2: through the HTTP layer (child process) -----------------------------------------

def _csrf(html: str) -> str:
    start = html.index(_CSRF_MARK) + len(_CSRF_MARK)
    return html[start:html.index('"', start)]


def _form(client: Any, content: IO[bytes], name: str) -> dict[str, Any]:
    token = _csrf(client.get("/report").get_data(as_text=True))
    return {"csrf_token": token, "kind": "complaint", "category": "general", "unit": "WORKS",
            "channel": "web", "what_happened": "ถนนหน้าตลาดเป็นหลุม แนบหลักฐาน",
            "identity": "anonymous", "attachments": [(content, name)]}


def child(kind: str, sample: Path, runs: int, backend: str, database_url: str
          ) -> dict[str, Any]:
    """One sample file through the public app; returns the figures (run in a fresh process,
    the file read from disk as it is sent, so that ``ru_maxrss`` is this measurement's own)."""
    from rongrian.channels.files import clean_upload
    from rongrian.channels.web.app import create_public_app
    from rongrian.intake.attachments import attach_to_new_complaint
    from rongrian.intake.db import make_session_factory
    from rongrian.intake.store import Submission, file_complaint
    from rongrian.settings import Settings, create_secrets

    folder = Path(tempfile.mkdtemp(prefix="rongrian-bench-attach-"))
    engine = fresh_database(backend, database_url, folder / "bench.db")
    install_demo(engine, "test")
    size = sample.stat().st_size
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        instance_path=folder / "instance",
                        secrets=create_secrets(folder / "instance"), kdf_strength="test",
                        ratelimit_enabled=False, attachment_max_mb=max(20, size // MB + 2))
    app = create_public_app(settings, engine=engine)
    client = app.test_client()
    name = f"evidence.{'pdf' if kind == 'pdf' else 'jpg'}"
    small = pdf_of(64 * 1024) if kind == "pdf" else noise_jpeg(64 * 1024)
    warm = client.post("/report", data=_form(client, io.BytesIO(small), name),
                       content_type="multipart/form-data")
    assert warm.status_code == 200, warm.get_data(as_text=True)[:500]
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    seconds = []
    tracemalloc.start()
    peak = 0
    for _ in range(runs):
        with sample.open("rb") as content:
            form = _form(client, content, name)
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            started = time.perf_counter()
            response = client.post("/report", data=form, content_type="multipart/form-data")
            seconds.append(time.perf_counter() - started)
            peak = max(peak, tracemalloc.get_traced_memory()[1] - before)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    tracemalloc.stop()
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_rss

    clean_seconds, store_seconds = [], []
    pepper = settings.secrets.tracking_pepper
    factory = make_session_factory(engine)
    for _ in range(runs):
        started = time.perf_counter()
        with sample.open("rb") as content:
            cleaned = clean_upload(content, max_bytes=settings.attachment_max_bytes)
        clean_seconds.append(time.perf_counter() - started)
        with factory() as session, cleaned:
            receipt = file_complaint(session, pepper, Submission(
                kind="complaint", category_code="general", unit_code="WORKS", channel="web",
                what_happened="ทดสอบ"))
            started = time.perf_counter()
            attach_to_new_complaint(session, pepper, receipt.tracking_code,
                                    settings.attachments_dir,
                                    [(cleaned.stream, cleaned.media_type)])
            session.commit()
            store_seconds.append(time.perf_counter() - started)
    engine.dispose()
    return {
        "kind": kind, "bytes": size,
        "upload_s": statistics.median(seconds),
        "upload_mb_s": size / MB / statistics.median(seconds),
        "clean_s": statistics.median(clean_seconds),
        "store_s": statistics.median(store_seconds),
        "store_mb_s": size / MB / statistics.median(store_seconds),
        "tracemalloc_peak": peak, "rss_growth_kib": rss_growth_kib,
        "baseline_rss_kib": baseline_rss,
    }


def run_child(kind: str, size_mb: int, options: argparse.Namespace, folder: Path
              ) -> dict[str, Any]:
    """Make the sample file, run :func:`child` on it in a fresh interpreter, read its JSON."""
    sample = folder / f"{kind}-{size_mb}"
    sample.write_bytes(pdf_of(size_mb * MB) if kind == "pdf" else noise_jpeg(size_mb * MB))
    command = [sys.executable, "-m", "benchmarks.attachments", "--child", kind, str(sample),
               "--runs", str(options.runs), "--backend", options.backend,
               "--database-url", options.database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=options.max_seconds)
    if done.returncode != 0:
        raise SystemExit(f"child {kind} {size_mb} MB failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- main -----------------------------------------------------------------------------------

def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20],
                        help="file sizes in MB (MiB)")
    parser.add_argument("--kinds", nargs="+", default=["pdf", "jpeg"], choices=["pdf", "jpeg"])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="time limit of each child process")
    parser.add_argument("--skip-http", action="store_true", help="encryption alone only")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; figures go to standard output."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.child:
        kind, sample = options.child
        print(json.dumps(child(kind, Path(sample), options.runs, options.backend,
                               options.database_url)))
        return 0
    print("Rongrian attachments benchmark: one process, one thread -> figures are per core")
    print(machine_line())
    print(f"at start, {load_line()}")
    chunk = stream.DEFAULT_CHUNK_SIZE
    print(f"\n1. encryption alone (chunk {chunk // 1024} KiB, median of {options.runs})")
    print(f"{'size':>6} {'encrypt MB/s':>13} {'decrypt MB/s':>13} {'peak KiB':>9} "
          f"{'peak - 2 chunks':>16}")
    rates, peaks = [], []
    with tempfile.TemporaryDirectory(prefix="rongrian-bench-crypt-") as folder:
        for size in options.sizes:
            figures = encryption_alone(size, options.runs, Path(folder))
            rates.append(figures["encrypt_mb_s"])
            peaks.append(figures["peak_bytes"])
            print(f"{size:>4} MB {figures['encrypt_mb_s']:>13.0f} {figures['decrypt_mb_s']:>13.0f}"
                  f" {figures['peak_bytes'] / 1024:>9.1f} "
                  f"{(figures['peak_bytes'] - 2 * chunk) / 1024:>13.1f} KiB")
    print(f"goal: encryption >= {GOAL_MB_PER_S:.0f} MB/s at every size -> "
          f"{verdict(min(rates) >= GOAL_MB_PER_S)} (lowest {min(rates):.0f} MB/s)")
    print(f"goal: encryption peak <= 2 x {chunk // 1024} KiB + {PEAK_CONSTANT // 1024} KiB at "
          f"every size -> {verdict(max(peaks) <= 2 * chunk + PEAK_CONSTANT)} "
          f"(highest {max(peaks) / 1024:.1f} KiB; spread across sizes "
          f"{(max(peaks) - min(peaks)) / 1024:.1f} KiB)")
    if options.skip_http:
        return 0
    print(f"\n2. POST /report with one attachment, {options.backend}, median of {options.runs} "
          "(one child process per line)")
    print(f"{'kind':>5} {'size':>8} {'upload s':>9} {'MB/s':>6} {'clean s':>8} {'store s':>8} "
          f"{'store MB/s':>10} {'tracemalloc':>12} {'maxrss +':>10}")
    with tempfile.TemporaryDirectory(prefix="rongrian-bench-samples-") as folder:
        results = [run_child(kind, size, options, Path(folder))
                   for kind in options.kinds for size in options.sizes]
    for result in results:
        print(f"{result['kind']:>5} {result['bytes'] / MB:>5.1f} MB {result['upload_s']:>9.3f} "
              f"{result['upload_mb_s']:>6.1f} {result['clean_s']:>8.3f} "
              f"{result['store_s']:>8.3f} {result['store_mb_s']:>10.0f} "
              f"{result['tracemalloc_peak'] / MB:>9.2f} MB "
              f"{result['rss_growth_kib'] / 1024:>7.1f} MB")
    print(f"\nat end, {load_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
