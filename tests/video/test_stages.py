"""video/stages.py: source, transform and sink run together through bounded queues; the first
error anywhere stops all three and reaches the caller."""
import threading
import time

import pytest

from tweenflow.video.stages import QUEUE_SIZE, run_threaded


def test_every_item_goes_through_in_order_with_the_source_and_sink_in_their_own_threads():
    sunk, threads = [], set()

    def source():
        threads.add(("source", threading.current_thread().name))
        yield from range(100)

    def sink(items):
        threads.add(("sink", threading.current_thread().name))
        sunk.extend(items)

    run_threaded(source, sink, lambda items: (item * 2 for item in items))
    assert sunk == [item * 2 for item in range(100)]
    assert threads == {("source", "tweenflow-decode"), ("sink", "tweenflow-encode")}


def test_the_source_runs_only_a_few_queues_ahead_of_the_sink():
    made, lead = [], []

    def sink(items):     # slower than the source: unbounded, it would run far ahead
        for count, _ in enumerate(items, 1):
            time.sleep(0.001)
            lead.append(len(made) - count)

    run_threaded(lambda: (made.append(item) or item for item in range(200)), sink,
                 lambda items: items)
    # two queues, the item the transform holds and the one the source is putting
    assert 0 <= max(lead) <= 2 * QUEUE_SIZE + 3


@pytest.mark.parametrize("failing", ["source", "transform", "sink"])
def test_the_first_error_anywhere_stops_all_three_and_is_raised(failing):
    made = []

    def source():
        for item in range(10_000):
            if failing == "source" and item == 20:
                raise ValueError("source broke")
            made.append(item)
            yield item

    def transform(items):
        for item in items:
            if failing == "transform" and item == 20:
                raise ValueError("transform broke")
            yield item

    def sink(items):
        for item in items:
            if failing == "sink" and item == 20:
                raise ValueError("sink broke")

    before = threading.active_count()
    with pytest.raises(ValueError, match=f"{failing} broke"):
        run_threaded(source, sink, transform)
    assert len(made) < 20 + 2 * QUEUE_SIZE + 3      # the source stopped soon after
    assert threading.active_count() == before       # both threads ended
