# The two commands that matter: `make demo` and `make test` (see README.md).
.PHONY: demo test stop css bench lint messages services manifests

demo:  ## bootstrap, migrate, seed, serve on :8000 with a Celery worker and beat
	@bash scripts/demo.sh

test:  ## bootstrap, then the whole suite (pytest -n <cores>)
	@bash scripts/test.sh

stop:  ## stop what make demo started
	@bash scripts/stop.sh

css:  ## rebuild static/css/app.css and copy htmx, Alpine and fonts into static/ (npm)
	@bash scripts/css.sh

bench:  ## the performance benchmarks in tests/perf (not part of make test)
	@bash scripts/bench.sh

lint:
	@.venv/bin/ruff check .

messages:  ## refresh and compile the Persian catalogue
	@.venv/bin/python manage.py makemessages -l fa --ignore=.venv --ignore=node_modules --ignore=.data
	@.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules

services:  ## only PostgreSQL and Redis
	@bash scripts/services.sh start

manifests:  ## render and validate the Kubernetes overlays into build/k8s/ (see docs/operations.md)
	@bash scripts/manifests.sh
