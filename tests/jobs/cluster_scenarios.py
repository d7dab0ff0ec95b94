"""Real Ray clusters for tests/jobs/test_cluster.py, run by it inside a network namespace of
their own with only loopback up. Writes outputs and a report.json into the folder given:

    python -m tests.jobs.cluster_scenarios FOLDER SOURCE

1. a head and a second node (1 CPU each): --ray output, and which nodes did segments;
2. the second node's raylet and workers killed once a segment is done: the run completes.
Every TCP listener in the namespace is recorded (the test checks they are loopback only).
"""
from __future__ import annotations

import json
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

from ray.cluster_utils import Cluster

from tweenflow import convert_video
from tweenflow.jobs.manifest import work_folder_for

NODE = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024,
        "node_ip_address": "127.0.0.1"}
HEAD = {**NODE, "include_dashboard": False,
        # a dead node is noticed in ~1.5 s instead of ~15 s
        "_system_config": {"health_check_period_ms": 500,
                           "health_check_failure_threshold": 3}}
OPTIONS = dict(multi=4, engine="classical", crf=0, segment_seconds=Fraction(2, 5))


def tcp_listeners() -> list[str]:
    """Local addresses of every listening TCP socket here, as /proc/net/tcp{,6} hex."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":           # LISTEN
                found.append(fields[1].split(":")[0])
    return found


def kill_when_started(cluster: Cluster, node, target: Path, stopped: dict) -> None:
    deadline = time.monotonic() + 120
    while not list(work_folder_for(target).glob("segment_*.json")):
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)
    cluster.remove_node(node, allow_graceful=False)
    stopped["at"] = len(list(work_folder_for(target).glob("segment_*.json")))


def watch_worker_environments(seen: dict, stop: threading.Event) -> None:
    """MALLOC_ARENA_MAX as each Ray segment worker process was started with, by pid."""
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and entry.name not in seen \
                        and b"SegmentWorker" in (entry / "cmdline").read_bytes():
                    environment = (entry / "environ").read_bytes().split(b"\0")
                    seen[entry.name] = next((item.split(b"=", 1)[1].decode()
                                             for item in environment
                                             if item.startswith(b"MALLOC_ARENA_MAX=")), None)
            except OSError:          # gone meanwhile
                continue
        time.sleep(0.2)


def main(folder: Path, source: Path) -> None:
    cluster = Cluster(initialize_head=True, head_node_args=HEAD)
    try:
        second = cluster.add_node(**NODE)
        report: dict = {"second_node": second.node_id}
        seen: dict = {}
        stop = threading.Event()
        watcher = threading.Thread(target=watch_worker_environments, args=(seen, stop))
        watcher.start()
        try:
            result = convert_video(source, folder / "two_nodes.mp4", ray=cluster.address,
                                   **OPTIONS)
        finally:
            stop.set()
            watcher.join()
        report["two_nodes"] = {"by_worker": result.segments_by_worker,
                               "segments": result.segments,
                               "peak_rss": result.peak_rss_by_process,
                               "segment_timings": result.segment_timings,
                               "timings": result.timings,
                               # glibc arenas of the processes that ran segments
                               "arena_max": [seen.get(key.rsplit(" ", 1)[1], "unseen")
                                             for key in result.peak_rss_by_process]}
        report["listeners"] = tcp_listeners()
        stopped: dict = {}
        killer = threading.Thread(target=kill_when_started,
                                  args=(cluster, second, folder / "node_lost.mp4", stopped))
        killer.start()
        result = convert_video(source, folder / "node_lost.mp4", ray=cluster.address,
                               **OPTIONS)
        killer.join()
        report["node_lost"] = {"by_worker": result.segments_by_worker,
                               "retried": result.segments_retried,
                               "killed_after": stopped.get("at")}
        (folder / "report.json").write_text(json.dumps(report))
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
