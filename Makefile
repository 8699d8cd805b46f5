# Set-up and entry points. `make demo` and `make test` each create .venv,
# install the CPU torch wheel first on a machine without CUDA, then the
# package with its test extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION ?= 2.13.0
# Optional wheel index for torch, e.g. the PyTorch CPU index on a machine
# whose default registry would resolve torch to the CUDA build.
TORCH_INDEX ?=
PYTEST_ARGS ?=
# e.g. DEMO_ARGS="--threads 1" on a machine that other jobs keep busy
DEMO_ARGS ?=

.PHONY: venv demo test test-paths test-gpu bench bench-gpu docs clean

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then \
		echo "CUDA found: installing torch==$(TORCH_VERSION) with GPU support"; \
		$(PY) -m pip install --quiet "torch==$(TORCH_VERSION)"; \
	else \
		echo "no CUDA: installing the CPU wheel torch==$(TORCH_VERSION) first"; \
		$(PY) -m pip install --quiet --only-binary=:all: "torch==$(TORCH_VERSION)" \
			$(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)); \
	fi
	$(PY) -m pip install --quiet -e ".[test,plot,lm,interpret,parquet,cluster,genome]"
	touch $@

# The documentation site: user guide, API reference and the gallery, whose
# examples run at every build on the real data ($UQGENOMICS_DATA, or
# ../shared/data when it is there). Any warning fails it, a reference that
# does not resolve included. Without the data: SPHINXOPTS="-D plot_gallery=0".
SPHINXOPTS ?=
docs: venv
	$(PY) -m pip install --quiet -e ".[docs]"
	$(PY) -m sphinx -W --keep-going -n $(SPHINXOPTS) -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

demo: venv
	$(PY) -m uqgenomics.demo $(DEMO_ARGS)

# The whole suite (no test is slow enough to leave out: the slowest take
# seconds). pytest exits 5 when it collects no test; that is not a failure
# of the set-up.
test: venv
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && exit 0; exit $$rc

# The suite on other computation paths: one torch thread and another batch
# size (results must not depend on either beyond float32 rounding).
test-paths: venv
	OMP_NUM_THREADS=1 UQGENOMICS_TEST_BATCH_SIZE=7 $(PY) -m pytest $(PYTEST_ARGS)

# On a machine with a CUDA GPU: the whole default suite there (the test
# networks use device='auto', so they train and predict on the GPU; the
# gpu-marked tests run instead of skipping), then the GPU benchmarks.
CHECK_CUDA = $(PY) -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else \
	'no CUDA device visible: test-gpu / bench-gpu need a GPU')"

test-gpu: venv
	$(CHECK_CUDA)
	$(PY) -m pytest -ra $(PYTEST_ARGS)

bench-gpu: venv
	$(CHECK_CUDA)
	$(PY) benchmarks/bench_scale.py

bench: venv
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/generated
