"""Scene-linear samples (what EXR files hold: any finite value, highlights far above 1, small
negatives) in and out of the 0-1 range the engines take, without clipping any of them.

The engines are trained on display pictures: their flow works on values spread over 0-1 the
way a viewer sees them. Linear light is not (middle grey is 0.18; a highlight at 8 would be
clipped to white). So frames are encoded before the engine and decoded after, by one fixed
curve (the same for every frame of a run, so a frame's brightness does not depend on its
neighbours) that is strictly increasing, hence invertible:

1. u = asinh(x / TOE) / asinh(1 / TOE): linear around 0 (small negatives stay small
   negatives), logarithmic above TOE like a camera's log curve, u = 1 at x = 1 and
   u(0.18) = 0.45, near where sRGB puts middle grey.
2. u in [0, 1] (linear 0-1) fills [LOW, HIGH] of the 0-1 range linearly; below and above,
   rational tails z / (1 + z), matched in slope, squeeze every other value into (0, LOW) and
   (HIGH, 1): 4.0 lands at 0.85, 8.0 at 0.88, half's largest value (65504) at 0.97.

Decoding computes in float64: half samples come back bit for bit, float32 ones within a few
units of their last place (the encoded value is one float32).

What it means for colour: the engines move and blend encoded values. Where a pixel is moved,
its value is carried unchanged; where two pixels are mixed (occlusion edges, soft motion)
the mix is of encoded values, like a mix of sRGB values, so it is darker than a linear-light
mix would be; the curve is the same for R, G and B, so a neutral stays neutral.
"""
from __future__ import annotations

import numpy as np

TOE = 0.1                   # linear below this, logarithmic above (asinh)
LOW, HIGH = 0.0390625, 0.703125   # where linear 0 and 1 land (5/128, 90/128: exact in float32)
_UNIT = float(np.arcsinh(1.0 / TOE))
_K_HIGH = (HIGH - LOW) / (1.0 - HIGH)   # tail slopes that continue the middle part's
_K_LOW = (HIGH - LOW) / LOW


BLOCK = 1 << 13             # samples computed together: float64 temporaries stay in cache


def _blockwise(function, values: np.ndarray) -> np.ndarray:
    """float32 function(float64 block) over `values`, BLOCK samples at a time: a 4K RGB frame
    at once made 1.4 GB of temporaries and took about 3x longer (0.7 s to encode, warm)."""
    values = np.asarray(values)
    flat = values.reshape(-1)
    result = np.empty(flat.shape, np.float32)
    for start in range(0, flat.size, BLOCK):
        result[start:start + BLOCK] = function(flat[start:start + BLOCK].astype(np.float64))
    return result.reshape(values.shape)


def _encode_block(linear: np.ndarray) -> np.ndarray:
    u = np.arcsinh(linear / TOE) / _UNIT
    above, below = np.maximum(u - 1.0, 0.0) * _K_HIGH, np.maximum(-u, 0.0) * _K_LOW
    return np.where(u > 1.0, HIGH + (1.0 - HIGH) * above / (1.0 + above),
                    np.where(u < 0.0, LOW / (1.0 + below), LOW + (HIGH - LOW) * u))


def _decode_block(encoded: np.ndarray, largest: float) -> np.ndarray:
    y = np.clip(encoded, 0.0, 1.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        s = (y - HIGH) / (1.0 - HIGH)
        u = np.where(y > HIGH, 1.0 + s / (1.0 - s) / _K_HIGH,
                     np.where(y < LOW, -(LOW / y - 1.0) / _K_LOW, (y - LOW) / (HIGH - LOW)))
        linear = TOE * np.sinh(np.clip(u * _UNIT, -800.0, 800.0))   # sinh(800) is finite
    return np.clip(linear, -largest, largest)


def encode(linear: np.ndarray) -> np.ndarray:
    """Finite scene-linear samples (any float array) as float32 in (0, 1), strictly
    increasing with the value: 0 -> LOW, 1 -> HIGH."""
    return _blockwise(_encode_block, linear)


def decode(encoded: np.ndarray, largest: float = float(np.finfo(np.float32).max)
           ) -> np.ndarray:
    """The scene-linear float32 samples whose encoding is `encoded` (0-1; the ends, which no
    encoding reaches, give -largest and +largest). largest: the greatest magnitude returned
    (65504 for samples to be stored as half)."""
    return _blockwise(lambda block: _decode_block(block, largest), encoded)
