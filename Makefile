# Vestige: `make demo` and `make test` are all a new machine needs (Debian/Ubuntu).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pywb and py-wacz, the peers the tests check captures and WACZ files against, live in their own venv: it needs brotlipy,
# which clashes with the Brotli package mitmproxy uses.
REPLAY := .venv-replay
REPLAY_STAMP := $(REPLAY)/.installed
# ReplayWeb.page's offline UI (ui.js, sw.js) for `vestige replay`: fetched from the npm registry at build time,
# never at run time, the pinned version's tarball checked against this SHA-256. AGPL-3.0-or-later (LICENSE kept).
RWP_VERSION := 2.5.3
RWP_SHA256  := b7d35c39c4da9b7121c5a393911d8675d4cc6f19513c380191e16b086bea812c
RWP_DIR     := vendor/replaywebpage
RWP_STAMP   := $(RWP_DIR)/.installed-$(RWP_VERSION)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all dev system-deps demo test test-fast lint format bench docs clean

all: dev

# Debian packages: venv support, openssl (the tests run a real `openssl ts` TSA), Chromium (captures),
# Pango and DejaVu fonts (WeasyPrint writes the PDF/A exhibit reports), b3sum and pdftotext (the tests check
# bundles with them, as a recipient would), xvfb (the test of `vestige session add --login` opens its headed
# login window on a virtual display), ffmpeg (yt-dlp merges the best video and the best audio with it).
# Nothing downloads a browser of its own: Debian's chromium, or Playwright's if one is already installed.
system-deps:
	@missing=""; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v b3sum >/dev/null || missing="$$missing b3sum"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v xvfb-run >/dev/null || missing="$$missing xvfb"; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	[ -x /usr/bin/chromium ] || ls $$HOME/.cache/ms-playwright/chromium-*/chrome-linux/chrome >/dev/null 2>&1 \
	  || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

$(REPLAY_STAMP):
	$(PYTHON) -m venv $(REPLAY)
	$(REPLAY)/bin/pip install -q --upgrade pip
	$(REPLAY)/bin/pip install -q "pywb>=2.8" "wacz>=0.6"
	@touch $(REPLAY_STAMP)

$(RWP_STAMP):
	@command -v npm >/dev/null || $(MAKE) --no-print-directory system-deps
	rm -rf $(RWP_DIR) && mkdir -p $(RWP_DIR)
	cd $(RWP_DIR) && npm pack --silent replaywebpage@$(RWP_VERSION) >/dev/null
	echo "$(RWP_SHA256)  $(RWP_DIR)/replaywebpage-$(RWP_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf $(RWP_DIR)/replaywebpage-$(RWP_VERSION).tgz -C $(RWP_DIR) --strip-components=1 \
	  package/ui.js package/sw.js package/LICENSE package/package.json
	rm $(RWP_DIR)/replaywebpage-$(RWP_VERSION).tgz
	@touch $@

dev: $(STAMP) $(REPLAY_STAMP) $(RWP_STAMP)

demo: system-deps $(STAMP) $(RWP_STAMP)
	@bash demo/run.sh

test: system-deps $(STAMP) $(REPLAY_STAMP) $(RWP_STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) $(REPLAY_STAMP) $(RWP_STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check vestige tests bench tools
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python tools/cli_reference.py

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) $(REPLAY) $(RWP_DIR) demo-archive demo-archive-bundle .mypy_cache .ruff_cache
