# One command per job: `make run` starts everything, `make test` proves it, `make check` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help venv run test test-unit check lint format types protos protolint protocheck deploycheck bench bench-availability bench-throughput clean soak

help:
	@echo "make run    - start PostgreSQL, NATS, every service and the gateway with demo data"
	@echo "make test   - unit, integration and end-to-end tests on real PostgreSQL and NATS"
	@echo "make check  - lint, types, proto lint, stale generated code, deploy manifests, tests"
	@echo "make bench  - benchmarks (print figures)"

$(STAMP): requirements.txt requirements-dev.txt tools/link_paths.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python tools/link_paths.py
	touch $(STAMP)

venv: $(STAMP)

# make run REPLICAS=2: two processes of every service and of the gateway.
run: venv
	$(BIN)/python tools/stack.py $(if $(REPLICAS),--replicas $(REPLICAS))

test: venv
	$(BIN)/python -m pytest

# The fault suite for longer: 10 minutes of workload and faults per seed, 5 seeds
# (FAULT_SEED=<n> replays one; FAULT_SOAK_SECONDS / FAULT_SEEDS override).
soak: venv
	FAULT_SOAK_SECONDS=$${FAULT_SOAK_SECONDS:-600} FAULT_SEEDS=$${FAULT_SEEDS:-5} \
		$(BIN)/python -m pytest tests/fault -m fault -q -s

test-unit: venv
	$(BIN)/python -m pytest -m "not integration and not e2e and not fault"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: venv
	$(BIN)/mypy

protos: venv
	tools/protogen.sh

protolint: venv
	cd protos && ../$(BIN)/buf lint

protocheck: venv
	tools/check_protos.sh

deploycheck: venv
	bash deploy/check.sh

check: lint types protolint protocheck deploycheck test

bench: bench-availability bench-throughput

bench-throughput: venv
	$(BIN)/python bench/booking_throughput.py

bench-availability: venv
	$(BIN)/python bench/availability.py

clean:
	rm -rf $(VENV) .data
