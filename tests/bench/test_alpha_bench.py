"""The alpha benchmark: its sprite matte, its fallback wrapper, and one tiny run."""
import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from tweenflow.bench import alpha
from tweenflow.engines import create_engine
from tweenflow.engines.alpha import AlphaEngine


def test_the_matte_is_an_opaque_ellipse_with_a_soft_edge_where_asked():
    frame = alpha.with_matte(np.zeros((60, 120, 3), np.uint8), centre_x=40)
    matte = frame[..., 3]
    assert frame.shape == (60, 120, 4) and matte[30, 40] == 255 and matte[0, 0] == 0
    assert matte[30, 110] == 0                                  # far right: transparent
    assert ((matte > 0) & (matte < 255)).any()                  # a soft rim
    columns = np.nonzero(matte[30] == 255)[0]
    assert abs((columns[0] + columns[-1]) / 2 - 40) <= 1


def test_the_matte_pass_wrapper_sends_alpha_engine_to_its_fallback():
    engine = alpha.MattePass(create_engine("classical"))
    assert not engine.carries_alpha
    frame0 = alpha.with_matte(np.full((48, 64, 3), 200, np.uint8), 28)
    frame1 = alpha.with_matte(np.full((48, 64, 3), 200, np.uint8), 36)
    wrapped = AlphaEngine(engine)
    state = wrapped.prepare(frame0, frame1)
    assert state.matte is not None                              # a second pass for the matte
    assert wrapped.render(state, 0.5).shape == (48, 64, 4)


@pytest.mark.skipif(not (SHARED_DATA / "multi_gap" / "dog").is_dir(), reason="no shared data")
def test_a_tiny_run_prints_one_row_per_engine(capsys):
    assert alpha.main(["--size", "96x64", "--rounds", "1", "--engines", "classical",
                       "--data", str(SHARED_DATA)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| classical")]
    assert len(rows) == 1 and rows[0].count("x (") == 2
