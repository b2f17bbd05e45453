"""Peak memory and time of cleaning the worst files, in the limited child (issue 13, M1).

```sh
.venv/bin/python -m benchmarks.cleaning_memory
.venv/bin/python -m benchmarks.cleaning_memory --memory-mb 1024 --timeout-s 60 --runs 50
```

For each sample (made here, never stored): the largest accepted JPEG and PNG by pixels (just
under ``MAX_IMAGE_PIXELS``, turned by EXIF and with a colour profile, so every copy the cleaning
makes is made), two Word documents whose body is as large as the caps allow (just under the
node cap: plain paragraphs, and paragraphs with 40 attributes each), a PDF of 100 pages each with a
photo carrying EXIF (each one re-encoded), and refused ones: Word bombs unpacking to 384 MiB
and 2 GiB, a PNG claiming 10 gigapixels. Each goes through
:class:`rongrian.channels.isolation.CleanerServer` with the limits given (default: the
production defaults) and the line shows the outcome, the seconds, the child's peak resident
size (``ru_maxrss`` of the child, which includes the pages it shares with the warm server: the
server's own resident size is printed once) and how much this process grew (it should not).
Then the per-file cost of the isolation: a small JPEG cleaned
in-process and in a child, median of ``--runs``.
"""

import argparse
import io
import os
import statistics
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageCms

from benchmarks.common import load_line, machine_line
from rongrian.channels import files, isolation
from rongrian.channels.files import xmlparts
from rongrian.channels.isolation import CleanerLimits, clean_in_child
from tests.channels import bombs, samples

MB = 1024 * 1024
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _big_picture(width: int, height: int, mode: str) -> Image.Image:
    """A smooth picture of ``width`` x ``height`` (small noise enlarged: compresses well)."""
    small = Image.frombytes("RGB", (width // 16, height // 16),
                            os.urandom((width // 16) * (height // 16) * 3))
    return small.resize((width, height), Image.Resampling.BILINEAR).convert(mode)


def _turned_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turned 90 degrees, so the cleaning makes a turned copy
    exif[0x010F] = "Benchmark Camera"
    return exif


def largest_jpeg() -> bytes:
    """A JPEG just under ``MAX_IMAGE_PIXELS``, turned by EXIF, with an sRGB profile."""
    width = 8660
    height = files.MAX_IMAGE_PIXELS // width
    out = io.BytesIO()
    _big_picture(width, height, "RGB").save(out, format="JPEG", quality=85,
                                            exif=_turned_exif(), icc_profile=_SRGB)
    return out.getvalue()


def largest_png() -> bytes:
    """An RGBA PNG just under ``MAX_IMAGE_PIXELS`` (one colour: a small file, all the same to
    decode), turned by EXIF, with an sRGB profile."""
    width = 8660
    height = files.MAX_IMAGE_PIXELS // width
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 120, 40, 180)).save(
        out, format="PNG", exif=_turned_exif(), icc_profile=_SRGB)
    return out.getvalue()


def pixel_bomb_png() -> bytes:
    """A small PNG whose header claims 100,000 x 100,000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * 100_000) * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


def pdf_of_photos(pages: int = 100) -> bytes:
    """A PDF of ``pages`` pages, each one 1600 x 1200 JPEG with EXIF (so each is re-encoded),
    about 15 MB."""
    pdf = pikepdf.Pdf.new()
    for _ in range(pages):
        out = io.BytesIO()
        _big_picture(1600, 1200, "RGB").save(out, format="JPEG", quality=60,
                                              exif=_turned_exif())
        image = pikepdf.Stream(pdf, out.getvalue())
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = 1600, 1200
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        image.Filter = pikepdf.Name.DCTDecode
        page = pdf.add_blank_page(page_size=(800, 600))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            Im1=pdf.make_indirect(image)))
        page.Contents = pdf.make_stream(b"q 800 0 0 600 0 0 cm /Im1 Do Q")
    pdf.docinfo["/Author"] = "Benchmark Author"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


#: One paragraph with revision marks: 44 bytes, three nodes (an element, two attributes).
PARAGRAPH = b'<w:p w:rsidR="00AB12CD" w:rsidP="00AB12CD"/>'
#: One paragraph with 40 attributes: 396 bytes, 41 nodes.
CROWDED = b"<w:p " + b" ".join(b'w:a%d="1"' % number for number in range(40)) + b"/>"


def _nodes(xml: bytes) -> int:
    """Elements and attributes, counted as the cleaning counts them before parsing."""
    return xml.count(b"<") + xml.count(b'="') + xml.count(b"='")


def near_cap_docx(unit: bytes) -> bytes:
    """A Word document whose body is as many whole MiB of ``unit`` as the caps allow: under
    the per-part cap (bytes) and the node cap (elements and attributes)."""
    most = getattr(xmlparts, "MAX_XML_NODES", 1_000_000) - 2 * _nodes(bombs.DOCUMENT_HEAD)
    per_mib = (MB // len(unit)) * _nodes(unit)
    return bombs.docx_bomb(min(files.MAX_PART_BYTES // MB - 1, most // per_mib), unit)


SAMPLES: list[tuple[str, Callable[[], bytes]]] = [
    ("JPEG 50 MP, EXIF-turned, profile", largest_jpeg),
    ("PNG RGBA 50 MP, EXIF-turned, profile", largest_png),
    ("DOCX near node cap, plain paragraphs", lambda: near_cap_docx(PARAGRAPH)),
    ("DOCX near node cap, 40 attributes each", lambda: near_cap_docx(CROWDED)),
    ("PDF 100 photos with EXIF", pdf_of_photos),
    ("bomb: DOCX -> 384 MiB", lambda: bombs.docx_bomb(384)),
    ("bomb: DOCX -> 2 GiB", lambda: bombs.docx_bomb(2047)),
    ("bomb: PNG claiming 10 Gpx", pixel_bomb_png),
]


def resident_kib(pid: int | str = "self") -> int:
    """``VmRSS`` of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(data: bytes, limits: CleanerLimits, max_bytes: int, folder: Path
            ) -> dict[str, Any]:
    """One file through the cleaning server: its answer, the seconds, this process's growth."""
    server = isolation.server()
    request = isolation.cleaning_request(files.clean_upload, max_bytes, folder, limits)
    with tempfile.TemporaryFile(dir=folder) as source, \
            tempfile.TemporaryFile(dir=folder) as sink:
        source.write(data)
        source.flush()
        before = resident_kib()
        started = time.perf_counter()
        answer = server.clean({**request, "start": 0}, source.fileno(), sink.fileno(),
                              limits.seconds)
        seconds = time.perf_counter() - started
        grown = resident_kib() - before
    return {**answer, "seconds": seconds, "parent_grown_kib": grown}


def outcome(answer: dict[str, Any]) -> str:
    """``accepted <type>``, ``refused <class> <details>`` or ``failed <reason>``."""
    if "media_type" in answer:
        return f"accepted {str(answer['media_type']).rsplit('.', 1)[-1]}"
    refused = answer.get("refused")
    if isinstance(refused, dict):
        state = ",".join(f"{key}={value}" for key, value in refused.get("state", {}).items())
        return f"refused {refused.get('name')} {state}"
    return f"failed {answer.get('failed')}"


def overhead(runs: int, limits: CleanerLimits) -> tuple[float, float, float]:
    """Milliseconds of cleaning a small JPEG: median in-process, median and least in a
    child."""
    photo = samples.jpeg_with_gps(size=(640, 480))
    inside, isolated = [], []
    for _ in range(runs):
        started = time.perf_counter()
        files.clean_upload(io.BytesIO(photo), max_bytes=MB).close()
        inside.append(time.perf_counter() - started)
        started = time.perf_counter()
        clean_in_child(io.BytesIO(photo), max_bytes=MB, limits=limits).close()
        isolated.append(time.perf_counter() - started)
    return (statistics.median(inside) * 1000, statistics.median(isolated) * 1000,
            min(isolated) * 1000)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--memory-mb", type=int, default=isolation.DEFAULT_MEMORY_MB)
    parser.add_argument("--timeout-s", type=float, default=isolation.DEFAULT_TIMEOUT_S)
    parser.add_argument("--max-mb", type=int, default=20, help="largest upload, in MiB")
    parser.add_argument("--runs", type=int, default=50, help="runs of the overhead figure")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; figures go to standard output."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    limits = CleanerLimits(options.memory_mb * MB, options.timeout_s)
    print("Rongrian cleaning memory: each file in a limited child "
          f"(address space {options.memory_mb} MiB, {options.timeout_s:.0f} s)")
    print(machine_line())
    print(f"at start, {load_line()}")
    server = isolation.server()
    server.start()
    with tempfile.TemporaryDirectory(prefix="rongrian-bench-clean-") as folder:
        clean_in_child(io.BytesIO(samples.jpeg_with_gps()), max_bytes=MB).close()  # warm
        assert server.process is not None  # noqa: S101
        print(f"warm server resident size: {resident_kib(server.process.pid) / 1024:.0f} MB")
        print(f"{'file':<38} {'size':>9} {'outcome':<44} {'s':>6} {'peak MB':>8} "
              f"{'parent +MB':>10}")
        for name, make in SAMPLES:
            data = make()
            answer = measure(data, limits, options.max_mb * MB, Path(folder))
            peak = answer.get("peak_kib")
            print(f"{name:<38} {len(data) / MB:>6.2f} MB {outcome(answer):<44.44} "
                  f"{answer['seconds']:>6.2f} "
                  f"{(f'{peak / 1024:.0f}' if isinstance(peak, int) else 'killed'):>8} "
                  f"{answer['parent_grown_kib'] / 1024:>10.1f}")
            del data
    inside, isolated, least = overhead(options.runs, limits)
    print(f"\nper-file cost, 640x480 JPEG, median of {options.runs}: in-process "
          f"{inside:.1f} ms, isolated {isolated:.1f} ms (+{isolated - inside:.1f} ms; "
          f"fastest isolated {least:.1f} ms)")
    print(f"at end, {load_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
