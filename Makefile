# The two set-up commands: `make demo` (main job on a sample) and `make test`.
# Both create the virtual environment at .venv when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
SHARED := ../shared/data

.PHONY: venv demo test bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	# torch is pinned to the CPU build (torch==2.13.0) in pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

demo: venv
	mkdir -p demo_out
	$(PY) -m tweenflow interpolate $(SHARED)/middlebury_other/Urban2/frame10.png \
		$(SHARED)/middlebury_other/Urban2/frame11.png -n 7 -o demo_out/urban2.gif -y
	@echo "demo: wrote demo_out/urban2.gif"

test: venv
	$(PY) -m pytest

bench: venv
	$(PY) -m tweenflow.bench quality

clean:
	rm -rf demo_out .pytest_cache
