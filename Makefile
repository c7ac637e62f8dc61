# interlog: make setup (idempotent), make demo, make test, make bench, make lint.
SHELL := /bin/bash
PY    := .venv/bin/python
PIP   := .venv/bin/pip
KAFKA_VERSION ?= 4.1.1
CACHE ?= $(HOME)/.cache/interlog
KAFKA_LIBS := $(CACHE)/kafka-$(KAFKA_VERSION)/libs

.PHONY: setup system-packages venv kafka-jars browser demo test test-unit test-integration bench lint clean

setup: system-packages venv kafka-jars

# The distribution's packages, only where the binaries are missing (needs root or sudo).
system-packages:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: .venv/.installed

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

kafka-jars: $(KAFKA_LIBS)/.complete

# Keyed by version in its path, so clones share it; order-only so a fresh clone does not refetch.
$(KAFKA_LIBS)/.complete: | deploy/local/pom.xml
	rm -rf $(KAFKA_LIBS).partial
	mvn -q -B -f deploy/local/pom.xml dependency:copy-dependencies -Dkafka.version=$(KAFKA_VERSION) \
	    -DoutputDirectory=$(KAFKA_LIBS).partial -DincludeScope=runtime
	rm -rf $(KAFKA_LIBS) && mv $(KAFKA_LIBS).partial $(KAFKA_LIBS)
	echo $(KAFKA_VERSION) > $@

demo: setup
	.venv/bin/interlog demo

# Unit tests first (fast, no network), then everything against real servers.
test: setup
	.venv/bin/pytest tests/unit -q
	.venv/bin/pytest tests/integration -q

test-unit: venv
	.venv/bin/pytest tests/unit -q

bench: setup
	.venv/bin/interlog bench --json

lint: venv
	.venv/bin/ruff check interlog producers consumers schemas aggregators cli benchmarks tests
	.venv/bin/mypy

clean:
	rm -rf .venv .interlog
