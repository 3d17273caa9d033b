# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SITE   := example-site
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test install lint bench clean serve mermaid-asset

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

$(SITE)/scout.db: $(SITE)/scout.sql | $(BIN)/python
	rm -f $@
	$(BIN)/python -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" $@ $(SITE)/scout.sql

demo: install $(SITE)/scout.db
	cd $(SITE) && ../$(BIN)/mkdocs build --strict --site-dir site
	@echo "Built $(SITE)/site/index.html (open it, or run: make serve)"

serve: install $(SITE)/scout.db
	cd $(SITE) && ../$(BIN)/mkdocs serve

# The real Mermaid parser (Node.js) checks the diagrams we emit; skipped when node/npm are missing.
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		(cd tests/js && npm ci --silent --no-audit --no-fund) && touch $@; \
	else echo "npm not found: the Mermaid parser test will be skipped"; fi

test: install tests/js/node_modules/.installed
	$(BIN)/ruff check mkdocs_schema_sync tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check mkdocs_schema_sync tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check mkdocs_schema_sync tests benchmarks

# The Mermaid the plugin ships (option `mermaid: bundled`): the version tests/js pins, from npm.
MERMAID_VERSION := $(shell sed -n 's/.*"mermaid": *"\([^"]*\)".*/\1/p' tests/js/package.json)
ASSETS := mkdocs_schema_sync/assets
mermaid-asset:
	@test -n "$(MERMAID_VERSION)" || { echo "no mermaid version in tests/js/package.json"; exit 1; }
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null \
		&& tar -xzf mermaid-$(MERMAID_VERSION).tgz package/dist/mermaid.min.js package/LICENSE) \
		&& cp $$tmp/package/dist/mermaid.min.js $(ASSETS)/mermaid.min.js \
		&& cp $$tmp/package/LICENSE $(ASSETS)/mermaid.LICENSE && rm -rf $$tmp
	sed -i 's/^MERMAID_VERSION = .*/MERMAID_VERSION = "$(MERMAID_VERSION)"/' mkdocs_schema_sync/plugin/mermaid.py
	@ls -l $(ASSETS)/mermaid.min.js

bench: install
	$(BIN)/python benchmarks/introspect.py

clean:
	rm -rf $(VENV) $(SITE)/site $(SITE)/scout.db .pytest_cache tests/js/node_modules
