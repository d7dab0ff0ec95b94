"""The Python API as a notebook user calls it: odd arrays, odd times, odd engines. Each call
gives a correct result or one TweenflowError that names the problem."""
import warnings
from fractions import Fraction

import numpy as np
import pytest

from tests.conftest import texture
from tweenflow import Runtime, create_engine, evenly_spaced_times, interpolate
from tweenflow.engines import base
from tweenflow.engines.base import Engine, EngineInfo, engine_options, register
from tweenflow.errors import EngineError, InputError, TweenflowError


def float_pair() -> tuple[np.ndarray, np.ndarray]:
    frame0 = texture(16, 24).astype(np.float32) / 255
    return frame0, np.roll(frame0, 2, axis=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_float_samples_are_refused(bad):
    frame0, frame1 = float_pair()
    frame1[3, 5, 1] = bad
    with pytest.raises(InputError, match=r"frame1 .*(NaN|infinite)"):
        interpolate(frame0, frame1, 0.5, engine="classical")


@pytest.mark.parametrize("factor, offset", [(255.0, 0.0), (1.0, -0.5)])
def test_float_samples_outside_0_1_are_refused(factor, offset):
    # 0-255 floats (forgotten / 255) were taken as 0-1: the flow saw a white frame
    frame0, frame1 = float_pair()
    with pytest.raises(InputError, match=r"frame0 .*0-1"):
        interpolate(frame0 * factor + offset, frame1, 0.5, engine="classical")


def test_float_samples_at_exactly_0_and_1_are_fine():
    frame0, frame1 = float_pair()
    frame0[0, 0], frame0[0, 1] = 0.0, 1.0
    middle, = interpolate(frame0, frame1, 0.5, engine="classical")
    assert middle.dtype == np.float32 and middle.shape == frame0.shape


@pytest.mark.parametrize("shape", [(0, 24, 3), (16, 0, 3), (0, 0, 4)])
def test_empty_frames_are_refused(shape):
    empty = np.zeros(shape, np.uint8)
    with pytest.raises(InputError, match="frame0 .*empty"):
        interpolate(empty, empty, 0.5, engine="classical")


@pytest.mark.parametrize("t", [np.array(0.25), np.float32(0.25), Fraction(1, 4)])
def test_a_single_time_of_any_number_type(t):
    frame0, frame1 = texture(16, 24), texture(16, 24, seed=1)
    frames = interpolate(frame0, frame1, t, engine="classical")
    assert len(frames) == 1
    assert np.array_equal(frames[0], interpolate(frame0, frame1, 0.25, engine="classical")[0])


def test_a_missing_time_is_an_input_error():
    frame = texture(16, 24)
    with pytest.raises(InputError, match="time None is not a number"):
        interpolate(frame, frame, None, engine="classical")


@pytest.mark.parametrize("count", [2.0, 2.5, "3", None])
def test_evenly_spaced_times_needs_a_whole_number(count):
    with pytest.raises(InputError, match="whole number"):
        evenly_spaced_times(count)


def test_evenly_spaced_times_takes_numpy_integers():
    assert evenly_spaced_times(np.int64(3)) == [0.25, 0.5, 0.75]


@pytest.mark.parametrize("name, option", [("classical", "banana"), ("auto", "banana"),
                                          ("fusion", "preset")])
def test_an_unknown_engine_option_is_an_engine_error(name, option):
    with pytest.raises(EngineError, match=f"{name} has no option '{option}'"):
        create_engine(name, **{option: 1})


def test_an_engine_that_is_not_one_is_an_engine_error():
    frame = texture(16, 24)
    with pytest.raises(EngineError, match="engine must be a name .* got int"):
        interpolate(frame, frame, 0.5, engine=42)


@pytest.mark.parametrize("threads", [0, -1, 1.5])
def test_runtime_threads_must_be_a_positive_whole_number(threads):
    with pytest.raises(EngineError, match="threads"):
        Runtime(threads=threads)


def test_runtime_threads_none_or_positive_are_fine():
    assert Runtime().threads is None and Runtime(threads=2).threads == 2


@pytest.mark.parametrize("name", ["classical", "rife4"])
def test_read_only_frames_work_without_a_warning(name):
    # np.frombuffer gives read-only arrays; torch warned of "undefined behaviour" on them
    frame0, frame1 = texture(16, 24), texture(16, 24, seed=1)
    read_only = [np.frombuffer(frame.tobytes(), np.uint8).reshape(frame.shape)
                 for frame in (frame0, frame1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        middle, = interpolate(*read_only, 0.5, engine=name)
    assert np.array_equal(middle, interpolate(frame0, frame1, 0.5, engine=name)[0])


@pytest.mark.parametrize("name", ["classical", "rife4"])
def test_a_scale_that_is_not_a_number_is_an_engine_error(name):
    # classical raised a TypeError; rife4 said "--scale 0.5 is not supported; use one of ... 0.5"
    with pytest.raises(EngineError, match="scale must be a number, got '0.5'"):
        create_engine(name, scale="0.5")


def test_a_motion_that_is_not_a_motion_field_is_an_input_error():
    frame = texture(16, 24)
    with pytest.raises(InputError, match="motion must be a MotionField .* got int"):
        interpolate(frame, frame, 0.5, engine="classical", motion=42)


def test_runtime_tile_must_be_a_whole_number():
    with pytest.raises(EngineError, match="tile"):
        Runtime(tile="64")


def test_rgb_with_rgba_says_channels_not_size():
    # it said "frame1 is 24x16 but frame0 is 24x16; both inputs must have the same size"
    rgb = texture(16, 24)
    rgba = np.dstack([rgb, np.full((16, 24), 255, np.uint8)])
    with pytest.raises(InputError, match=r"frame1 is RGB \(3 channels\) but frame0 is RGBA "
                                         r"\(4\); both inputs must have the same channels"):
        interpolate(rgba, rgb, 0.5, engine="classical")


def test_an_unknown_precision_is_refused_whatever_the_engine():
    # rife refused it when loading; classical (and the engines made of it) took it silently
    with pytest.raises(EngineError, match="unknown precision 'fp8'; use auto, fp32 or bf16"):
        create_engine("classical", runtime=Runtime(precision="fp8"))


@pytest.mark.parametrize("call, expected", [
    (lambda: interpolate(texture(16, 24), texture(16, 24), 0.5, "rife4", scale=3),
     "scale=3 is not supported by rife4; use one of 0.125"),
    (lambda: create_engine("classical", scale=2), "scale=2 is not supported by classical"),
    (lambda: evenly_spaced_times(0), "count=0: give at least 1 in-between"),
    (lambda: Runtime(threads=0), "threads=0: give a whole number of threads, 1 or more "
                                 "(default: all the CPUs)"),
    (lambda: Runtime(threads=1.5), "threads=1.5: give a whole number of threads"),
    (lambda: engine_options("rife4", flow_preset="fast"),
     "flow_preset applies to engine='classical', not rife4"),
    (lambda: engine_options("rife4", large_motion="placement"),
     "large_motion applies to engine='auto', not rife4"),
    (lambda: engine_options("auto", large_motion="mush"),
     "unknown large_motion='mush'; use fusion or placement"),
])
def test_messages_name_the_arguments_as_a_python_caller_wrote_them(call, expected):
    # they named the CLI's options: "--scale 3 is not supported", "-n must be at least 1"
    with pytest.raises(TweenflowError) as raised:
        call()
    assert expected in str(raised.value) and "--" not in str(raised.value)


class ProtocolBreaker(Engine):
    """A user's engine whose render returns something other than a frame like its inputs."""

    carries_alpha = True

    def __init__(self, scale: float = 1.0, runtime=None, gives: str = "transposed") -> None:
        self.name, self.gives = "breaker", gives

    def prepare(self, frame0, frame1):
        return frame0

    def render(self, state, t, motion=None):
        return {"transposed": lambda: state.transpose(1, 0, 2),
                "float64": lambda: state.astype(np.float64),
                "three channels": lambda: state[..., :3],
                "None": lambda: None}.get(self.gives, lambda: state)()

    def render_many(self, state, times, motion=None):
        frames = super().render_many(state, times, motion)
        return frames[:-1] if self.gives == "one frame short" else frames


BROKEN_RESULTS = [("transposed", "array of shape (24, 16, "), ("float64", "float64 array"),
                  ("None", "returned None for t=0.25"), ("one frame short", "returned 1 of 2 frames")]


@pytest.mark.parametrize("channels, gives, got", [
    *[(channels, gives, got) for channels in (3, 4) for gives, got in BROKEN_RESULTS],
    (4, "three channels", "array of shape (16, 24, 3)")])    # three channels: right for RGB
def test_an_engine_that_breaks_the_protocol_is_named_in_one_line(monkeypatch, channels, gives,
                                                                 got):
    # frames of the wrong shape or type came back as results, or failed deep in AlphaEngine
    monkeypatch.setitem(base._REGISTRY, "breaker", None)    # removed again after the test
    register(EngineInfo(name="breaker", summary="breaks the protocol", weights_ids=(),
                        arbitrary_t=True, factory=ProtocolBreaker))
    frame = texture(16, 24)
    if channels == 4:
        frame = np.dstack([frame, np.full((16, 24), 255, np.uint8)])
    engine = create_engine("breaker", gives=gives)
    with pytest.raises(EngineError) as raised:
        interpolate(frame, frame, [0.25, 0.75], engine)
    message = str(raised.value)
    assert message.startswith("engine 'breaker' broke the engine protocol: ") and got in message
    assert "\n" not in message
