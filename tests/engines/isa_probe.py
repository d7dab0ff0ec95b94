"""The RIFE fast paths against eager fp32 at the edge-case sizes, in this process's kernels.

Run by tests/engines/test_every_cpu.py in subprocesses with ONEDNN_MAX_CPU_ISA and
ATEN_CPU_CAPABILITY capped (they only take effect at start-up) and ONEDNN_VERBOSE=1, so the
kernels that ran can be read back. Prints one line `RESULT {json}` at the end:
{"capability": ATen's, "results": [{"engine", "precision", "case", "psnr"}...]}.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache

import numpy as np

from tests.conftest import shifted_pair
from tweenflow.bench.metrics import psnr
from tweenflow.engines import Runtime, create_engine
from tweenflow.selfcheck import with_alpha

# (height, width): 8x8 up to 65x33, 64 x N and N x 64 (coarsest level one pixel across).
SIZES = ((8, 8), (8, 64), (16, 24), (33, 65), (65, 33), (64, 37), (64, 130), (64, 200),
         (37, 64), (130, 64), (200, 64), (64, 64))
RIFE3_SIZES = ((8, 8), (33, 65), (64, 37), (37, 64))
TILED_SIZE = (150, 200)          # run with --tile 64 (Runtime(tile=64))
RGBA_SIZE = (64, 130)            # also as premultiplied RGBA (the alpha the fast path carries)
TIMES = [0.25, 0.5, 0.75]


def frames_of(engine, size: tuple[int, int], seed: int, rgba: bool = False
              ) -> list[np.ndarray]:
    """t = 0.5 alone (`render`) and the batched times (`render_many`) of a shifted pair
    (rgba: as premultiplied RGBA, see selfcheck.with_alpha)."""
    frame0, frame1, _ = shifted_pair(*size, 3, -2, seed=seed, margin=8)
    if rgba:
        frame0, frame1 = with_alpha(frame0), with_alpha(frame1)
    state = engine.prepare(frame0, frame1)
    return [engine.render(state, 0.5)] + engine.render_many(state, TIMES)


@lru_cache(maxsize=None)
def engine(name: str, fast: bool = True, precision: str = "auto", tile: int = 0) -> object:
    runtime = Runtime(fast=fast, precision=precision, tile=tile, self_check=False)
    return create_engine(name, runtime=runtime, recursion="never")


def main(precisions: list[str]) -> None:
    import torch
    results = []
    for name, sizes in (("rife4", SIZES), ("rife3", RIFE3_SIZES)):
        cases = [(f"{w}x{h}", (h, w), {}, False) for h, w in sizes]
        if name == "rife4":
            cases.append((f"{TILED_SIZE[1]}x{TILED_SIZE[0]} --tile 64", TILED_SIZE, {"tile": 64},
                          False))
            cases.append((f"{RGBA_SIZE[1]}x{RGBA_SIZE[0]} RGBA", RGBA_SIZE, {}, True))
        references = [frames_of(engine(name, fast=False, **options), size, seed, rgba)
                      for seed, (_, size, options, rgba) in enumerate(cases)]
        for precision in precisions:
            for seed, ((case, size, options, rgba), want) in enumerate(zip(cases, references)):
                got = frames_of(engine(name, precision=precision, **options), size, seed, rgba)
                results.append({"engine": name, "precision": precision, "case": case,
                                "psnr": min(psnr(a, b) for a, b in zip(got, want))})
    print("RESULT " + json.dumps({"capability": torch.backends.cpu.get_cpu_capability(),
                                  "results": results}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["auto", "bf16"])
