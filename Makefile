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
	$(PY) -m tweenflow interpolate $(SHARED)/multi_gap/dog/00000.png \
		$(SHARED)/multi_gap/dog/00008.png -n 7 -o demo_out/dog_inbetweens.gif -y
	$(PY) -m tweenflow video $(SHARED)/videos/juggle_720p_24fps.mp4 -o demo_out/juggle_60fps.mp4 \
		--fps 60 --max-frames 24 -y
	@echo "demo: wrote demo_out/dog_inbetweens.gif and demo_out/juggle_60fps.mp4 (1 s at 60 fps)"

test: venv
	$(PY) -m pytest

bench: venv
	$(PY) -m tweenflow.bench quality

clean:
	rm -rf demo_out .pytest_cache
