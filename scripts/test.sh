#!/usr/bin/env bash
# Set up and run the whole test suite: lint (ruff), types (mypy --strict) and pytest, including
# the end-to-end test in headless Chromium. Runs on SQLite, and on PostgreSQL too when
# RONGRIAN_TEST_DATABASE_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/env.sh
# Debian packages the suite drives: chromium (browser tests), poppler (pdftoppm/pdftotext: PDFs
# rendered and read back), LibreOffice headless (DOCX rendered), PostgreSQL's client tools.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${missing[*]}..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
.venv/bin/ruff check rongrian tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
