#!/usr/bin/env bash
# examples/nestjs-sync tests, on a fresh machine (after scripts/install.sh node apt):
#   1. build @festival-core/node (napi build, debug) unless bindings-node already has it
#   2. npm ci from the committed package-lock.json, tsc
#   3. the e2e + load tests against SQLite (sql.js, a temp file)
#   4. the same tests against PostgreSQL: a throwaway cluster (initdb + pg_ctl from
#      /usr/lib/postgresql/*/bin) in a temp dir on a free localhost port, removed afterwards
set -euo pipefail
# shellcheck source=../../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
EX="$FESTIVAL_ROOT/examples/nestjs-sync"
step() { printf '\n[nestjs-sync] %s\n' "$*"; }

step "@festival-core/node"
if [ -f bindings-node/index.js ] && ls bindings-node/*.node >/dev/null 2>&1; then
  echo "bindings-node is built ($(ls bindings-node/*.node))"
else
  (cd bindings-node && "$NAPI" build --platform)
fi

step "npm ci (locked) + tsc"
(cd "$EX" && npm ci --no-audit --no-fund --loglevel=error --progress=false)
(cd "$EX" && ./node_modules/.bin/tsc -p tsconfig.json)

step "e2e against SQLite"
(cd "$EX" && E2E_DATABASE=sqlite node --test test/*.test.mjs)

step "e2e against PostgreSQL (throwaway cluster)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PG_BIN/initdb" ] || { echo "no /usr/lib/postgresql/*/bin/initdb: run scripts/install.sh apt (Debian package postgresql)" >&2; exit 1; }
tmp="$(mktemp -d)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: run the cluster as the package's `postgres` user.
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
cleanup() {
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"${as_pg[@]}" "$PG_BIN/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --no-locale >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $tmp -c max_connections=50 -c shared_buffers=32MB" start >/dev/null \
  || { cat "$tmp/pg.log" >&2; exit 1; }
echo "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $tmp)"
(cd "$EX" && E2E_DATABASE=postgres E2E_PG_URL="postgres://postgres@127.0.0.1:$port/postgres" node --test test/*.test.mjs)
step "ok"
