# Keras workshop kit. Main commands:
#   make lab    set everything up (first time only) and open the exercises in JupyterLab
#   make test   set everything up (first time only) and run the whole test suite
#   make slides export the lectures as offline reveal.js decks into slides/
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
# Three workers on two cores: while one waits on a browser, a hub or a kernel, the others keep both cores busy
# (measured on the idle 2-core machine: 534 s of pytest with -n 2, 495 s with -n 3; README, "How the suite shares").
# --cpu-profile ends the report with the CPU seconds of each work unit and the floor they set (tests/cpu_profile.py).
PYTEST_ARGS ?= -n 3 --dist loadscope --cpu-profile

.PHONY: lab test setup doctor exercises workspace slides hub-proxy kernel clean

# jupyterlab-rise (live slides) pulls in jupyterlab-mathjax3, a JupyterLab 3 extension that
# JupyterLab 4 lists as incompatible; JupyterLab 4 has MathJax built in, so it is disabled.
$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v=sys.version_info[:2]; sys.exit(0 if (3,10)<=v<=(3,13) else "Python 3.10-3.13 is needed, found %d.%d. Fix: make PYTHON=python3.12 ..." % v)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyterlab/mathjax3-extension
	@touch $@

setup: $(VENV)/.installed

# Test-only packages (Playwright for the browser tests), on top of the kit's own.
$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install -r requirements-test.txt
	@touch $@

# The JupyterHub proxy (configurable-http-proxy, npm registry, versions locked in hub/package-lock.json):
# hub/jupyterhub_config.py uses it, and tests/test_hub.py starts that hub. Needs node >= 20 and npm.
hub/node_modules/.installed: hub/package.json hub/package-lock.json
	npm ci --prefix hub --no-audit --no-fund
	@touch $@

hub-proxy: hub/node_modules/.installed

# Register this environment as the "Keras workshop" Jupyter kernel (options: KERNEL_ARGS="--sys-prefix --offline ...").
kernel: setup
	$(PY) -m helpers kernel install $(KERNEL_ARGS)

lab: setup
	$(PY) -m helpers doctor || true   # probes a mirror only when data is missing: can the download work?
	$(PY) -m helpers lab --port=$(PORT)

test: setup $(VENV)/.installed-test hub/node_modules/.installed
	$(PY) -m helpers slides --fetch-only   # the decks' npm assets (SHA-256 checked), before sockets are blocked
	$(PY) -m pytest $(PYTEST_ARGS)

doctor: setup
	$(PY) -m helpers doctor

exercises: setup
	$(PY) -m helpers exercises

workspace: setup
	$(PY) -m helpers workspace

slides: setup
	$(PY) -m helpers slides

clean:
	rm -rf $(VENV) .pytest_cache figures slides build/slides-npm hub/node_modules
