#!/usr/bin/env bash
# Installs the schemathesis CLI (PyPI) into a venv of its own and prints its path on stdout:
#   export SCHEMATHESIS_BIN="$(bash scripts/fuzz/schemathesis.sh)"
# Cached under ~/.cache/cle-fuzz (CLE_FUZZ_CACHE); progress goes to stderr.
set -euo pipefail
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV="${CLE_FUZZ_CACHE:-$HOME/.cache/cle-fuzz}/schemathesis-$VERSION"
if [ ! -x "$VENV/bin/st" ]; then
  echo "[fuzz] installing schemathesis $VERSION into $VENV" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
echo "$VENV/bin/st"
