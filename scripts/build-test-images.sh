#!/usr/bin/env bash
# Builds the container images the tests need: the AUCMEDI stand-in (a test double of the AUCMEDI
# image, not AUCMEDI), see docker/stand-in/README.md, in four tags:
#   aucmedi-desk/aucmedi-stand-in:test                  Keras 3 weight lookup, Keras's real hashes (the default)
#   aucmedi-desk/aucmedi-stand-in:keras2                Keras 2 weight lookup, Keras's real hashes
#   aucmedi-desk/aucmedi-stand-in:test-weights          Keras 3, the TEST hash table of test/fixtures/weights
#   aucmedi-desk/aucmedi-stand-in:keras2-test-weights   Keras 2, the TEST hash table
# Idempotent and quick when the images are up to date (one label comparison per tag).
set -euo pipefail
cd "$(dirname "$0")/.."
table=test/fixtures/weights/test-weights-hashes.json
build() { AUCMEDI_STANDIN_TAG="aucmedi-desk/aucmedi-stand-in:$1" AUCMEDI_STANDIN_KERAS_GENERATION="$2" AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE="$3" bash docker/stand-in/build.sh; }
build test 3 ""
build keras2 2 ""
build test-weights 3 "$table"
build keras2-test-weights 2 "$table"
