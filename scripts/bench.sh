#!/usr/bin/env bash
# make bench: every benchmark in tests/perf/<name>/bench.py, full size.
# Each writes its table of figures to stdout; docs/performance.md records them.
# The suite runs each with --smoke (tiny data) so the scripts cannot rot.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/bootstrap.sh"
load_env
cd "$ROOT"
export DJANGO_SETTINGS_MODULE=config.settings.test
shopt -s nullglob
benches=("$ROOT"/tests/perf/*/bench.py)
if [ "${#benches[@]}" -eq 0 ]; then
  say "no benchmarks yet"; exit 0
fi
for bench in "${benches[@]}"; do
  say "bench: ${bench#"$ROOT"/}"
  "$PY" "$bench" "$@"
done
