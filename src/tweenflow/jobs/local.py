"""The in-process runner: segments one after another in this process, with one engine."""
from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator

from tweenflow.engines.alpha import checked
from tweenflow.engines.base import Engine
from tweenflow.jobs.segment import EngineSpec, SegmentOutput, SegmentTask, run_segment


class LocalRunner:
    """Runs each task here. engine: an Engine to use as is (else built from the task's spec,
    once per spec)."""

    def __init__(self, engine: Engine | None = None):
        self.engine = engine
        self._built: dict[tuple[EngineSpec, bool], Engine] = {}

    def run(self, tasks: Iterable[Callable[[], SegmentTask]],
            on_frame: Callable[[], None] | None = None,
            ) -> Iterator[SegmentOutput]:
        for make_task in tasks:
            task = make_task()
            started = time.perf_counter()
            engine = self._engine_for(task.engine, task.info.alpha)
            setup = time.perf_counter() - started
            output = run_segment(task, engine, on_frame)
            output.setup_seconds = setup
            output.round_trip_seconds = time.perf_counter() - started
            yield output

    def _engine_for(self, spec: EngineSpec, alpha: bool) -> Engine:
        if self.engine is not None:     # the caller's: it may break the protocol (one line)
            return checked(self.engine, alpha)
        if (spec, alpha) not in self._built:
            self._built[spec, alpha] = spec.create(alpha)
        return self._built[spec, alpha]

    def close(self) -> None:
        self._built.clear()
