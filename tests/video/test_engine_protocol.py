"""convert_video checks what an engine renders, as interpolate does: a user's engine that
breaks the protocol is one EngineError naming it, whichever path runs the frames (one piece
for a folder of frames, segments for a video file, the engine given or built by name)."""
import pytest

from tests.video.conftest import moving_frames, write_video
from tweenflow import convert_video, create_engine
from tweenflow.engines import base
from tweenflow.engines.base import Engine, EngineInfo, register
from tweenflow.errors import EngineError


class Transposer(Engine):
    """A user's engine whose frames come back transposed (rows for columns)."""

    def __init__(self, scale: float = 1.0, runtime=None) -> None:
        self.name = "transposer"

    def prepare(self, frame0, frame1):
        return frame0

    def render(self, state, t, motion=None):
        return state.transpose(1, 0, 2).copy()


@pytest.fixture
def transposer(monkeypatch):
    monkeypatch.setitem(base._REGISTRY, "transposer", None)     # removed after the test
    register(EngineInfo(name="transposer", summary="breaks the protocol", weights_ids=(),
                        arbitrary_t=True, factory=Transposer))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", moving_frames(4, 32, 48))


@pytest.mark.parametrize("output", ["frames", "out.mp4"])
@pytest.mark.parametrize("by_name", [False, True])
def test_a_broken_engine_is_one_error_naming_it(transposer, clip, tmp_path, output, by_name):
    engine = "transposer" if by_name else create_engine("transposer")
    with pytest.raises(EngineError) as raised:
        convert_video(clip, tmp_path / output, multi=2, engine=engine)
    message = str(raised.value)
    # before: the transposed frame went to the writer (a refused size or a wrong picture)
    assert message.startswith("engine 'transposer' broke the engine protocol: render_many "
                              "returned a uint8 array of shape (48, 32, 3) for t=0.5")
    assert "uint8 arrays of shape (32, 48, 3)" in message and "\n" not in message
    assert not (tmp_path / output).exists()
