"""The Ray runner: segments on Ray actors, each holding an engine, taking segments in turn.

The driver reads each segment's compressed packets and hands them over through Ray's object
store; workers return the segment's encoded packets. No file system is shared: a worker only
needs tweenflow installed (and the engine's weights, fetched on first use).

A worker (or its node) that dies takes its segment back to the queue; it is given to another
worker, up to MAX_ATTEMPTS times. A segment that fails with a TweenflowError (bad input) is
not retried: it would fail the same way again.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import ray
from ray import exceptions as ray_errors

from tweenflow.allocator import keep_freed_memory
from tweenflow.engines.base import Engine
from tweenflow.errors import ClusterError, TweenflowError
from tweenflow.jobs.segment import EngineSpec, SegmentOutput, SegmentTask, run_segment

MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_S = 5
# failures of a worker or node (retried elsewhere), as opposed to errors of the segment itself
WORKER_LOST = (ray_errors.RayActorError, ray_errors.WorkerCrashedError,
               ray_errors.NodeDiedError, ray_errors.ObjectLostError, ray_errors.OwnerDiedError)


@ray.remote
class SegmentWorker:
    """One engine per spec, loaded on first use and kept for the next segments."""

    def __init__(self) -> None:
        keep_freed_memory()   # batch work, as the CLI's process (see tweenflow.allocator)
        self.engines: dict[tuple[EngineSpec, bool], Engine] = {}

    def run(self, task: SegmentTask) -> SegmentOutput:
        key = (task.engine, task.info.alpha)
        started = time.perf_counter()
        if key not in self.engines:
            self.engines[key] = task.engine.create(task.info.alpha)
        setup = time.perf_counter() - started
        output = run_segment(task, self.engines[key])
        output.setup_seconds = setup
        output.worker = ray.get_runtime_context().get_node_id()
        output.packets = list(output.packets)
        return output


class RayRunner:
    """address: as Ray takes it ("auto", "HOST:PORT", "ray://HOST:10001"); None: RAY_ADDRESS,
    else a Ray started for this runner and stopped by close()."""

    # The workers' environment. A Ray worker has ~25 threads of its own, so glibc gives it up
    # to 16 malloc arenas; each segment's new decoder and encoder threads then use other
    # arenas than the last segment's, which keep their peak: +100 MB per segment at 720p
    # (BENCHMARKS.md, "Segments and Ray"). Two arenas keep a worker's memory flat.
    WORKER_ENV = {"MALLOC_ARENA_MAX": "2"}

    def __init__(self, address: str | None = None, cpus_per_worker: float = 1,
                 workers: int | None = None):
        address = address or os.environ.get("RAY_ADDRESS") or None
        self.own_cluster = address is None
        self.cpus_per_worker = cpus_per_worker
        if address not in (None, "auto", "local"):
            _check_reachable(address)
        try:
            if self.own_cluster:
                ray.init(address="local", include_dashboard=False, logging_level=logging.ERROR,
                         log_to_driver=False, configure_logging=False)
            else:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False,
                         configure_logging=False)
        except (ConnectionError, RuntimeError, TimeoutError, ValueError) as error:
            raise ClusterError(f"cannot connect to the Ray cluster at {address}: "
                               f"{_first_line(error)}") from None
        nodes = ray.nodes()
        fits = workers_that_fit(nodes, cpus_per_worker)
        if not fits:
            # Ray would keep such a worker pending for ever: the run would hang without a word
            largest = max((_node_cpus(node) for node in nodes if node.get("Alive")),
                          default=0)
            ray.shutdown()
            raise ClusterError(f"a worker of {cpus_per_worker:g} CPUs ({{threads}}) fits on no "
                               f"node of the Ray cluster (the largest has {largest:g} CPUs); "
                               f"give {{threads=}} or less", {"threads": max(1, int(largest))})
        self.worker_count = workers or fits
        self.workers: list[Any] = []
        self.retried = 0                   # segments given to another worker after a failure

    def _start_workers(self, count: int) -> None:
        while len(self.workers) < count:
            self.workers.append(SegmentWorker.options(
                num_cpus=self.cpus_per_worker, max_restarts=0,
                runtime_env={"env_vars": dict(self.WORKER_ENV)}).remote())

    def run(self, tasks: Iterable[Callable[[], SegmentTask]],
            on_frame: Callable[[], None] | None = None) -> Iterator[SegmentOutput]:
        """Yield each segment's output as it finishes (not in order)."""
        queue = deque(tasks)
        self._start_workers(min(self.worker_count, len(queue)))
        idle = deque(self.workers)
        attempts: dict[int, int] = {}
        shipped: dict[int, Any] = {}       # segment number -> its task in the object store
        running: dict[Any, tuple[Any, Any, SegmentTask, float]] = {}
        while queue or running:
            while queue and idle:
                item = queue.popleft()
                task = item if isinstance(item, SegmentTask) else item()
                number = task.segment.number
                if number not in shipped:
                    shipped[number] = ray.put(task)
                worker = idle.popleft()
                running[worker.run.remote(shipped[number])] = (worker, item, task,
                                                                time.perf_counter())
            ready, _ = ray.wait(list(running), num_returns=1)
            worker, item, task, handed_out = running.pop(ready[0])
            number = task.segment.number
            try:
                output = ray.get(ready[0])
            except ray_errors.RayTaskError as error:
                cause = error.cause if hasattr(error, "cause") else None
                if isinstance(cause, TweenflowError):
                    raise cause from None
                idle.append(worker)
                self._retry(queue, task, attempts, _first_line(error))
                continue
            except WORKER_LOST as error:
                self.workers.remove(worker)
                if not self.workers:            # every worker gone: ask Ray for new ones
                    self._start_workers(1)
                    idle.extend(self.workers)
                self._retry(queue, task, attempts, _first_line(error))
                continue
            idle.append(worker)
            shipped.pop(number, None)
            output.round_trip_seconds = time.perf_counter() - handed_out
            yield output

    def _retry(self, queue: deque, task: SegmentTask, attempts: dict[int, int],
               reason: str) -> None:
        number = task.segment.number
        attempts[number] = attempts.get(number, 0) + 1
        self.retried += 1
        if attempts[number] >= MAX_ATTEMPTS:
            raise ClusterError(f"{task.info.path}: {task.segment.describe(task.segment_count)} "
                               f"failed {MAX_ATTEMPTS} times (last: {reason}); the finished "
                               f"segments are kept, run the command again to resume")
        queue.appendleft(task)

    def close(self) -> None:
        for worker in self.workers:
            ray.kill(worker)
        self.workers = []
        ray.shutdown()


def workers_that_fit(nodes: list[dict[str, Any]], cpus_per_worker: float) -> int:
    """How many workers of `cpus_per_worker` CPUs the live nodes (as ray.nodes() lists them)
    hold: counted node by node, as a worker cannot span two (two nodes of 3 CPUs hold two
    workers of 2, not three; the third would wait for ever and hang the run)."""
    return sum(int(_node_cpus(node) // cpus_per_worker) for node in nodes if node.get("Alive"))


def _node_cpus(node: dict[str, Any]) -> float:
    return node.get("Resources", {}).get("CPU", 0)


def _check_reachable(address: str) -> None:
    """One line, quickly, for an address nobody answers at (Ray itself retries for long)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise ClusterError("{ray=}: give auto, HOST:PORT or ray://HOST:PORT", {"ray": address})
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: "
                           f"{error.strerror or error}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
