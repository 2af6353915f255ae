#!/usr/bin/env bash
# Checks that the generated JS exports are up to date with their table:
#   bindings-node/scripts/gen_js_exports.py -> bindings-{node,wasm}/src/{exports,ticketing}.rs
# Regenerates them into the tree, formats them with rustfmt (as the generator's header says) and
# fails if that changed anything: someone edited a generated file by hand, or edited the table
# without regenerating. In a clean checkout (CI) this is `git diff --exit-code` on those files;
# locally it compares with the files as they were before, so uncommitted but regenerated edits pass.
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"

FILES=(bindings-node/src/exports.rs bindings-node/src/ticketing.rs bindings-wasm/src/exports.rs bindings-wasm/src/ticketing.rs)
before="$(mktemp -d)"
trap 'rm -rf "$before"' EXIT
for f in "${FILES[@]}"; do
  mkdir -p "$before/$(dirname "$f")"
  cp "$f" "$before/$f" 2>/dev/null || : >"$before/$f"
done

python3 bindings-node/scripts/gen_js_exports.py
rustfmt --edition 2021 "${FILES[@]}"

stale=0
for f in "${FILES[@]}"; do
  if ! git diff --no-index --exit-code -- "$before/$f" "$f" >/dev/null; then
    git --no-pager diff --no-index --stat -- "$before/$f" "$f" || true
    stale=1
  fi
done
if [ "$stale" -ne 0 ]; then
  echo "check_generated: the generated JS exports were out of date with bindings-node/scripts/gen_js_exports.py." >&2
  echo "  They have been regenerated in the tree: review 'git diff ${FILES[*]}' and commit them." >&2
  echo "  (Never edit them by hand: change the table in gen_js_exports.py, then run this script.)" >&2
  exit 1
fi
echo "check_generated: ${#FILES[@]} generated files are up to date with bindings-node/scripts/gen_js_exports.py"
