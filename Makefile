# dexwatch task runner: CI calls these same targets (.ci/run runs `make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-tools bench setup kafka-jars console-vendor lint typecheck pytest lock clean

## run: set everything up, start Kafka + worker + DEX simulator, print anomalies (Ctrl-C stops).
run: setup
	$(BIN)/dexwatch run

## test: lint, types and the whole test suite, broker tests included (the tools first: setup
## fetches the console page's uPlot with npm).
test: test-tools setup lint typecheck pytest

## test-tools: kcat and prometheus (each driven by broker tests), chromium and chromedriver (the
## console page's test) and npm (uPlot for it), installed with apt-get when missing and we are
## root. Otherwise their tests skip, naming this command (under CI=true they fail instead: CI
## must have them). `tool=package` where the package is named otherwise.
TEST_TOOLS := kcat prometheus chromium chromedriver=chromium-driver npm
test-tools:
	@missing=; for entry in $(TEST_TOOLS); do \
	  command -v $${entry%%=*} >/dev/null || missing="$$missing $${entry#*=}"; done; \
	install="apt-get install -y --no-install-recommends$$missing"; \
	if [ -z "$$missing" ]; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "test-tools: $$install"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$install -qq; } \
	    || echo "test-tools: could not install$$missing: their tests skip (fail under CI=true)"; \
	else \
	  echo "test-tools: missing$$missing: their tests skip (fail under CI=true); install: sudo $$install"; \
	fi

## bench: detection quality on every labelled corpus (NAB, DeFi; bench.quality includes what
## bench.nab prints), speed against river, memory per series, the pipeline on a real broker
## (figures: docs/benchmarks.md).
bench: setup
	$(BIN)/python -m bench.quality
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.pipeline

## setup: virtual environment, pinned Python dependencies, Kafka jars from Maven Central, the
## console page's charting library from npm.
setup: $(STAMP) kafka-jars console-vendor

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade 'pip>=24'
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## kafka-jars: resolve Apache Kafka into ~/.cache/dexwatch (once; reused after).
kafka-jars: $(STAMP)
	$(BIN)/dexwatch kafka fetch

## console-vendor: uPlot (the console page's charts) from the npm registry with `npm pack`, the
## pinned version checked against its pinned integrity, unpacked into console/static/vendor
## (git-ignored: no library code in the repository). Without npm it says so and the page says
## its charts are missing.
UPLOT_VERSION   := 1.6.32
UPLOT_INTEGRITY := sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==
VENDOR          := console/static/vendor
console-vendor: $(VENDOR)/uplot-$(UPLOT_VERSION).stamp
$(VENDOR)/uplot-$(UPLOT_VERSION).stamp:
	@if ! command -v npm >/dev/null; then \
	  echo "console-vendor: npm is not installed (apt-get install npm): the console page has no charts"; \
	  exit 0; \
	fi; \
	set -e; rm -rf $(VENDOR) $(VENDOR).tmp; mkdir -p $(VENDOR).tmp; \
	integrity=$$(cd $(VENDOR).tmp && npm pack --json --silent uplot@$(UPLOT_VERSION) \
	  | $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)[0]["integrity"])'); \
	if [ "$$integrity" != "$(UPLOT_INTEGRITY)" ]; then \
	  echo "console-vendor: uplot@$(UPLOT_VERSION) has integrity $$integrity, expected $(UPLOT_INTEGRITY)"; \
	  rm -rf $(VENDOR).tmp; exit 1; \
	fi; \
	tar -xzf $(VENDOR).tmp/uplot-$(UPLOT_VERSION).tgz -C $(VENDOR).tmp; \
	mkdir -p $(VENDOR); \
	cp $(VENDOR).tmp/package/dist/uPlot.iife.min.js $(VENDOR).tmp/package/dist/uPlot.min.css \
	   $(VENDOR).tmp/package/LICENSE $(VENDOR)/; \
	rm -rf $(VENDOR).tmp; \
	echo "uplot@$(UPLOT_VERSION) $(UPLOT_INTEGRITY)" > $@; \
	echo "console-vendor: uplot@$(UPLOT_VERSION) in $(VENDOR)"

## lint: ruff rules and formatting, and the import contracts (pyproject `[tool.importlinter]`:
## only streams/engine/faust imports faust, the stages no faust engine, detectors and schemas
## nothing above them).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## typecheck: mypy, strict, over the whole tree.
typecheck: $(STAMP)
	$(BIN)/mypy

## pytest: every test; the broker tests start one real Kafka for the session.
pytest: $(STAMP)
	$(BIN)/pytest

## lock: re-pin constraints.txt from a fresh resolve of pyproject.toml's ranges.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

## clean: remove the virtual environment and caches (Kafka jars stay in ~/.cache/dexwatch).
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis
