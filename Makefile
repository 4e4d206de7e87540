# Two commands for people: `make run` (the dashboard) and `make test` (every check).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= $(or $(PASSEPORT_DB),data/passeport.duckdb)
PORT ?= 8501

.PHONY: run test install install-dev browser lint typecheck demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

# Debian's Chromium for the real-browser test (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (paquet Debian)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: install
	$(BIN)/python -m lib demo --db "$(DB)" --replace

run: install
	@test -f "$(DB)" || $(BIN)/python -m lib demo --db "$(DB)"
	PASSEPORT_DB="$(DB)" $(BIN)/python serve.py --server.address localhost --server.port $(PORT) \
	  --browser.gatherUsageStats false --server.headless true

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

test: install-dev browser lint typecheck
	$(BIN)/python -m pytest -n 2

bench: install-dev browser
	$(BIN)/python bench/run.py
	$(BIN)/python bench/pages.py
	@test -f "$(DB)" || $(BIN)/python -m lib demo --db "$(DB)"
	$(BIN)/python bench/pages.py --store "$(DB)" --out bench/PAGES_DEMO.md
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/bombs.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
