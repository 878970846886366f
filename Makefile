# The one entry point: `make run` starts everything embedded, `make test` checks everything.
# Both work in a virtual environment of the repo's own (.venv), never in the system Python.
SYSTEM_PYTHON ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --disable-pip-version-check
PORT ?= 8080
PROTO_FILES := $(shell find proto -name '*.proto')

.PHONY: install install-dev run test unit integration fuzz lint proto proto-check bench \
	test-servers contract-tools proto-baseline docs clean web web-check

$(PYTHON):
	$(SYSTEM_PYTHON) -m venv $(VENV)

# pip prints each package as it collects and installs it: a long first install shows progress.
$(VENV)/.installed-runtime: pyproject.toml | $(PYTHON)
	@echo "installing runtime dependencies into $(VENV) (the first time takes a few minutes)"
	$(PIP) install --progress-bar on -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PYTHON)
	@echo "installing runtime and test dependencies into $(VENV) (the first time takes a few minutes)"
	$(PIP) install --progress-bar on -e '.[dev]'
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

run: install
	$(PYTHON) -m shouwang.cli up --port $(PORT)

# Generated protobuf/gRPC code is committed (readers see the contracts' Python shape, the package
# installs without grpcio-tools); proto-check fails when it is stale.
proto: install-dev
	$(PYTHON) -m grpc_tools.protoc -I proto --python_out=. --pyi_out=. --grpc_python_out=. $(PROTO_FILES)
	@for d in $$(find shouwang -path '*/v1' -type d); do touch $$d/__init__.py $$(dirname $$d)/__init__.py; done

proto-check: proto
	@stale=$$(git status --porcelain -- shouwang | grep -E '/v1/|shouwang/[a-z]+/__init__.py'); \
	  if [ -n "$$stale" ]; then echo "$$stale"; \
	    echo "generated code is stale: run 'make proto' and commit"; exit 1; fi

lint: install-dev
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

docs: install-dev
	$(PYTHON) -m shouwang.cli config-docs > docs/configuration.md
	$(PYTHON) -m shouwang.asyncapi > docs/asyncapi.yaml

# The event-contract checkers (AsyncAPI parser, buf), installed from npm under .cache/.
contract-tools:
	scripts/build-contract-tools

# Accept the event payloads as they are now as the baseline consumers rely on (a deliberate,
# announced change: `make test` fails on any payload change that would break a consumer).
proto-baseline: contract-tools
	.cache/contracts/node_modules/.bin/buf build proto -o proto/events-baseline.binpb

test-servers:
	scripts/build-test-servers

# helm, kubeconform, Kubernetes' schemas, checkov, kube-apiserver and etcd for tests/k8s (cached
# under .cache/k8s/; the first build of kube-apiserver takes minutes).
.PHONY: k8s-tools
k8s-tools:
	scripts/build-k8s-tools

# The one container image (Dockerfile) with buildah, no daemon and no registry: a debootstrap
# minbase imported locally, chroot isolation; then a smoke run. Not part of `make test`.
.PHONY: image
image:
	k8s/build-image

# The dispatcher console and the patroller app are built from pinned npm packages
# (web/package-lock.json) and committed in web/console/dist and web/app/dist like the protobuf
# code, so `make run` needs only Python; web-check rebuilds both (type-checking with tsc on the
# way) and fails when either committed copy is stale.
web: install-dev
	PYTHON=$(PYTHON) scripts/build-web

web-check: web
	@stale=$$(git status --porcelain -- web/console/dist web/app/dist); \
	  if [ -n "$$stale" ]; then echo "$$stale"; \
	    echo "web/console/dist or web/app/dist is stale: run 'make web' and commit"; exit 1; fi

# Every test, including the bounded API fuzzing (tests/fuzz), those on real Kafka + FerretDB and
# the fault suite's short version (tests/faults: each fault once); the browser tests (tests/web)
# drive Debian's chromium, which setup-browser installs. Two workers, one per core: a module's
# tests stay together, and so do those of the shared cluster (tests/conftest.py).
TEST_WORKERS ?= 2
test: install-dev proto-check web-check lint test-servers k8s-tools contract-tools
	scripts/setup-browser
	$(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

unit: install-dev
	$(PYTHON) -m pytest -q -m "not integration"

integration: install-dev test-servers
	$(PYTHON) -m pytest -q -m integration

# The long fuzzing run (>= 30,000 calls), with its report under bench/results/.
fuzz: install-dev
	$(PYTHON) -m tests.fuzz.long_run

# The fault suite at length (tests/faults): the broker, FerretDB, every service and the bridge
# SIGKILLed under load FAULTS_ROUNDS times each; counts and recovery
# times are printed and written to bench/results/faults-chaos-*.json.
FAULTS_ROUNDS ?= 3
.PHONY: chaos
chaos: install-dev test-servers
	FAULTS_ROUNDS=$(FAULTS_ROUNDS) $(PYTHON) -m pytest -q -p no:cacheprovider -m faults tests/faults

# The location benchmark compares with Debian's redis-server and with Tile38 (built with Go from
# the module proxy, or from the source snapshot in ../shared/peers when the proxy refuses it).
bench: install-dev
	$(PIP) install -e '.[dev,bench]'
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	-scripts/build-tile38
	$(PYTHON) -m bench.location
	$(PYTHON) -m bench.ingest
	$(PYTHON) -m bench.capacity
	$(PYTHON) -m bench.ferretdb_statements
	$(PYTHON) -m bench.ferretdb_writers
	$(PYTHON) -m bench.identity
	$(PYTHON) -m bench.dispatch
	$(PYTHON) -m bench.intercom
	$(PYTHON) -m bench.live_call
	scripts/setup-browser
	$(PYTHON) -m bench.console_fps

clean:
	rm -rf .cache .shouwang $(VENV)
