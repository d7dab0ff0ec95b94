"""`python -m tweenflow.bench quality|...`: dispatch to one benchmark."""
import sys

from tweenflow.bench import (alpha, cluster, cluster_memory, dedup, freed_memory, large_motion,
                             large_motion_cost, large_motion_study, quality, scenes, speed,
                             streams, stretch_study)

BENCHMARKS = {"quality": quality.main, "speed": speed.main, "large_motion": large_motion.main,
              "large_motion_cost": large_motion_cost.main,
              "large_motion_study": large_motion_study.main, "streams": streams.main,
              "scenes": scenes.main, "dedup": dedup.main, "cluster": cluster.main,
              "cluster_memory": cluster_memory.main, "alpha": alpha.main,
              "stretch_study": stretch_study.main, "freed_memory": freed_memory.main}

if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
    print(f"usage: python -m tweenflow.bench {{{','.join(BENCHMARKS)}}} [options]", file=sys.stderr)
    sys.exit(2)
# Every table names the machine it was measured on (CPU, kernels, versions).
from tweenflow.allocator import keep_freed_memory  # noqa: E402
from tweenflow.doctor import machine_lines  # noqa: E402

for line in machine_lines():
    print(f"# {line}", flush=True)
# Times as `tweenflow interpolate/video` runs: freed memory kept (BENCHMARKS.md, "Freed memory
# kept"); `freed_memory` measures both ways in processes of its own.
print(f"# glibc malloc: freed memory kept: {'yes' if keep_freed_memory() else 'no'}", flush=True)
sys.exit(BENCHMARKS[sys.argv[1]](sys.argv[2:]))
