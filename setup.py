"""Build hook: compile the Thai page catalogs (``messages.po`` → ``messages.mo``) into the
package before it is built, so an installed Rongrian never has to write into its own code
(the systemd units make it read-only). Everything else is in ``pyproject.toml``."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """``build_py`` that first compiles every ``translations/*/LC_MESSAGES/messages.po``."""

    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path(__file__).resolve().parent.glob(
                "rongrian/**/translations/*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalog)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
