#!/usr/bin/env bash
# `npm run test:image`: the image tests (test/image/, ava with its own config).
# Installs the Debian tools if missing, builds the image with `npm run image`
# unless dist/image.json already describes this exact tree (same commit, clean,
# or OMNIGRAPH_IMAGE_REBUILD=1), then runs the build, smoke and mirror tests.
# Needs root (umoci unpack, unshare, chroot).
set -euo pipefail
readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
log() { printf '[test:image] %s\n' "$*" >&2; }

"$REPO_ROOT/image/tools.sh" install

want="$(git rev-parse HEAD)"
git diff --quiet HEAD -- || want="$want-dirty"
have="$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync("dist/image.json", "utf8")).revision) } catch {}')"
if [[ ${OMNIGRAPH_IMAGE_REBUILD:-} == 1 || $have != "$want" || $want == *-dirty || ! -f dist/omnigraph-image.oci.tar ]]; then
  log "building the image (dist/image.json: '${have:-none}', tree: $want)"
  bash image/build.sh >/dev/null
else
  log "dist/image.json already describes $want; not rebuilding"
fi
exec npx ava --config test/image/ava.config.mjs "$@"
