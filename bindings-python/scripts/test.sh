#!/usr/bin/env bash
# bindings-python tests: build the extension into .venv, run pytest (every exported function, the
# exception hierarchy, hostile input, ALL conformance vectors incl. $FESTIVAL_VECTORS_DIR,
# Wycheproof), mypy --strict on examples/python, the analytics benchmark as a small smoke run, and
# the Dask example. Called by the root scripts/test.sh; runs alone on a fresh machine too.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"

say() { printf '[bindings-python] %s\n' "$*"; }

./scripts/install.sh python

say "maturin develop (debug build) into .venv"
(cd bindings-python && maturin develop --quiet)
python -c 'import festival_core, sys; print("festival_core imported from", festival_core.__file__); sys.exit(0)'

say "pytest"
set +e
python -m pytest -q -p no:cacheprovider bindings-python/tests
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "[bindings-python] pytest collected no tests: that is a failure" >&2
  exit 1
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi

say "mypy --strict examples/python"
mypy --strict --no-incremental --cache-dir=/dev/null examples/python/*.py

say "examples/python (run)"
for f in examples/python/*.py; do
  case "$f" in
    */dask_*.py) continue ;;  # run below with its own arguments
  esac
  python "$f" >/dev/null
done
if [ -f examples/python/dask_settlement.py ]; then
  say "Dask example (2 workers)"
  python examples/python/dask_settlement.py --rows 20000 --partitions 4
fi

if [ -f bindings-python/scripts/bench_analytics.py ]; then
  say "analytics benchmark smoke (small; the 1M-row run is documented in BENCHMARKS.md)"
  python bindings-python/scripts/bench_analytics.py --rows 5000
fi
say "ok"
