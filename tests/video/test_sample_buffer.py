"""SampleBuffer (video/sample_buffer.py): reads by absolute index, zeros outside what it holds."""
import numpy as np

from tweenflow.video.sample_buffer import SampleBuffer


def test_reads_by_absolute_index_with_zeros_outside_and_after_dropping():
    buffer = SampleBuffer(2)
    buffer.append(np.arange(10, dtype=np.float32).reshape(2, 5))       # 0..4 / 5..9
    buffer.append(np.full((2, 3), 7, np.float32))
    assert buffer.received == 8
    np.testing.assert_array_equal(buffer.read(-2, 5), [[0, 0, 0, 1, 2], [0, 0, 5, 6, 7]])
    np.testing.assert_array_equal(buffer.read(6, 4), [[7, 7, 0, 0], [7, 7, 0, 0]])
    buffer.drop_before(4)
    assert buffer.samples.shape == (2, 4)
    np.testing.assert_array_equal(buffer.read(3, 3), [[0, 4, 7], [0, 9, 7]])   # 3 was dropped
    buffer.drop_before(100)             # past the end: holds nothing, still counts what came
    assert buffer.samples.shape == (2, 0) and buffer.received == 8
