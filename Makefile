# Two commands for a new machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test screenshots setup migrate sample demo-users check-deploy bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

sample: migrate
	$(PY) manage.py import_plan samples/plan-external-affairs-bureau.txt --organization 전북특별자치도 --create-organization --quiet

demo-users: sample
	$(PY) manage.py seed_demo

run: demo-users
	$(PY) manage.py runserver $(HOST):$(PORT)

# Two test processes (pytest-xdist), each with its own test database; a file's tests stay in one process so
# that a module's shared server and browser start once. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2
test: setup
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

# The browser tests again, saving their pictures into docs/screenshots (a plain test run keeps them aside).
screenshots: setup
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser

check-deploy: setup
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')} \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media
