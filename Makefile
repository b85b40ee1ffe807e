# Two commands on a fresh machine: `make demo` and `make test`. Both build the venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/socpilot demo

test: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadfile -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py $(AREAS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) socpilot-data
