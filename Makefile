# Keras workshop kit. Two commands:
#   make lab    set everything up (first time only) and open the exercises in JupyterLab
#   make test   set everything up (first time only) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: lab test setup doctor exercises workspace clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v=sys.version_info[:2]; sys.exit(0 if (3,10)<=v<=(3,13) else "Python 3.10-3.13 is needed, found %d.%d. Fix: make PYTHON=python3.12 ..." % v)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	@touch $@

setup: $(VENV)/.installed

lab: setup
	$(PY) -m helpers doctor --no-network || true
	$(PY) -m helpers lab --port=$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

doctor: setup
	$(PY) -m helpers doctor

exercises: setup
	$(PY) -m helpers exercises

workspace: setup
	$(PY) -m helpers workspace

clean:
	rm -rf $(VENV) .pytest_cache figures
