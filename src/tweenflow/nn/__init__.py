"""Shared tensor operations: warping, padding."""
from tweenflow.nn.padding import pad_to_multiple, crop_to
from tweenflow.nn.warp import backward_warp

__all__ = ["pad_to_multiple", "crop_to", "backward_warp"]
