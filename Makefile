# solieu — the README's two commands are `make ingest` and `make test`; both bootstrap .venv/.
SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
REPORT     ?= raw_reports
WAREHOUSE  ?= warehouse/warehouse.duckdb
SHARED     ?= ../shared
EXPORT     ?= warehouse/export
LAKE       ?= warehouse/lake

.PHONY: ingest test report explain rules eval clean help sql reextract export bench

help:
	@echo "make ingest [REPORT=file|folder] [WAREHOUSE=path.duckdb]   read reports into the warehouse, check, report"
	@echo "make test                                                 run the test suite"
	@echo "make fuzz [FUZZ_EXAMPLES=20000]                           the property tests over arbitrary text, at length"
	@echo "make report [WAREHOUSE=...]                               regenerate the consistency reports"
	@echo "make explain FACT=<fact_id>                               show a fact in its sentence"
	@echo "make rules                                                list rules and their examples"
	@echo "make checks                                               list checks in run order and their examples"
	@echo "make eval                                                 score the development reports against their answer keys"
	@echo "make sql [Q=\"select ...\"]                                 DuckDB shell on the warehouse (read-only), or run one query"
	@echo "make reextract                                            rebuild all facts and checks with the current rules; print the diff"
	@echo "make export [EXPORT=dir]                                  facts and checks as Parquet (by year, locality) and CSV"
	@echo "make bench [REPORTS=100] [PDFS=20] [REPEAT=3]             time the whole ingest on a generated corpus beside its floors"
	@echo "make docs                                                 regenerate docs/warehouse.md from the schema's COMMENT ON"
	@echo "make lake [REPORT=...] [LAKE=dir] [SCHEDULER=tcp://host:port] read and check reports on a Dask cluster into a lake of Parquet files"
	@echo "make lake-load [LAKE=dir] [WAREHOUSE=...]                 load the lake into the warehouse, check across reports (docs/scale.md)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

ingest: $(STAMP)
	$(PY) -m pipeline ingest $(REPORT) --warehouse $(WAREHOUSE)

test: $(STAMP) browser
	$(PY) -m pytest

# The property tests of tests/facts/test_fuzz.py with many more examples than CI runs (minutes, not seconds).
FUZZ_EXAMPLES ?= 20000
.PHONY: fuzz
fuzz: $(STAMP)
	SOLIEU_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/facts/test_fuzz.py

# The browser tests drive Debian's chromium; install it when missing and we may (root), else say how.
.PHONY: browser
browser:
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium to run them)"; fi; }

report: $(STAMP)
	$(PY) -m pipeline report --warehouse $(WAREHOUSE)

explain: $(STAMP)
	$(PY) -m pipeline explain "$(FACT)" --warehouse $(WAREHOUSE)

rules: $(STAMP)
	$(PY) -m pipeline rules

.PHONY: checks
checks: $(STAMP)
	$(PY) -m pipeline checks

eval: $(STAMP)
	$(PY) -m pipeline eval --shared $(SHARED)

sql: $(STAMP)
	@$(PY) -m pipeline sql --warehouse $(WAREHOUSE) $(if $(Q),-c '$(subst ','\'',$(Q))')

reextract: $(STAMP)
	$(PY) -m pipeline reextract --warehouse $(WAREHOUSE)

bench: $(STAMP)
	$(PY) -m pipeline.bench --reports $(or $(REPORTS),100) --pdfs $(or $(PDFS),20) --repeat $(or $(REPEAT),3) --shared $(SHARED)

export: $(STAMP)
	$(PY) -m pipeline export --warehouse $(WAREHOUSE) --out $(EXPORT)

# Without SCHEDULER, a local cluster of one worker per core (WORKERS=N to choose); docs/scale.md.
.PHONY: lake lake-load
lake: $(STAMP)
	$(PY) -m pipeline lake $(REPORT) --lake $(LAKE) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(WORKERS),--workers $(WORKERS))

lake-load: $(STAMP)
	$(PY) -m pipeline lake-load --lake $(LAKE) --warehouse $(WAREHOUSE)

# docs/ is a folder, so the target must be phony to run at all.
.PHONY: docs
docs: $(STAMP)
	$(PY) -m pipeline docs

clean:
	rm -rf warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/*.duckdb.lock warehouse/reports warehouse/export warehouse/lake .pytest_cache
