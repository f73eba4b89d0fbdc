# d2lite: the two commands of the README, and a few helpers.
#   make book   build the whole book: every notebook executed on real data
#   make test   run every test: ruff, package, notebooks (nbval), book, browser
# Each creates .venv if missing and installs what it needs.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
          --nbval-cell-timeout 600

.PHONY: book test test-package test-notebooks reader student nbgrader \
        benchmark setup clean

book: setup
	tools/system_deps.sh data
	$(VPY) tools/book.py build --execute

# The Chinese edition (tools/i18n.py, notes for translators in the README):
# refresh locale/zh_CN/LC_MESSAGES/*.po after an English edit; build the
# Chinese book into _build/zh/html from the stored outputs, strictly.
.PHONY: translations book-zh
translations: setup
	$(VPY) tools/i18n.py update

book-zh: setup
	$(VPY) tools/i18n.py build

test: setup
	tools/system_deps.sh data browser
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	$(VPY) -m pytest tests
	$(VPY) -m pytest $(NBVAL) notebooks

test-package: setup
	$(VPY) -m pytest tests -m "not slow"

test-notebooks: setup
	$(VPY) -m pytest $(NBVAL) notebooks

# The editions (tools/editions.py): reader/ (and reader/zh/, from the
# Chinese catalogs) is committed; the others are not.
reader: setup
	$(VPY) tools/editions.py reader

student: setup
	$(VPY) tools/editions.py student --out _student --build

nbgrader: setup
	$(VPY) tools/editions.py nbgrader --out _build/nbgrader

benchmark: setup
	tools/system_deps.sh data
	$(VPY) benchmarks/train_throughput.py
	$(VPY) benchmarks/d2l1_trainer.py

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements.txt -e .
	touch $(STAMP)

clean:
	rm -rf _build _student
