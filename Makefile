# The one entry point: `make run` for the site, `make test` for the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test cluster-test lint assets migrations-check bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian/Ubuntu run 'apt-get install python3.11-venv'."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

## run: the site on http://127.0.0.1:8000 with a Celery worker and beat (SQLite, embedded broker)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@bash scripts/run-dev.sh

## test: the whole suite against throwaway PostgreSQL 15 and Redis, with headless Chromium
test: $(STAMP)
	@bash scripts/with-test-services.sh $(PY) -m pytest $(PYTEST_ARGS)

## cluster-test: the site as several machines run it, on loopback (docs/scaling.md): PostgreSQL
## primary and replica, PgBouncer, Redis, two gunicorn behind HAProxy, Celery workers and beats
cluster-test: $(STAMP)
	@bash scripts/with-test-services.sh $(PY) -m pytest tests/cluster -m cluster -p no:cacheprovider $(PYTEST_ARGS)

## bench: load-test the pages and the reminder pipeline against baselines (docs/performance.md)
bench: $(STAMP)
	@bash scripts/bench.sh $(PY)

## lint: ruff, formatting, migrations and Django's checks
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(VENV)/bin/bandit -q -ll -c pyproject.toml -r config clinic patients assessments exercises bookings portal notifications loadgen treatment rehab running
	@bash scripts/audit-deps.sh

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

## assets: refresh static/vendor from the npm registry (package-lock.json pins the versions)
assets:
	npm ci --no-audit --no-fund
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   static/vendor/bootstrap/

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
