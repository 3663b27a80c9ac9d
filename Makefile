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

# A user's value (REPORT, WAREHOUSE, Q, FACT, EXPORT …) reaches the command as one shell word, unharmed:
# $(value …) takes it as typed, with no `$` expanded by make, and it is single-quoted for bash (a `'`
# becomes '\'', a newline $$'\n'). `$(call arg,NAME,--option)` is `--option '<value>'`, or nothing when
# the value is empty (the command's own default then applies).
define newline


endef
quote = '$(subst $(newline),'$$'\n'',$(subst ','\'',$(value $(1))))'
arg = $(if $(value $(1)),$(if $(2),$(2) )$(call quote,$(1)))

.PHONY: ingest test report explain rules eval clean help sql reextract export bench remove

help:
	@echo "make ingest [REPORT=file|folder] [WAREHOUSE=path.duckdb]   read reports into the warehouse, check, report"
	@echo "make ingest REPORT=file ID=<report_id>                    ingest one file as (a new version of) that report"
	@echo "make remove ID=<report_id> [ALL=1]                        remove a report's current version (ALL=1: every version)"
	@echo "make test                                                 run the test suite"
	@echo "make fuzz [FUZZ_EXAMPLES=20000]                           the property tests over arbitrary text, at length"
	@echo "make report [WAREHOUSE=...]                               regenerate the consistency reports"
	@echo "make review CHECK=<check_id> DECISION=confirmed|false_alarm|explained [NOTE=..] [BY=..]   record a decision on a flag"
	@echo "make review IMPORT=<file.json>                            store the decisions exported from a report page"
	@echo "make explain FACT=<fact_id>                               show a fact in its sentence"
	@echo "make rules                                                list rules and their examples"
	@echo "make checks                                               list checks in run order and their examples"
	@echo "make eval [SHARED=../shared]                              score the development reports of SHARED/reports against their answer keys"
	@echo "make sql [Q=\"select ...\"]                                 DuckDB shell on the warehouse (read-only), or run one query"
	@echo "make reextract                                            rebuild all facts and checks with the current rules; print the diff"
	@echo "make export [EXPORT=dir]                                  facts and checks as Parquet (by year, locality) and CSV"
	@echo "make bench [REPORTS=100] [PDFS=20] [SCANS=1] [REPEAT=3]   time the whole ingest on copies of raw_reports/ and SHARED's samples"
	@echo "make scan-check                                           ingest the scanned sample beside the printed one and compare"
	@echo "make docs                                                 regenerate docs/warehouse.md from the schema's COMMENT ON"
	@echo "make lake [REPORT=...] [LAKE=dir] [SCHEDULER=tcp://host:port] read and check reports on a Dask cluster into a lake of Parquet files"
	@echo "make lake-load [LAKE=dir] [WAREHOUSE=...]                 load the lake into the warehouse, check across reports (docs/scale.md)"
	@echo
	@echo "Values reach the command unchanged (spaces, quotes, \$$, Vietnamese): make ingest REPORT=\"Báo cáo/Báo cáo 9 tháng.docx\";"
	@echo "REPORT is one file or folder (python -m pipeline ingest takes several). Exit codes: python -m pipeline --help"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@$(MAKE) --no-print-directory tesseract
	@touch $(STAMP)

ingest: $(STAMP)
	$(PY) -m pipeline ingest $(call arg,WAREHOUSE,--warehouse) $(call arg,ID,--as) -- $(call arg,REPORT)

remove: $(STAMP)
	@test -n $(call quote,ID) || { echo "make remove ID=<report_id> [ALL=1]: name the report to remove" >&2; exit 2; }
	$(PY) -m pipeline remove $(call arg,WAREHOUSE,--warehouse)$(if $(ALL), --all-versions) -- $(call arg,ID)

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
	SOLIEU_FUZZ_EXAMPLES=$(call quote,FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/facts/test_fuzz.py

# The browser tests drive Debian's chromium; install it when missing and we may (root), else say how.
.PHONY: browser
browser:
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium to run them)"; fi; }

report: $(STAMP)
	$(PY) -m pipeline report $(call arg,WAREHOUSE,--warehouse)

explain: $(STAMP)
	$(PY) -m pipeline explain $(call arg,WAREHOUSE,--warehouse) -- $(call quote,FACT)

# A reviewer's decision, or the decisions exported from a page (docs/review.md). DECISION, not AS:
# make's own AS names the assembler.
.PHONY: review
review: $(STAMP)
	$(PY) -m pipeline review $(call arg,WAREHOUSE,--warehouse) $(call arg,IMPORT,--import) $(call arg,DECISION,--as) \
	  $(if $(CLEAR),--clear) $(call arg,NOTE,--note) $(call arg,BY,--by) $(if $(value CHECK),-- $(call quote,CHECK))

rules: $(STAMP)
	$(PY) -m pipeline rules

.PHONY: checks
checks: $(STAMP)
	$(PY) -m pipeline checks

eval: $(STAMP)
	$(PY) -m pipeline eval $(call arg,SHARED,--shared)

sql: $(STAMP)
	@$(PY) -m pipeline sql $(call arg,WAREHOUSE,--warehouse) $(call arg,Q,-c)

reextract: $(STAMP)
	$(PY) -m pipeline reextract $(call arg,WAREHOUSE,--warehouse)

bench: $(STAMP)
	$(PY) -m pipeline.bench --reports $(or $(call arg,REPORTS),100) --pdfs $(or $(call arg,PDFS),20) \
	  --scans $(or $(call arg,SCANS),1) --repeat $(or $(call arg,REPEAT),3) $(call arg,SHARED,--shared)

export: $(STAMP)
	$(PY) -m pipeline export $(call arg,WAREHOUSE,--warehouse) $(call arg,EXPORT,--out)

# Without SCHEDULER, a local cluster of one worker per core (WORKERS=N to choose); docs/scale.md.
.PHONY: lake lake-load
lake: $(STAMP)
	$(PY) -m pipeline lake $(call arg,LAKE,--lake) $(call arg,SCHEDULER,--scheduler) $(call arg,WORKERS,--workers) -- $(call arg,REPORT)

lake-load: $(STAMP)
	$(PY) -m pipeline lake-load $(call arg,LAKE,--lake) $(call arg,WAREHOUSE,--warehouse)

# docs/ is a folder, so the target must be phony to run at all.
.PHONY: docs
docs: $(STAMP)
	$(PY) -m pipeline docs

clean:
	rm -rf warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/*.duckdb.lock warehouse/*.duckdb.writing* warehouse/reports warehouse/export warehouse/lake .pytest_cache
