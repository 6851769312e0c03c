# One command per job: `make run` starts everything, `make test` proves it, `make check` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help venv run test test-unit check lint format types protos protolint protobreaking protocheck client clientcheck deploycheck bench bench-availability bench-throughput bench-pair bench-backoffice clean soak fuzz image imagecheck k8s-secrets backup restore restore-switch-back

# Every target with a `## ` comment on its line is listed, so a new target documents itself.
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "make %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Not quiet: a first install takes a couple of minutes, and pip's own lines show it moving.
$(STAMP): requirements.txt requirements-dev.txt tools/link_paths.py
	@test -x $(BIN)/python || { echo "==> creating the virtualenv $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> upgrading pip in $(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip
	@echo "==> installing requirements-dev.txt (with requirements.txt) into $(VENV): a couple of minutes the first time"
	@$(BIN)/python -m pip install -r requirements-dev.txt
	@echo "==> linking the source roots into $(VENV) (tools/link_paths.py)"
	@$(BIN)/python tools/link_paths.py
	@touch $(STAMP)
	@echo "==> $(VENV) is ready"

venv: $(STAMP) ## create .venv with requirements-dev.txt and link the source roots

# make run REPLICAS=2: two processes of every service and of the gateway.
run: venv ## start PostgreSQL, NATS, every service and the gateway with demo data (REPLICAS=2, TRACING=1)
	$(BIN)/python tools/stack.py $(if $(REPLICAS),--replicas $(REPLICAS))

# Backups of make run's PostgreSQL (or DATABASE_URL's server): tools/backup.py, deploy/README.md.
backup: venv ## pg_dump of every schema and a manifest into .data/backups/<UTC time>/
	$(BIN)/python tools/backup.py backup

# BACKUP=.data/backups/<time> restores that one; make run must be stopped for the switch.
restore: venv ## restore the newest backup (BACKUP=dir) to a NEW data directory, validate, switch to it
	$(BIN)/python tools/backup.py restore $(BACKUP)

restore-switch-back: venv ## undo the last restore's switch (the data directory or database before it)
	$(BIN)/python tools/backup.py switch-back

# The fault suite (its own platform, mostly waiting) runs beside the rest: tools/run_tests.py.
test: venv ## unit, integration, end-to-end and fault tests on real PostgreSQL and NATS (TEST_SERIAL=1: one after the other)
	$(BIN)/python tools/run_tests.py

# The fault suite for longer: 10 minutes of workload and faults per seed, 5 seeds
# (FAULT_SEED=<n> replays one; FAULT_SOAK_SECONDS / FAULT_SEEDS override).
soak: venv ## the fault suite for longer (FAULT_SOAK_SECONDS, FAULT_SEEDS, FAULT_SEED)
	FAULT_SOAK_SECONDS=$${FAULT_SOAK_SECONDS:-600} FAULT_SEEDS=$${FAULT_SEEDS:-5} \
		$(BIN)/python -m pytest tests/fault -m fault -q -s

# The gateway's OpenAPI fuzzed with many more examples than `make test` runs
# (FUZZ_EXAMPLES per operation, role and valid/invalid; FUZZ_SEED=<n> replays a run).
fuzz: venv ## the OpenAPI fuzzer (schemathesis) for longer (FUZZ_EXAMPLES, FUZZ_SEED)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/test_fuzz_gateway_openapi.py -m fuzz -q -s --timeout=0

test-unit: venv ## unit tests only (no I/O)
	$(BIN)/python -m pytest -m "not integration and not e2e and not fault"

lint: venv ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv ## ruff format and ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: venv ## mypy
	$(BIN)/mypy

protos: venv ## regenerate gen/ from protos/
	tools/protogen.sh

protolint: venv ## buf lint the protos
	cd protos && ../$(BIN)/buf lint

# A git ref to compare against: `make protobreaking AGAINST=v1.0` (by default the last
# commit, so uncommitted proto changes must not break what is committed).
AGAINST ?= HEAD
protobreaking: venv ## buf breaking: the protos against a git ref (AGAINST=HEAD)
	cd protos && ../$(BIN)/buf breaking --against '../.git#ref=$(AGAINST),subdir=protos'

protocheck: venv ## fail when gen/ is stale
	tools/check_protos.sh

client: venv ## regenerate clients/python/ (the typed HTTP client) from the gateway's OpenAPI
	$(BIN)/python -m tools.gen_client

clientcheck: venv ## fail when clients/python/ is stale
	$(BIN)/python -m tools.gen_client --check

deploycheck: venv ## validate deploy/ offline (compose, Kubernetes, dashboards and alerts, image requirements)
	bash deploy/check.sh

# IMAGE=registry/bookingplatform:tag names it; exits non-zero, saying so, without a builder.
IMAGE ?= bookingplatform:dev
image: ## build the image with docker, podman or buildah, whichever exists (IMAGE=name:tag)
	bash deploy/build_image.sh $(IMAGE)

imagecheck: venv ## the image's pip install into a fresh venv, then every entry point imports from it (slow)
	$(BIN)/python deploy/check_image.py --fresh-venv

k8s-secrets: venv ## write deploy/k8s/secrets.env and pg-credentials.env with random values (kept if present)
	$(BIN)/python deploy/k8s_secrets.py

check: lint types protolint protobreaking protocheck clientcheck deploycheck test ## every check: lint, types, protos, the client, deploy, tests

# bench-throughput last: its RESULT line must be the last line `make bench` prints.
bench: bench-availability bench-backoffice bench-throughput ## every benchmark (prints figures; the last line is RESULT ...)

bench-throughput: venv ## booking throughput, latency, overload, cost per booking, hot slot vs a monolith (~6 min)
	$(BIN)/python bench/booking_throughput.py $(BENCH_ARGS)

bench-pair: venv ## the wallet closed loop of BASE=<git ref> and of this tree, run at the same time
	$(BIN)/python bench/simultaneous_pair.py --base $(BASE) $(BENCH_ARGS)

bench-availability: venv ## availability of a month for 200 resources
	$(BIN)/python bench/availability.py

bench-backoffice: venv ## back-office search and list pages at 100,000 customers, 1,000 resources
	$(BIN)/python bench/backoffice.py

clean: ## remove .venv and the data of make run (.data)
	rm -rf $(VENV) .data
