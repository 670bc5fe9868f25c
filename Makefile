# The two commands a user needs: `make lab` and `make test`. Everything else is set-up they share.
SHELL  := /bin/bash
PYTHON ?= python3
PORT   ?= 8888
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of PyTorch. A GPU user installs a CUDA build into .venv first (see README);
# set-up keeps whatever torch is already there.
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: lab test setup export check-sync chromium bench readme clean-venv execute

setup: $(STAMP) export

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

export: $(STAMP)
	@$(BIN)/nbdev-export

lab: setup
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.root_dir=nbs --LabApp.default_url=/lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# Headless Chromium for the end-to-end JupyterLab test (Debian's package; Playwright's own
# browser download does not work offline).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Fails when nbdev-export or nbdev-clean would change a file: the committed library must be
# what the notebooks export, and the notebooks must be clean.
check-sync: $(STAMP)
	@before=$$(git status --porcelain --untracked-files=all; git diff | md5sum); \
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean; \
	after=$$(git status --porcelain --untracked-files=all; git diff | md5sum); \
	if [ "$$before" != "$$after" ]; then \
	  echo "nbdev-export / nbdev-clean changed files: commit the notebooks and the library together."; \
	  git status --short; exit 1; fi; \
	echo "library and notebooks in sync"

test: setup chromium check-sync
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# README.md is nbs/index.ipynb as markdown (nbdev-readme needs Quarto, which our machines lack)
readme: $(STAMP)
	$(BIN)/jupyter nbconvert --to markdown nbs/index.ipynb --output-dir . --output README --log-level=WARN
	sed -i '1i <!-- Generated from nbs/index.ipynb (make readme); edit the notebook, not this file -->' README.md

# Runs notebooks at full size in place, so the stored outputs (what GitHub and the docs show) are
# current; then drops saved widget state and runs nbdev-clean. A notebook that fails is left untouched.
#   make execute NB="nbs/10_supervised/13_knn.ipynb nbs/00_core/01_device.ipynb"   (default: all)
NB ?= $(shell find nbs -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -not -name '_*' | sort)
execute: setup
	@for nb in $(NB); do echo "== $$nb"; tmp=$$(mktemp --suffix=.ipynb); \
	  env -u IN_TEST $(BIN)/papermill --no-progress-bar --log-level WARNING -k python3 --cwd $$(dirname $$nb) $$nb $$tmp \
	    && $(BIN)/python -c "import json,sys; p=sys.argv[1]; nb=json.load(open(p)); nb['metadata'].pop('widgets', None); json.dump(nb, open(p, 'w'), indent=1, ensure_ascii=False)" $$tmp \
	    && mv $$tmp $$nb && $(BIN)/nbdev-clean --fname $$nb || { rm -f $$tmp; echo "FAILED: $$nb"; exit 1; }; done

bench: setup
	$(BIN)/python bench/run.py

clean-venv:
	rm -rf $(VENV)
