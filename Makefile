# The two set-up commands: `make demo` (main job on a sample) and `make test`.
# Both create the virtual environment at .venv when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
SHARED := ../shared/data

.PHONY: venv demo test bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
		|| { echo "make: tweenflow needs Python 3.10 or newer as python3"; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV) \
		|| { echo "make: python3 -m venv failed; install the venv module (Debian: apt-get install python3-venv)"; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	# torch is pinned to the CPU build (torch==2.13.0) in pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,cluster,exr]"
	touch $@

demo: venv
	mkdir -p demo_out
	$(PY) -m tweenflow interpolate $(SHARED)/multi_gap/dog/00000.png \
		$(SHARED)/multi_gap/dog/00008.png -n 7 -o demo_out/dog_inbetweens.gif -y
	$(PY) -m tweenflow video $(SHARED)/videos/juggle_720p_24fps.mp4 -o demo_out/juggle_60fps.mp4 \
		--fps 60 --max-frames 24 -y
	@echo "demo: wrote demo_out/dog_inbetweens.gif and demo_out/juggle_60fps.mp4 (1 s at 60 fps)"

# The studio's browser tests drive Debian's Chromium (Playwright never downloads a browser):
# installed here when missing and possible (root with apt-get); otherwise those tests are
# skipped, saying what to install.
CHROMIUM := /usr/bin/chromium

test: venv
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make test: installing Debian's chromium for the studio's browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null; } \
		|| true; \
	fi
	@if [ -x $(CHROMIUM) ]; then $(PY) -m pytest; else \
		echo "make test: $(CHROMIUM) is missing and cannot be installed here (needs root and apt-get): skipping the browser tests; install it with 'apt-get install chromium'"; \
		TWEENFLOW_SKIP_BROWSER=1 $(PY) -m pytest; fi

bench: venv
	$(PY) -m tweenflow.bench quality

clean:
	rm -rf demo_out .pytest_cache
