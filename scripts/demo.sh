#!/usr/bin/env bash
# Set up and start Rongrian on the embedded default: SQLite in ./instance, the demo municipality.
# Prints the recovery key and the demo logins once (nothing of them is written to disk),
# then the addresses to open. Ctrl+C stops it.
# HOST and PORT choose the address; the tracking links and receipt QR codes follow them unless
# RONGRIAN_PUBLIC_URL is set. The production server is `rongrian serve` (docs/deploying.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/env.sh
exec .venv/bin/rongrian demo --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
