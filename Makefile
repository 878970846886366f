# The one entry point: `make run` starts everything embedded, `make test` checks everything.
PYTHON ?= python3
PORT ?= 8080
PROTO_FILES := $(shell find proto -name '*.proto')

.PHONY: install run test unit integration lint proto proto-check bench test-servers docs clean

.cache/installed: pyproject.toml
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@mkdir -p .cache && touch $@

install: .cache/installed

run: install
	$(PYTHON) -m shouwang.cli up --port $(PORT)

# Generated protobuf/gRPC code is committed (readers see the contracts' Python shape, the package
# installs without grpcio-tools); proto-check fails when it is stale.
proto: install
	$(PYTHON) -m grpc_tools.protoc -I proto --python_out=. --pyi_out=. --grpc_python_out=. $(PROTO_FILES)
	@for d in $$(find shouwang -path '*/v1' -type d); do touch $$d/__init__.py $$(dirname $$d)/__init__.py; done

proto-check: proto
	@stale=$$(git status --porcelain -- shouwang | grep -E '/v1/|shouwang/[a-z]+/__init__.py'); \
	  if [ -n "$$stale" ]; then echo "$$stale"; \
	    echo "generated code is stale: run 'make proto' and commit"; exit 1; fi

lint: install
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

docs: install
	$(PYTHON) -m shouwang.cli config-docs > docs/configuration.md

test-servers:
	scripts/build-test-servers

test: install proto-check lint test-servers
	$(PYTHON) -m pytest -q

unit: install
	$(PYTHON) -m pytest -q -m "not integration"

integration: install test-servers
	$(PYTHON) -m pytest -q -m integration

# The location benchmark compares with Debian's redis-server and with Tile38 (built with Go when
# the module proxy serves it; skipped, with the reason printed, when it does not).
bench: install
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	-scripts/build-tile38
	$(PYTHON) -m bench.location
	$(PYTHON) -m bench.identity
	$(PYTHON) -m bench.dispatch


clean:
	rm -rf .cache .shouwang
