"""Three stages run concurrently: a source (decoding) and a sink (encoding) in their own threads,
a transform (inference) in the caller's, joined by bounded queues, so memory holds a few items
whatever the length of the stream. The first exception anywhere stops all three."""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterable, Iterator

QUEUE_SIZE = 8                 # frames in flight between two stages
_DONE = object()


def run_threaded(source: Callable[[], Iterable], sink: Callable[[Iterable], None],
                  transform: Callable[[Iterable], Iterable]) -> None:
    """source() runs in a thread, sink() in another, transform in this one; bounded queues
    between them. The first exception anywhere stops all three and is re-raised here."""
    stop = threading.Event()
    decoded: queue.Queue = queue.Queue(QUEUE_SIZE)
    produced: queue.Queue = queue.Queue(QUEUE_SIZE)
    errors: list[BaseException] = []

    def put(target: queue.Queue, item: Any) -> bool:
        while not stop.is_set():
            try:
                target.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def drain(source_queue: queue.Queue) -> Iterator[Any]:
        while True:
            try:
                item = source_queue.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return
                continue
            if item is _DONE:
                return
            yield item

    def decode_worker() -> None:
        try:
            for item in source():
                if not put(decoded, item):
                    return
            put(decoded, _DONE)
        except BaseException as error:  # handed to the main thread, which re-raises it
            errors.append(error)
            stop.set()

    def encode_worker() -> None:
        try:
            sink(drain(produced))
        except BaseException as error:
            errors.append(error)
            stop.set()

    threads = [threading.Thread(target=decode_worker, name="tweenflow-decode", daemon=True),
               threading.Thread(target=encode_worker, name="tweenflow-encode", daemon=True)]
    for thread in threads:
        thread.start()
    completed = False
    try:
        for item in transform(drain(decoded)):
            if not put(produced, item):
                break
        else:
            completed = put(produced, _DONE)
    except BaseException:
        stop.set()
        if errors:    # the transform saw the input end early because decoding failed
            raise errors[0] from None
        raise
    finally:
        if not completed:
            stop.set()
        for thread in reversed(threads):   # the encoder first: it finishes the queue
            thread.join()
    if errors:
        raise errors[0]
