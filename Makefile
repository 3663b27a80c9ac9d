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
	@echo "make bench [REPORTS=100] [PDFS=20] [SCANS=1] [REPEAT=3]   time the whole ingest on a generated corpus beside its floors"
	@echo "make scan-check                                           ingest the scanned sample beside the printed one and compare"
	@echo "make docs                                                 regenerate docs/warehouse.md from the schema's COMMENT ON"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@$(MAKE) --no-print-directory tesseract
	@touch $(STAMP)

ingest: $(STAMP)
	$(PY) -m pipeline ingest $(REPORT) --warehouse $(WAREHOUSE)

test: $(STAMP) browser tesseract
	$(PY) -m pytest

# Scanned PDFs are read by Debian's Tesseract with its Vietnamese model (extract/reading/ocr.py); install
# them when missing and we may (root), else say how. Without them a scan is refused with that command.
.PHONY: tesseract
tesseract:
	@{ command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -x vie >/dev/null; } || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null; \
	  else echo "tesseract-ocr-vie is missing: scanned PDFs will be refused (sudo apt-get install tesseract-ocr tesseract-ocr-vie to read them)"; fi; }

# The whole scanned sample (31 pages) ingested beside the printed one and compared (a few minutes).
.PHONY: scan-check
scan-check: $(STAMP) tesseract
	SOLIEU_OCR_SAMPLE=1 $(PY) -m pytest -q -p no:cacheprovider tests/reading/test_ocr.py -k scanned_sample

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
	$(PY) -m pipeline.bench --reports $(or $(REPORTS),100) --pdfs $(or $(PDFS),20) --scans $(or $(SCANS),1) \
	  --repeat $(or $(REPEAT),3) --shared $(SHARED)

export: $(STAMP)
	$(PY) -m pipeline export --warehouse $(WAREHOUSE) --out $(EXPORT)

# docs/ is a folder, so the target must be phony to run at all.
.PHONY: docs
docs: $(STAMP)
	$(PY) -m pipeline docs

clean:
	rm -rf warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/*.duckdb.lock warehouse/reports warehouse/export .pytest_cache
