# Two entry points for a fresh machine (see README's quick start):
#   make serve   install, build the index from content/ if there is none, and serve it
#   make test    install with test tools and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve browser jekyll node axe test

# the service alone; the test tools (playwright, schemathesis...) only for `make test`
# setup.py compiles src/casesearch/_wordscore.c, _highlight.c and _postlists.c (optional: without a C compiler the Python code does their work)
$(STAMP): pyproject.toml setup.py src/casesearch/_wordscore.c src/casesearch/_highlight.c src/casesearch/_postlists.c
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/casesearch reindex
	$(BIN)/casesearch search "open data"

# gunicorn on http://$(HOST):$(PORT)/ ; `casesearch serve` builds the index first when there is none.
serve: $(STAMP)
	$(BIN)/casesearch serve --host $(HOST) --port $(PORT)

# The browser test drives Debian's chromium (CI runs as root on a fresh machine); a browser is never downloaded.
# Without its ~115 recommended packages (avahi, cups, samba libraries): headless needs none of them
# but fonts to draw text with (fonts-liberation, one of the recommended, is kept).
browser:
	command -v chromium >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation; }

# tests/test_jekyll_oracle.py and test_heading_ids.py compare casesearch with Debian's jekyll
# (never a gem download); ruby-stringex is what kramdown's transliterated_header_ids needs.
jekyll:
	{ command -v jekyll && ruby -e 'require "stringex"'; } >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends jekyll ruby-stringex; }

# tests/js/ (node's own test runner) holds the JavaScript client to Python's analysis;
# the machine's Node.js, else Debian's.
node:
	command -v node >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs; }

# tests/test_a11y.py runs axe-core (package.json, pinned in package-lock.json) in the browser;
# npm from the machine, else Debian's.
axe: node
	command -v npm >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm; }
	npm ci --no-audit --no-fund

# pytest exits 5 when it collects no test: not a failure of the suite itself.
# CASESEARCH_REQUIRE_JEKYLL: the tests that compare with jekyll fail instead of skipping
test: $(TEST_STAMP) browser jekyll node axe
	CASESEARCH_REQUIRE_JEKYLL=1 $(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; \
	CASESEARCH_PYTHON=$(BIN)/python node --test tests/js/; js=$$?; [ $$rc -eq 0 ] && [ $$js -eq 0 ]
