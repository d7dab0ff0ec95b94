"""Interpolation engines: `rife4`, `rife3` (ported RIFE networks) and `classical` (OpenCV flow)."""
from tweenflow.engines.base import (Engine, EngineInfo, MotionField, Runtime, create_engine,
                                    engine_info, engine_infos)

__all__ = ["Engine", "EngineInfo", "MotionField", "Runtime", "create_engine", "engine_info",
           "engine_infos"]
