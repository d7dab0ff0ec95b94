"""RGB to full-range YUV with the chroma rounded to nearest.

swscale (FFmpeg 8.1, every flag combination, 8 to 16 bits) makes the chroma of full-range YUV
from RGB half a level too low on average (it rounds down; limited range is unbiased, and so is
decoding). Each pass of a full-range video (JPEG-style yuvj420p from phones and screen
recorders, MJPEG) through tweenflow moved its colours towards green: a grey at U = V = 127 came
back at 126. Here the matrix is applied with OpenCV (rounded to nearest) into 4:4:4, and
swscale only subsamples the chroma, which it does without bias.
"""
from __future__ import annotations

import av
import cv2
import numpy as np

from tweenflow.video.alpha_plane import write_alpha, write_plane

# Kr, Kb (luma weights of red and blue) of the matrices the reader converts with
LUMA_WEIGHTS = {1: (0.2126, 0.0722), 4: (0.30, 0.11), 5: (0.299, 0.114), 6: (0.299, 0.114),
                7: (0.212, 0.087), 9: (0.2627, 0.0593)}


def full_range_frame(rgb: np.ndarray, colorspace: int, pix_fmt: str, flags: int
                     ) -> av.VideoFrame | None:
    """`rgb` (H, W, 3 or 4; uint8 or uint16, full range, straight alpha) as a full-range
    `pix_fmt` frame with the matrix `colorspace` (FFmpeg's enum). None where pix_fmt is no
    planar YUV format or the matrix is not one of LUMA_WEIGHTS (swscale converts those).
    flags: swscale's interpolation flags for the chroma subsampling."""
    target = av.VideoFormat(pix_fmt)
    if not pix_fmt.startswith("yuv") or target.is_rgb or colorspace not in LUMA_WEIGHTS:
        return None
    bits = max(component.bits for component in target.components)
    alpha = any(component.is_alpha for component in target.components)
    full = f"yuv{'a' if alpha else ''}444p{'' if bits == 8 else f'{bits}le'}"
    dtype = np.uint8 if bits == 8 else np.uint16
    scale = ((1 << bits) - 1) / np.iinfo(rgb.dtype).max
    kr, kb = LUMA_WEIGHTS[colorspace]
    kg, blue_span, red_span = 1 - kr - kb, 2 * (1 - kb), 2 * (1 - kr)
    middle = (1 << (bits - 1)) / scale         # chroma's zero, in the input's units
    matrix = scale * np.array([[kr, kg, kb, 0],
                               [-kr / blue_span, -kg / blue_span, 0.5, middle],
                               [0.5, -kg / red_span, -kb / red_span, middle]])
    # in the output's sample type (8-bit RGB into 10 bits needs room); saturating
    colour = np.ascontiguousarray(rgb[..., :3], dtype=np.uint16 if bits > 8 else rgb.dtype)
    frame = av.VideoFrame(rgb.shape[1], rgb.shape[0], full)
    for plane, samples in zip(frame.planes, cv2.split(cv2.transform(colour, matrix))):
        write_plane(plane, samples, dtype)
    frame.colorspace, frame.color_range = colorspace, 2
    if full != pix_fmt:
        frame = frame.reformat(format=pix_fmt, src_colorspace=colorspace,
                               dst_colorspace=colorspace, src_color_range=2,
                               dst_color_range=2, interpolation=flags)
    if alpha:
        write_alpha(frame, rgb[..., 3] if rgb.shape[2] == 4
                    else np.full(rgb.shape[:2], 255, np.uint8))
    return frame
