#!/usr/bin/env bash
# VisionPS's test command. On a fresh Debian machine it installs what the tests need (apt packages: reference
# decoders and the corpus tools), builds the image corpus from ../shared/corpus into a cache, builds the module,
# runs every xunit project (core, hosted PowerShell engine), installs PowerShell 7.6.9 and Pester 5.9.1 into a cache
# (tests/install-pwsh.sh) and runs the Pester files in that pwsh.
# Ends with one line:  tests: N passed, N failed, N skipped
#   tests/run.sh [--filter EXPR]      (EXPR is passed to `dotnet test --filter`; Pester is skipped with a filter)
# Env: VISIONPS_CORPUS (default ~/.cache/visionps-corpus), CONFIGURATION (default Release),
#      VISIONPS_TOOLS (default ~/.cache/visionps-tools: PowerShell and Pester),
#      CI=true makes a missing corpus or tool, or a Pester suite that cannot run, a failure instead of a visible skip.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CONFIGURATION=${CONFIGURATION:-Release}
export VISIONPS_CORPUS=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
FILTER=""
[ "${1:-}" = "--filter" ] && FILTER=$2
passed=0; failed=0; skipped=0; broken=0
say() { printf '== %s\n' "$*"; }

# 1-3. Machine set-up (apt packages, corpus) and the module build.
bash tests/setup.sh || broken=1

# 4. xunit: every test project under tests/.
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  say "dotnet test $name"
  log=$(mktemp)
  args=(-c "$CONFIGURATION" -nologo)
  [ -n "$FILTER" ] && args+=(--filter "$FILTER")
  dotnet test "$proj" "${args[@]}" 2>&1 | tee "$log" | grep -E -A6 "^\s+Failed [A-Za-z]|Passed!|Failed!|error " | grep -vE "^\s+at (System|Xunit|InvokeStub)" 
  line=$(grep -E "(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+" "$log" | tail -n 1)
  if [ -z "$line" ]; then
    if [ -n "$FILTER" ] && grep -q "No test matches" "$log"; then rm -f "$log"; continue; fi
    echo "FAILED: $name did not report a result"; tail -n 20 "$log"; broken=1
  else
    f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line"); p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")
    s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$line")
    passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
  fi
  rm -f "$log"
done

# 5. Pester, in real PowerShell 7.6.9 (installed into the tools cache by tests/install-pwsh.sh).
pester_not_run() {
  echo "pester: NOT RUN - $1"
  [ "${CI:-}" = true ] && { echo "FAILED: under CI=true the Pester suite must run"; broken=1; }
}
if [ -n "$FILTER" ]; then
  say "pester: not run (a --filter was given)"
elif ! . tests/install-pwsh.sh; then
  pester_not_run "PowerShell 7.6.9 or Pester 5.9.1 could not be installed (see above)"
else
  say "pester ($(command -v pwsh), Pester $VISIONPS_PESTER)"
  out=$(pwsh -NoProfile -NonInteractive -File tests/run-pester.ps1 2>&1); rc=$?
  # every failure with its message, then the summary (the whole output is long)
  printf '%s\n' "$out" | grep -E -A8 '^\[-\] ' | grep -vE '^\s*$'
  printf '%s\n' "$out" | grep -vE '^\s*$' | tail -n 4
  line=$(grep -E "^pester: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped" <<<"$out" | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAILED: Pester did not report a result (exit $rc)"; broken=1
  else
    passed=$((passed+$(sed -E 's/pester: ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed+$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
    skipped=$((skipped+$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")))
  fi
fi

[ "$broken" = 0 ] || echo "tests: set-up or build failures above"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$broken" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
