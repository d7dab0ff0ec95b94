"""tweenflow: frame interpolation (in-betweening) on a CPU."""
from tweenflow.allocator import keep_freed_memory
from tweenflow.api import evenly_spaced_times, interpolate
from tweenflow.engines.base import Runtime, create_engine, engine_infos
from tweenflow.errors import TweenflowError
from tweenflow.images import read_image, write_image
from tweenflow.jobs.batch import FileResult, convert_many
from tweenflow.jobs.convert import JobResult, convert_video
from tweenflow.video.pipeline import VideoResult

__version__ = "0.1.0"
__all__ = ["interpolate", "evenly_spaced_times", "create_engine", "engine_infos", "Runtime",
           "TweenflowError", "read_image", "write_image", "convert_video", "VideoResult",
           "JobResult", "convert_many", "FileResult", "keep_freed_memory",
           "__version__"]
