# Two entry points: `make demo` (crawl, archive and summarise the bundled demo site)
# and `make test` (what CI runs). Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench demo-site clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/threadwarc demo

test: $(BIN)/.installed lint
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .

demo-site: $(BIN)/.installed
	$(BIN)/python -m demosite --port 8000

bench: $(BIN)/.installed
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/callbacks.py

clean:
	rm -rf $(VENV) warc datasets/demo .pytest_cache
