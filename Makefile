# Two entry points: `make demo` (crawl, archive and summarise the bundled demo site)
# and `make test` (what CI runs). Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pywb (tests/replay/) lives in a virtualenv of its own: its pins clash with ours
# (tests/pywb-requirements.txt says which and why).
PYWB := $(VENV)/pywb

.PHONY: demo test lint bench demo-site clean pywb

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(PYWB)/bin/.installed: tests/pywb-requirements.txt
	$(PYTHON) -m venv $(PYWB)
	$(PYWB)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB)/bin/python -m pip install --quiet -r tests/pywb-requirements.txt
	touch $@

pywb: $(PYWB)/bin/.installed

# Our modules' bytecode, written once: an editable install leaves the source tree uncompiled, and
# where PYTHONDONTWRITEBYTECODE is set (as on this project's CI machines) every process would
# compile them again: ~0.2 s of each crawl's start-up and of its WARC writer's. Redone when a
# source file changes; a stale .pyc is never used (Python checks the source's mtime).
SOURCES := $(shell find crawler pipelines demosite -name '*.py' 2>/dev/null)
$(VENV)/.compiled: $(BIN)/.installed $(SOURCES)
	$(BIN)/python -m compileall -q crawler pipelines demosite
	touch $@

demo: $(BIN)/.installed $(VENV)/.compiled
	$(BIN)/threadwarc demo

# Two processes, each test module whole on one (its module fixtures built once): CI has 2 cores.
test: $(BIN)/.installed $(VENV)/.compiled $(PYWB)/bin/.installed lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(BIN)/.installed
	$(BIN)/ruff check .

demo-site: $(BIN)/.installed
	$(BIN)/python -m demosite --port 8000

bench: $(BIN)/.installed $(VENV)/.compiled
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/callbacks.py

clean:
	rm -rf $(VENV) warc datasets/demo .pytest_cache
