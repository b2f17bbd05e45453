"""Decompression bombs for the isolation tests and the cleaning benchmark (issue 13, M1).

A bomb is built without ever holding or compressing its inflated content: one deflate block of
1 MiB is compressed once, ending with a full flush (which resets the compressor's history), so
the same compressed bytes can be repeated as often as wanted and still form one valid deflate
stream. The zip is written by hand (local headers, central directory, end record).
"""

import io
import struct
import zipfile
import zlib

from tests.channels import samples

MIB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#: The start of a Word body with a tracked change, so that cleaning code that blanks authors
#: parses the whole part.
DOCUMENT_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document '
                 f'xmlns:w="{W}"><w:body><w:ins w:id="1" w:author="x"/>').encode()
DOCUMENT_TAIL = b"</w:body></w:document>"


def _deflated(head: bytes, unit: bytes, mib: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of ``head + unit * k + tail`` with ``unit * k`` about ``mib`` MiB long;
    returns the compressed bytes, the CRC-32 and the inflated size."""
    chunk = unit * (MIB // len(unit))  # whole units only: the XML stays well formed
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return start + block * mib + end, crc, len(head) + mib * len(chunk) + len(tail)


def _zip(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip of ``(name, method, data, crc, inflated size)`` entries, ``data`` already stored or
    deflated."""
    out = io.BytesIO()
    central = b""
    for name, method, data, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc,
                              len(data), size, len(encoded), 0) + encoded + data)
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                               len(data), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = out.tell()
    out.write(central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries),
                                    len(entries), len(central), start, 0))
    return out.getvalue()


def docx_bomb(inflated_mib: int, unit: bytes = b"<w:p/>") -> bytes:
    """A real Word document (:func:`samples.docx_with_author`) whose ``word/document.xml``
    inflates to about ``inflated_mib`` MiB of empty paragraphs (``unit`` repeated) from a few
    hundred KB."""
    with zipfile.ZipFile(io.BytesIO(samples.docx_with_author())) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    entries = []
    for name, data in parts:
        if name == "word/document.xml":
            deflated, crc, size = _deflated(DOCUMENT_HEAD, unit, inflated_mib, DOCUMENT_TAIL)
            entries.append((name, zipfile.ZIP_DEFLATED, deflated, crc, size))
        else:
            entries.append((name, zipfile.ZIP_STORED, data, zlib.crc32(data), len(data)))
    return _zip(entries)
