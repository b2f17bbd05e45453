"""Dependency direction (DESIGN.md): crypto ← intake ← {channels, admin}, checked from imports.

Every module under ``rongrian/`` is parsed with :mod:`ast`; every ``import``/``from … import``
anywhere in it (functions, ``if TYPE_CHECKING`` blocks included) and every
``importlib.import_module("…")``/``__import__("…")`` with a literal name counts.
"""

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import rongrian

PACKAGE_ROOT = Path(rongrian.__file__).resolve().parent
STDLIB = frozenset(sys.stdlib_module_names)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Absolute names of every module ``source`` (the text of ``module``) imports."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            found.add(target)
            # ``from rongrian import admin`` imports the module rongrian.admin.
            found.update(f"{target}.{alias.name}" for alias in node.names
                         if target.startswith("rongrian") and alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def _modules() -> dict[str, set[str]]:
    result = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        name = _module_name(path)
        result[name] = imports_of(path.read_text(encoding="utf-8"), name,
                                  is_package=_is_package(path))
    return result


MODULES = _modules()


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _top(name: str) -> str:
    return name.partition(".")[0]


def _modules_of(package: str) -> dict[str, set[str]]:
    found = {name: imported for name, imported in MODULES.items() if _under(name, package)}
    assert found, f"no modules found under {package}: the check would pass vacuously"
    return found


def _violations(package: str, allowed: Iterable[str], *, stdlib: bool = True
                ) -> list[tuple[str, str]]:
    """(module, import) pairs of ``package`` outside stdlib and the ``allowed`` packages."""
    allowed = tuple(allowed)
    return sorted(
        (module, name)
        for module, imported in _modules_of(package).items()
        for name in imported
        if not (stdlib and _top(name) in STDLIB)
        and not any(_under(name, ok) for ok in allowed)
    )


def _forbidden(package: str, forbidden: Iterable[str],
               exceptions: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    forbidden, exceptions = tuple(forbidden), set(exceptions)
    return sorted(
        (module, name)
        for module, imported in _modules_of(package).items()
        for name in imported
        if any(_under(name, bad) for bad in forbidden)
        and not any(module == where and _under(name, ok) for where, ok in exceptions)
    )


def test_the_whole_package_is_seen() -> None:
    for package in ("rongrian.crypto", "rongrian.intake", "rongrian.web", "rongrian.channels",
                    "rongrian.admin"):
        assert _modules_of(package)
    assert "cryptography.hazmat.primitives.ciphers.aead" in MODULES["rongrian.crypto.aead"]
    assert "rongrian.crypto.keys" in MODULES["rongrian.intake.keyring"]


def test_crypto_imports_only_stdlib_and_cryptography() -> None:
    assert _violations("rongrian.crypto", ["cryptography", "rongrian.crypto"]) == []


#: What the domain core may import besides the standard library: holidays (the Thai
#: public-holiday calendar of the service clock, issue 9: data only), scipy and numpy (the
#: linear programs of the small-count suppression audit, issue 10: pure computation) and
#: pythainlp (Thai word segmentation of the category suggestion, issue 12). None is a web
#: framework or an adapter: the core still never imports flask, linebot or qrcode (next test).
INTAKE_ALLOWED = ["sqlalchemy", "rongrian.crypto", "rongrian.intake", "holidays", "scipy",
                  "numpy", "pythainlp"]


def test_intake_imports_only_stdlib_sqlalchemy_and_crypto() -> None:
    assert _violations("rongrian.intake", INTAKE_ALLOWED) == []


def test_intake_never_imports_web_frameworks_or_adapters() -> None:
    assert _forbidden("rongrian.intake", ["flask", "werkzeug", "linebot", "qrcode", "zxingcpp",
                                          "rongrian.channels", "rongrian.admin",
                                          "rongrian.web"]) == []


def test_shared_web_plumbing_never_imports_channels_or_admin() -> None:
    assert _forbidden("rongrian.web", ["rongrian.channels", "rongrian.admin"]) == []


def test_channels_never_import_admin() -> None:
    assert _forbidden("rongrian.channels", ["rongrian.admin"]) == []


def test_admin_never_imports_channels_except_to_mount_the_public_app() -> None:
    mount = "rongrian.channels.web.app"
    exceptions = [("rongrian.admin.server", mount), ("rongrian.admin.cli", mount),
                  ("rongrian.admin.cli", "rongrian.channels.line.cli"),
                  ("rongrian.admin.cli", "rongrian.channels.qr.cli"),
                  # rongrian maintenance calls the LINE channel's own purge
                  ("rongrian.admin.cli", "rongrian.channels.line.state"),
                  # the staff pages that print QR posters and the intake desk's slip draw the
                  # codes the channel draws (issue 8)
                  ("rongrian.admin.web.posters", "rongrian.channels.qr.printing"),
                  ("rongrian.admin.web.desk", "rongrian.channels.qr.codes"),
                  # the desk's scans and a resolved case's "after" photos are cleaned in the
                  # same sandbox as the web form's files (issues 8 and 9)
                  ("rongrian.admin.web.cleaning", "rongrian.channels.files"),
                  ("rongrian.admin.web.cleaning", "rongrian.channels.isolation"),
                  ("rongrian.admin.web.desk", "rongrian.channels.files"),
                  ("rongrian.admin.web.closing_forms", "rongrian.channels.files")]
    assert _forbidden("rongrian.admin", ["rongrian.channels"], exceptions) == []


# --- the checker itself can fail ----------------------------------------------------------

@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", {"flask"}),
        ("import os.path as p", {"os.path"}),
        ("from sqlalchemy.orm import Session", {"sqlalchemy.orm"}),
        ("def f():\n    from rongrian.admin import accounts", {
            "rongrian.admin", "rongrian.admin.accounts"}),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import linebot",
         {"typing", "linebot"}),
        ("from . import envelope", {"rongrian.intake", "rongrian.intake.envelope"}),
        ("from ..channels.web import app", {"rongrian.channels.web",
                                            "rongrian.channels.web.app"}),
        ("import importlib\nimportlib.import_module('qrcode')", {"importlib", "qrcode"}),
        ("__import__('flask')", {"flask"}),
    ],
)
def test_imports_are_found_wherever_they_hide(source: str, expected: set[str]) -> None:
    assert imports_of(source, "rongrian.intake.store") == expected


def test_a_forbidden_import_would_be_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    planted = dict(MODULES)
    planted["rongrian.intake.planted"] = imports_of(
        "import json\nfrom flask import g\nfrom rongrian.admin.accounts import log_in",
        "rongrian.intake.planted")
    planted["rongrian.crypto.planted"] = imports_of("import sqlalchemy", "rongrian.crypto.x")
    planted["rongrian.channels.planted"] = imports_of("import rongrian.admin.server", "x")
    monkeypatch.setattr(sys.modules[__name__], "MODULES", planted)
    assert _violations("rongrian.intake", INTAKE_ALLOWED) == [
        ("rongrian.intake.planted", "flask"),
        ("rongrian.intake.planted", "rongrian.admin.accounts"),
        ("rongrian.intake.planted", "rongrian.admin.accounts.log_in"),
    ]
    assert _violations("rongrian.crypto", ["cryptography", "rongrian.crypto"]) == [
        ("rongrian.crypto.planted", "sqlalchemy")]
    assert _forbidden("rongrian.channels", ["rongrian.admin"]) == [
        ("rongrian.channels.planted", "rongrian.admin.server")]
