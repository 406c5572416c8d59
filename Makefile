# Two commands for a fresh machine (see README): `make deploy` and `make test`.
# Everything else here is the set-up they share.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# jsii's end-of-life banner (Node 20 since 2026-10-30): noise in every command's output.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# The example app is synthesized and deployed for this region; no AWS account is contacted.
export CDK_DEFAULT_REGION ?= us-east-1
export CDK_DEFAULT_ACCOUNT ?= 111122223333
STACK ?= AudienceExportExample
# FLOW=whole: the whole lookalike flow (app.py's LookalikeFlowExample), on virtual time (training
# takes hours).
ifeq ($(FLOW),whole)
CDK_ARGS += -c flow=whole
STACK := LookalikeFlowExample
LOCAL_ARGS += --fast-clock
endif
CDK := $(CURDIR)/node_modules/.bin/cdk

.PHONY: deploy destroy synth test lint typecheck bench setup clean snapshots service-models \
	api-reference check-dist

## Main job: synthesize app.py, then deploy it to the embedded Clean Rooms ML endpoint.
deploy: setup
	$(CDK) synth --quiet $(CDK_ARGS)
	$(BIN)/python -m cdk_cleanrooms_ml.local deploy --app-dir cdk.out --stack $(STACK) $(LOCAL_ARGS)

destroy: setup
	$(BIN)/python -m cdk_cleanrooms_ml.local destroy --app-dir cdk.out --stack $(STACK) $(LOCAL_ARGS)

synth: setup
	$(CDK) synth --quiet $(CDK_ARGS)

## Tests: every gate, then the whole suite (unit, template, e2e, packaging) with its coverage
## floor (pyproject: 90% of constructs/ and lambda/), then the benchmarks in smoke mode.
test: setup lint typecheck api-reference check-dist
	$(BIN)/python -m pytest --cov
	$(BIN)/python -m benchmarks --smoke

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy constructs/cdk_cleanrooms_ml lambda/cleanrooms_ml_provider app.py benchmarks tools

## Benchmarks against AwsCustomResource; writes docs/benchmarks.md.
bench: setup
	$(BIN)/python -m benchmarks

setup: $(VENV)/.deps node_modules/.deps
	@# Re-linked every run: the strict editable install is a symlink tree, new modules need it.
	@$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . --config-settings editable_mode=strict \
		>$(VENV)/relink.log 2>&1 || { cat $(VENV)/relink.log; exit 1; }

$(VENV)/.deps: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $@

node_modules/.deps: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf cdk.out build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage .local-deploy

## Regenerate the example app's template snapshots (tests/snapshots/templates) on purpose.
snapshots: setup
	$(BIN)/python -m tests.snapshots.regenerate

## Rewrite the service models the handler ships from the installed botocore, then run the tests.
service-models: setup
	$(BIN)/python -m tools.service_models

## API reference from the docstrings (pdoc) into build/api/; fails on any pdoc warning.
api-reference: setup
	$(BIN)/python -m tools.api_reference --output build/api

## Build the sdist and the wheel, then twine check --strict both.
check-dist: setup
	$(BIN)/python -m tools.check_distributions
