#!/usr/bin/env bash
# Fails when committed generated code is stale (`npm run gen:check`, for CI):
#  1. ts/common/src/gen must equal what proto/ generates now (run: npm run gen);
#  2. in a git work tree, napi's generated native/allocator/binding.d.cts and
#     binding.cjs must not have changed after a build (run: npm run build).
# Run it after `npm run build` so that check 2 sees a fresh build.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
buf=node_modules/.bin/buf
gen=ts/common/src/gen
status=0

if [ ! -x "$buf" ] || [ ! -x node_modules/.bin/protoc-gen-ts_proto ]; then
  echo "check-generated: buf or ts-proto missing from node_modules; run: npm install --ignore-scripts" >&2
  exit 1
fi

# --- 1. proto code ----------------------------------------------------------
"$buf" lint
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tessera-gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# -o prefixes buf.gen.yaml's `out`, so this writes $tmp/ts/common/src/gen.
"$buf" generate -o "$tmp"
fresh="$tmp/$gen"
mkdir -p "$fresh"

stale=""
if [ -d "$gen" ]; then
  # Files generated now: missing from, or different in, the committed tree.
  while IFS= read -r file; do
    if [ ! -f "$gen/$file" ]; then
      stale="$stale  $gen/$file (missing)
"
    elif ! cmp -s "$fresh/$file" "$gen/$file"; then
      stale="$stale  $gen/$file (differs)
"
    fi
  done < <(cd "$fresh" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
  # Files committed but no longer generated (their .proto was removed or renamed).
  while IFS= read -r file; do
    if [ ! -f "$fresh/$file" ]; then
      stale="$stale  $gen/$file (no longer generated)
"
    fi
  done < <(cd "$gen" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
else
  stale="  $gen (missing)
"
fi

if [ -n "$stale" ]; then
  diff -ru "$gen" "$fresh" >&2 || true
  printf 'check-generated: generated proto code is stale:\n%s' "$stale" >&2
  echo "check-generated: run \`npm run gen\` and commit the result" >&2
  status=1
else
  echo "check-generated: $gen is up to date with proto/"
fi

# --- 2. napi declarations ---------------------------------------------------
napi_files="native/allocator/binding.d.cts native/allocator/binding.cjs"
if [ "$(git rev-parse --is-inside-work-tree 2>/dev/null || true)" = true ]; then
  # shellcheck disable=SC2086 # two fixed paths without spaces
  if ! git diff --exit-code --stat -- $napi_files >&2; then
    echo "check-generated: committed napi declarations are stale; run \`npm run build\` and commit" >&2
    status=1
  else
    untracked=""
    for file in $napi_files; do
      if [ -z "$(git ls-files -- "$file")" ]; then
        untracked="$untracked $file"
      fi
    done
    if [ -n "$untracked" ]; then
      echo "check-generated: warning: not committed yet:$untracked; run \`npm run build\` and commit them" >&2
    else
      echo "check-generated: napi declarations match the commit"
    fi
  fi
else
  echo "check-generated: warning: not a git work tree; skipped the napi declaration check" >&2
fi

exit "$status"
