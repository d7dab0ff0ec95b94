"""Fixtures for the motion tests (scenes in tests/motion/scenes.py)."""
import pytest

from tests.motion.scenes import END, HEIGHT, START, WIDTH, object_texture, place, textured


@pytest.fixture(scope="session")
def moving_square():
    """(frame0, frame1, patch): the square at START in frame 0 and at END in frame 1."""
    background = textured(HEIGHT, WIDTH, seed=3)
    patch = object_texture()
    return place(background, patch, START), place(background, patch, END), patch
