#!/usr/bin/env bash
# make css: build the committed front-end assets in static/ from npm packages.
#   static/src/app.css  -> static/css/app.css  (Tailwind CLI, minified)
#   htmx, Alpine, Chart.js -> static/vendor/
#   Vazirmatn (variable woff2 + its licence) -> static/fonts/
# Only needed after changing templates or static/src; the run-time serves static/ (no CDN).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v npm >/dev/null || { echo "ERROR: npm is required (apt-get install nodejs npm)" >&2; exit 1; }

if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then
    # A registry mirror without every platform's optional packages (Tailwind's
    # native binaries) records an incomplete lock that `npm ci` refuses; install
    # the same versions without rewriting the committed lock then.
    npm ci --no-audit --no-fund || {
      echo "npm ci failed; installing from package.json without touching package-lock.json" >&2
      npm install --no-save --no-audit --no-fund
    }
  else
    npm install --no-audit --no-fund
  fi
fi

mkdir -p static/css static/vendor static/fonts

npx --no-install @tailwindcss/cli -i static/src/app.css -o static/css/app.css --minify

cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
cp node_modules/alpinejs/dist/cdn.min.js static/vendor/alpine.min.js
# Chart.js: loaded only by the pages that draw a chart (the gold rate board).
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
# No brackets in the served name: "Vazirmatn[wght].woff2" needs URL-escaping everywhere.
cp "node_modules/vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2" static/fonts/Vazirmatn-Variable.woff2
cp node_modules/vazirmatn/OFL.txt static/fonts/Vazirmatn-OFL.txt

echo "built static/css/app.css ($(wc -c <static/css/app.css) bytes), static/vendor/, static/fonts/"
