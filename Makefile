# civreg: two commands on a fresh machine
#   make demo   install what is missing, generate a sample district and run the pipeline on it
#   make test   install what is missing and run the test suite (SQLite and PostgreSQL)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie fonts-dejavu-core poppler-utils
export OMP_THREAD_LIMIT := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test lint bench system-deps venv clean-var

system-deps:
	@missing=""; \
	command -v tesseract >/dev/null 2>&1 || missing="$(APT_PACKAGES)"; \
	if command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -qx vie; then missing="$(APT_PACKAGES)"; fi; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$(APT_PACKAGES)"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$(APT_PACKAGES)"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,dask]'
	touch $(STAMP)

venv: $(STAMP)

demo: system-deps venv
	$(BIN)/civreg demo

test: system-deps venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadgroup

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: system-deps venv
	$(BIN)/pip install -q -e '.[dev,dask,bench]'
	$(BIN)/python -m bench.population_import
	$(BIN)/python -m bench.normalize
	$(BIN)/python -m bench.ocr
	$(BIN)/python -m bench.match
	$(BIN)/python -m bench.pipeline

clean-var:
	rm -rf var
