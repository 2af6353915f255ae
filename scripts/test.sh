#!/usr/bin/env bash
# THE one command that runs every festival-core test, in every language, on a fresh machine.
#   scripts/test.sh            install tools (scripts/install.sh), then run all stages
#   scripts/test.sh --quick    skip the install step (tools already there)
# Stages, in order: install, cargo test -p festival-core, the festival_day example, then each
# binding's own bindings-<lang>/scripts/test.sh when it exists (after node: the NestJS sync
# service's e2e tests, examples/nestjs-sync/scripts/test.sh). Every stage runs even if an
# earlier test stage failed (so one run shows every failure); a failed install stops the run.
# Exit status: 0 only if every stage passed. Each stage's output is also kept in
# .tools/logs/test-<stage>.log, and a summary with per-stage seconds closes the run.
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "test.sh: unknown argument '$a'" >&2; usage >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$FESTIVAL_ROOT"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
# Per-stage limits, so one hung test (a browser, a JVM) cannot eat CI's whole 90 minutes.
# The install gets more: two cold cargo builds on 2 cores, slower still on a busy machine.
STAGE_TIMEOUT="${FESTIVAL_STAGE_TIMEOUT:-1800}"
INSTALL_TIMEOUT="${FESTIVAL_INSTALL_TIMEOUT:-3000}"
# The NestJS service's e2e tests take ~1 min (npm ci, SQLite and PostgreSQL runs); 10 min is a hang.
NESTJS_TIMEOUT="${FESTIVAL_NESTJS_TIMEOUT:-600}"
LOG_DIR="$FESTIVAL_TOOLS/logs"
mkdir -p "$LOG_DIR"

RUN_T0=$SECONDS
STAGE_NAMES=() STAGE_RESULTS=() STAGE_SECS=() STAGE_LOGS=()

hr() { printf '%s\n' "======================================================================"; }

# run_stage SLUG "Title" cmd args...
run_stage() {
  local slug="$1" title="$2"; shift 2
  local log="$LOG_DIR/test-$slug.log" t0=$SECONDS rc=0 limit="$STAGE_TIMEOUT"
  if [ "$slug" = install ]; then limit="$INSTALL_TIMEOUT"; fi
  if [ "$slug" = nestjs ]; then limit="$NESTJS_TIMEOUT"; fi
  hr
  printf '== [%d] %s   (+%ds since start)\n' "$(( ${#STAGE_NAMES[@]} + 1 ))" "$title" "$((SECONDS - RUN_T0))"
  printf '== $ %s\n' "$*"
  hr
  set +e
  timeout -k 30 "$limit" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  local secs=$((SECONDS - t0)) result=PASS
  if [ "$rc" -eq 124 ]; then result="FAIL (timed out after ${limit}s)";
  elif [ "$rc" -ne 0 ]; then result="FAIL (exit $rc)"; fi
  printf -- '-- %s: %s in %ds\n' "$title" "$result" "$secs"
  STAGE_NAMES+=("$title") STAGE_RESULTS+=("$result") STAGE_SECS+=("$secs") STAGE_LOGS+=("$log")
  return 0
}

skip_stage() {
  local title="$1" why="$2"
  hr; printf '== [%d] %s: SKIPPED (%s)\n' "$(( ${#STAGE_NAMES[@]} + 1 ))" "$title" "$why"; hr
  STAGE_NAMES+=("$title") STAGE_RESULTS+=("SKIP ($why)") STAGE_SECS+=(0) STAGE_LOGS+=("")
}

# Best-effort count of tests from the runners' own closing lines in the stage logs:
# cargo test, pytest, node --test, JUnit console launcher.
count_tests() {
  local passed=0 failed=0 f p q
  for f in "${STAGE_LOGS[@]}"; do
    [ -n "$f" ] && [ -f "$f" ] || continue
    read -r p q < <(awk '
      /^test result: / { for (i=1;i<=NF;i++) { if ($(i)~/^passed;?$/) p+=$(i-1); if ($(i)~/^failed;?$/) f+=$(i-1) } next }
      /^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s( \([0-9:]+\))?( =+)?$/ { for (i=1;i<=NF;i++) { if ($(i)~/^passed,?$/) p+=$(i-1); if ($(i)~/^(failed|errors?),?$/) f+=$(i-1) } next }
      /^(ℹ|#) pass [0-9]+$/ { p+=$3; next }
      /^(ℹ|#) fail [0-9]+$/ { f+=$3; next }
      /\[ *[0-9]+ tests successful *\]/ { s=$0; gsub(/[^0-9]/," ",s); split(s,a," "); p+=a[1]; next }
      /\[ *[0-9]+ tests failed *\]/ { s=$0; gsub(/[^0-9]/," ",s); split(s,a," "); f+=a[1]; next }
      END { print p+0, f+0 }' "$f")
    passed=$((passed + p)) failed=$((failed + q))
  done
  echo "$passed $failed"
}

summary() {
  local i n_fail=0 n_pass=0 n_skip=0
  hr
  echo "== festival-core test summary ($(( SECONDS - RUN_T0 ))s in all)"
  for i in "${!STAGE_NAMES[@]}"; do
    printf '  %-34s %6ss  %s\n' "${STAGE_NAMES[$i]}" "${STAGE_SECS[$i]}" "${STAGE_RESULTS[$i]}"
    case "${STAGE_RESULTS[$i]}" in PASS) n_pass=$((n_pass+1));; SKIP*) n_skip=$((n_skip+1));; *) n_fail=$((n_fail+1));; esac
  done
  hr
  local counts; counts="$(count_tests)"
  echo "stages: $n_pass ok, $n_fail not ok, $n_skip skipped (logs: .tools/logs/test-*.log)"
  # Tests counted from the runners' own result lines above (cargo, pytest, node, JUnit).
  echo "tests: ${counts% *} passed, ${counts#* } failed"
  [ "$n_fail" -eq 0 ]
}

if [ "$QUICK" -eq 1 ]; then
  skip_stage "install" "--quick"
else
  run_stage install "install (scripts/install.sh)" ./scripts/install.sh
  if [ "${STAGE_RESULTS[-1]}" != PASS ]; then
    echo "test.sh: install failed; not running the tests" >&2
    summary || true
    exit 1
  fi
fi

# --no-fail-fast: one failing test binary must not hide the results of the others (and the doc tests).
run_stage core "cargo test -p festival-core" cargo test -p festival-core --no-fail-fast
run_stage example "example festival_day" cargo run --example festival_day

# Build outputs that only one stage uses, removed after it on CI (or with FESTIVAL_PRUNE=1) to
# keep the run's peak disk use low: CI's disk is small, and a run once failed with ENOSPC.
# node: napi builds for an explicit --target triple, a second copy of every dependency;
# wasm: the wasm32 test build and the two wasm-release builds.
prune_after() {
  [ "${CI:-}" = "true" ] || [ "${FESTIVAL_PRUNE:-0}" = "1" ] || return 0
  local dirs=()
  case "$1" in
    node) dirs=(target/x86_64-unknown-linux-gnu) ;;
    wasm) dirs=(target/wasm32-unknown-unknown target/wasm-release) ;;
  esac
  [ "${#dirs[@]}" -gt 0 ] || return 0
  rm -rf "${dirs[@]}"
  echo "test.sh: pruned ${dirs[*]}; disk: $(df -h . | awk 'NR==2 {print $4 " free"}'), target/ $(du -sh target 2>/dev/null | cut -f1)"
}

for lang in node wasm python mobile; do
  script="bindings-$lang/scripts/test.sh"
  if [ -x "$script" ]; then
    run_stage "$lang" "bindings-$lang" "./$script"
  elif [ -f "$script" ]; then
    echo "test.sh: warning: $script is not executable (git update-index --chmod=+x); running it with bash" >&2
    run_stage "$lang" "bindings-$lang" bash "./$script"
  else
    skip_stage "bindings-$lang" "no $script"
  fi
  prune_after "$lang"
  # Real clients of the node package, right after it is built and tested.
  if [ "$lang" = node ]; then
    run_stage nestjs "examples/nestjs-sync" ./examples/nestjs-sync/scripts/test.sh
  fi
done

summary
