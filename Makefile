# Kefir backend. `make run` serves the API locally on an emulated AWS; `make test` is what CI runs.
SHELL := /bin/bash
# The project's Python: 3.13, as on Lambda (python3.13, Amazon Linux 2023). Never another version: with
# pyenv, `.python-version` selects it; elsewhere put python3.13 on PATH or pass PYTHON=/path/to/python3.13.
PYTHON ?= python3.13
PYTHON_VERSION := 3.13
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest bench clean infra-check package check-package package-check deploy browser

# Refuse a missing or different interpreter loudly, and a .venv left by another version.
define require_python
	@$(1) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PYTHON_VERSION)" else "$(1) is Python " + v + ", not $(PYTHON_VERSION)")' 2>/dev/null \
		|| { echo "ERROR: Python $(PYTHON_VERSION) is required ('$(1)' is missing or another version)." >&2; \
		     echo "       Install it (pyenv install $(PYTHON_VERSION)) or pass PYTHON=/path/to/python$(PYTHON_VERSION)." >&2; \
		     echo "       A .venv of another version: make clean, then try again." >&2; exit 1; }
endef

$(PY):
	$(call require_python,$(PYTHON))
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(call require_python,$(PY))
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

# dynalite (a DynamoDB emulator with atomic conditional writes), pinned in tests/dynalite/package-lock.json: the
# reminder claim path's exactly-once test runs against it (tests/reminders/test_exactly_once.py).
DYNALITE := tests/dynalite/node_modules/dynalite/cli.js

$(DYNALITE): tests/dynalite/package.json tests/dynalite/package-lock.json
	npm ci --prefix tests/dynalite --no-audit --no-fund
	touch $(DYNALITE)

pytest: $(STAMP) browser $(DYNALITE)
	$(PY) -m pytest -rs

# CI also builds the dev package (offline once the wheels are cached) and checks its binaries.
test: lint infra-check pytest package-check

bench: $(STAMP)
	$(PY) -m bench

# --- Deployment (infra/README.md) ---------------------------------------------------------------
STAGE ?= dev
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

$(TOOLS_STAMP): scripts/requirements-tools.txt
	$(call require_python,$(PYTHON))
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-tools.txt
	touch $(TOOLS_STAMP)

# CloudFormation lint, checkov (skips listed and explained in infra/.checkov.yaml), shellcheck.
infra-check: $(STAMP) $(TOOLS_STAMP)
	$(VENV)/bin/cfn-lint infra/*.yaml
	$(TOOLS)/bin/checkov -d infra --config-file infra/.checkov.yaml
	command -v shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck; }
	shellcheck infra/deploy.sh scripts/build_package.sh

# The Lambda zip of a stage, built offline for arm64: .build/kefir-$(STAGE).zip. PACKAGE_ARCH is pinned here:
# the x86_64 build (.build/kefir-$(STAGE)-x86_64.zip) is the cold-start benchmark's, never deployed.
package: $(STAMP)
	PACKAGE_ARCH=arm64 bash scripts/build_package.sh $(STAGE)

check-package:
	$(PY) scripts/check_package.py .build/kefir-$(STAGE).zip

package-check: package
	$(MAKE) --no-print-directory check-package STAGE=$(STAGE)

# Needs AWS credentials: stacks in order, then zappa deploy/update (infra/deploy.sh).
deploy: $(STAMP)
	bash infra/deploy.sh $(STAGE)

clean:
	rm -rf $(VENV) $(TOOLS) .venv-package .venv-package-x86_64 .build .local .pytest_cache .ruff_cache tests/dynalite/node_modules
