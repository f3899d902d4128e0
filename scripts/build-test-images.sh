#!/usr/bin/env bash
# Builds the container images the tests need. For now: the AUCMEDI stand-in (a test double of
# the AUCMEDI image, not AUCMEDI), see docker/stand-in/README.md. Idempotent and quick when the
# image is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
bash docker/stand-in/build.sh
