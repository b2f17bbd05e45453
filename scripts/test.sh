#!/usr/bin/env bash
# Set up and run the whole test suite: lint (ruff), types (mypy --strict) and pytest, including
# the end-to-end test in headless Chromium. Runs on SQLite, and on PostgreSQL too when
# RONGRIAN_TEST_DATABASE_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/env.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the end-to-end test..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check rongrian tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
