# Kefir backend. `make run` serves the API locally on an emulated AWS; `make test` is what CI runs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest bench clean infra-check package check-package package-check deploy browser

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

# CI also builds the dev package (offline once the wheels are cached) and checks its binaries.
test: lint infra-check pytest package-check

bench: $(STAMP)
	$(PY) -m bench

# --- Deployment (infra/README.md) ---------------------------------------------------------------
STAGE ?= dev
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

$(TOOLS_STAMP): scripts/requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS) || python3 -m venv $(TOOLS)
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
	rm -rf $(VENV) $(TOOLS) .venv-package .venv-package-x86_64 .build .local .pytest_cache .ruff_cache
