#!/usr/bin/env bash
# make test: the same bootstrap as make demo (plus Chromium), then the whole suite.
# Extra arguments go to pytest: scripts/test.sh tests/tenants -k shell
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/bootstrap.sh" --test
load_env
cd "$ROOT"
export DJANGO_SETTINGS_MODULE=config.settings.test

workers="${PYTEST_WORKERS:-$(nproc)}"
set +e
"$PY" -m pytest -n "$workers" "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
