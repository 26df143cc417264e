# Kefir backend. `make run` serves the API locally on an emulated AWS; `make test` is what CI runs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest bench clean browser

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py runlocal --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The support console's browser tests drive Debian's chromium (never a downloaded browser). Installing it
# may fail (no root, no network): the browser tests then skip, and -rs prints why in the summary.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing chromium for the browser tests (apt-get)..."; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
			|| echo "WARNING: could not install chromium; the browser tests (tests/support/test_browser.py) will be SKIPPED."; \
	fi

pytest: $(STAMP) browser
	$(PY) -m pytest -rs

test: lint pytest

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache
