"""Office documents as zip packages (OOXML and ODF): limits, then cleaned part by part.

Limits (zip bombs), checked before anything is inflated from the zip's central directory and
again from the bytes actually inflated, which are what count (a zip's stated sizes can lie;
Python's :mod:`zipfile` also never inflates more than the stated size of a part and then fails
its CRC check): at most :data:`MAX_ZIP_ENTRIES` parts, each at most :data:`MAX_PART_BYTES`
once inflated, all kept parts together at most :data:`MAX_EXPANDED_BYTES`. A part is held in
memory whole (at most :data:`MAX_PART_BYTES`) while it is cleaned; XML parts are parsed with
lxml's default limits (no text node over 10 MB, no nesting over 256 levels). Dropped parts are
never inflated. Over a limit: :class:`~rongrian.channels.files.errors.DecompressionBomb`.

Which parts stay and how each is cleaned: :mod:`~rongrian.channels.files.ooxml` and
:mod:`~rongrian.channels.files.odf`. Every zip entry is written dated 1980-01-01 with no extra
fields or comment.
"""

import copy
import functools
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from rongrian.channels.files import odf, ooxml
from rongrian.channels.files.errors import DecompressionBomb, UnreadableFile, UnsupportedFileType
from rongrian.channels.files.images import PLACEHOLDER_PNG, clean_embedded_image
from rongrian.channels.files.xmlparts import clean_xml

#: Largest a single part may inflate to (32 MiB: the text of a 5,000-page Word document or a
#: 300,000-row sheet is smaller; a photo larger than this is not a document's).
MAX_PART_BYTES = 32 * 1024 * 1024
#: Largest all kept parts together may inflate to (128 MiB: over six times the largest upload
#: of 20 MiB, since text compresses about 5 to 10 times and photos not at all; bounds the work
#: and, with one part in memory at a time, the memory of one file).
MAX_EXPANDED_BYTES = 128 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
_MACRO_MARKERS = ("vbaProject.bin", "Basic/", "Scripts/")


class _Budget:
    """Counts the bytes really inflated, part by part and in total."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.total = 0

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The part inflated, refused past the limits; a part whose inflated size differs from
        the size its zip entry states is corrupt (or a bomb, past the limit)."""
        unbounded = copy.copy(info)
        # zipfile stops at the stated size and then checks the CRC: let it inflate past a
        # stated size that lies, so the bytes it really holds are what is counted.
        unbounded.file_size = MAX_PART_BYTES + 2
        with self.archive.open(unbounded) as part:
            data = part.read(MAX_PART_BYTES + 1)
        if len(data) > MAX_PART_BYTES:
            raise DecompressionBomb("part", MAX_PART_BYTES)
        if len(data) != info.file_size:
            raise UnreadableFile("corrupt")
        self.total += len(data)
        if self.total > MAX_EXPANDED_BYTES:
            raise DecompressionBomb("total", MAX_EXPANDED_BYTES)
        return data


@dataclass
class _Plan:
    """What happens to each part of one package."""

    media_type: str
    odf: bool
    #: Part name → ``"types"``, ``"manifest"``, ``"rels"``, ``"empty"``, ``"meta"``, ``"xml"``,
    #: ``"image"``, ``"copy"`` or ``"drop"``.
    actions: dict[str, str]
    #: Source part → its dropped relationship ids → their outside target (or ``None``).
    links: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: Parts read while planning: relationships (cleaned), content types and manifest (raw).
    prepared: dict[str, bytes] = field(default_factory=dict)
    #: Images replaced by :data:`PLACEHOLDER_PNG` → their new content type.
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def kept(self) -> set[str]:
        return {name for name, action in self.actions.items() if action != "drop"}


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    names = [info.filename for info in infos]
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DecompressionBomb("entries", MAX_ZIP_ENTRIES)
    if any(info.file_size > MAX_PART_BYTES for info in infos):
        raise DecompressionBomb("part", MAX_PART_BYTES)
    if sum(info.file_size for info in infos) > MAX_EXPANDED_BYTES:
        raise DecompressionBomb("total", MAX_EXPANDED_BYTES)
    if len(set(names)) != len(names) or any(
            name.startswith("/") or ".." in name.split("/") for name in names):
        raise UnreadableFile("corrupt")
    if any(info.flag_bits & 0x1 for info in infos):
        raise UnreadableFile("encrypted")
    if any(marker in name for name in names for marker in _MACRO_MARKERS):
        raise UnsupportedFileType("macro")


def _ooxml_plan(budget: _Budget, infos: dict[str, zipfile.ZipInfo]) -> _Plan:
    types = budget.read(infos[ooxml.CONTENT_TYPES])
    names = list(infos)
    media_type = ooxml.main_media_type(names, types)
    defaults, overrides = ooxml.content_types(types)
    content_types = {
        name: overrides.get(name, defaults.get(name.rpartition(".")[2].lower(), ""))
        for name in names}
    actions = {name: ooxml.classify(name, content_types[name]) for name in names}
    plan = _Plan(media_type, False, actions)
    kept = plan.kept
    for name, action in actions.items():
        if action == "rels" and ooxml.source_of(name) not in kept | {""}:
            actions[name] = "drop"
    kept = plan.kept
    for name, action in actions.items():
        if action == "rels":
            plan.prepared[name], plan.links[ooxml.source_of(name)] = ooxml.clean_rels(
                budget.read(infos[name]), name, kept)
    plan.prepared[ooxml.CONTENT_TYPES] = types
    return plan


def _odf_plan(budget: _Budget, infos: dict[str, zipfile.ZipInfo]) -> _Plan:
    names = list(infos)
    manifest = budget.read(infos[odf.MANIFEST]) if odf.MANIFEST in infos else b""
    media_type = odf.media_type_of(budget.read(infos["mimetype"]), names, manifest)
    plan = _Plan(media_type, True, {name: odf.classify(name) for name in names})
    plan.prepared[odf.MANIFEST] = manifest
    return plan


def _cleaned(plan: _Plan, name: str, read: Callable[[], bytes]) -> bytes:
    """The cleaned bytes of one kept part (not the content types or manifest)."""
    action = plan.actions[name]
    if action == "rels":
        return plan.prepared[name]
    if action == "empty":
        return ooxml.EMPTY_PARTS[name]
    if action == "meta":
        return odf.empty_meta(read())
    if action == "xml":
        return clean_xml(read(), plan.links.get(name, {}), recover=name.endswith(".vml"))
    if action == "image":
        image = clean_embedded_image(read())
        if image is not None:
            return image
        plan.placeholders[name] = "image/png"
        return PLACEHOLDER_PNG
    return read()  # "copy": mimetype, fonts


def _entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    """A zip entry with no trace of who saved it or when: fixed date, no extras, no comment."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    return info


def _write(archive: zipfile.ZipFile, plan: _Plan, budget: _Budget, out: zipfile.ZipFile
           ) -> None:
    deferred = []
    for info in archive.infolist():
        action = plan.actions.get(info.filename, "drop")
        if action == "drop" or info.is_dir():
            continue
        if action in ("types", "manifest"):
            deferred.append(info)
            continue
        compress = zipfile.ZIP_STORED if info.compress_type == zipfile.ZIP_STORED \
            else zipfile.ZIP_DEFLATED
        out.writestr(_entry(info.filename, compress),
                     _cleaned(plan, info.filename, functools.partial(budget.read, info)))
    for info in deferred:
        raw = plan.prepared[info.filename]
        cleaned = odf.clean_manifest(raw, plan.kept, plan.placeholders) if plan.odf else \
            ooxml.clean_content_types(raw, plan.kept, plan.placeholders)
        out.writestr(_entry(info.filename, zipfile.ZIP_DEFLATED), cleaned)


def clean_package(source: IO[bytes], sink: IO[bytes]) -> str:
    """Clean the OOXML or ODF document in ``source`` into ``sink``; return its media type.

    Raises :class:`~rongrian.channels.files.errors.DecompressionBomb`,
    :class:`~rongrian.channels.files.errors.UnsupportedFileType` (``"archive"`` for a zip that
    is no document, ``"macro"``, ``"document"``), :class:`UnreadableFile` (``"corrupt"``,
    ``"encrypted"``), :class:`~rongrian.channels.files.errors.FileTooLarge` (``"pixels"``) for
    an image inside over the limit.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile("corrupt") from exc
    with archive, zipfile.ZipFile(sink, "w") as out:
        try:
            infos = archive.infolist()
            _check_directory(infos)
            budget = _Budget(archive)
            by_name = {info.filename: info for info in infos}
            if infos and infos[0].filename == "mimetype":
                plan = _odf_plan(budget, by_name)
            elif ooxml.CONTENT_TYPES in by_name:
                plan = _ooxml_plan(budget, by_name)
            else:
                raise UnsupportedFileType("archive")
            _write(archive, plan, budget, out)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError,
                NotImplementedError) as exc:
            raise UnreadableFile("corrupt") from exc
    return plan.media_type
