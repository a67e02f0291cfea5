# secmine: `make run` processes the sample corpus, `make test` runs the test suite.
# Both create .venv and install the pinned dependencies from requirements.lock first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL := WARNING

.PHONY: run test install lock bench samples clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/secmine run corpus/docs --out outputs

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/secmine bench

# Rebuild the sample PDFs in corpus/docs from their sources in corpus/src.
samples: $(STAMP)
	PYTHONPATH=tools $(BIN)/python -m synth corpus/src/*.md --out corpus/docs

# Re-pin every dependency (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml requirements-build.in --extra test --extra dev --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock

clean:
	rm -rf $(VENV) outputs/* outputs/.cache
