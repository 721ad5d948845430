#!/usr/bin/env bash
# Lint proto/ and regenerate its TypeScript into ts/common/src/gen (`npm run gen`).
# Uses buf and ts-proto from node_modules: no network, no global installs.
# Generated code is never edited by hand: change the .proto and run this.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
buf=node_modules/.bin/buf

if [ ! -x "$buf" ] || [ ! -x node_modules/.bin/protoc-gen-ts_proto ]; then
  echo "gen-proto: buf or ts-proto missing from node_modules; run: npm install --ignore-scripts" >&2
  exit 1
fi

"$buf" lint
if ! "$buf" format --diff --exit-code >/dev/null; then
  "$buf" format --diff >&2 || true
  echo "gen-proto: proto/ is not in buf's format; run: npx buf format -w" >&2
  exit 1
fi
# buf.gen.yaml sets clean: true, so output of removed .proto files goes too.
"$buf" generate
echo "gen-proto: regenerated ts/common/src/gen from proto/"
