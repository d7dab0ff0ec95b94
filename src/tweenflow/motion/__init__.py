"""Motion control: user tracks and autopilot keypoint tracks, turned into a flow prior."""
from tweenflow.motion.paths import position, sample_path
from tweenflow.motion.prior import TrackField
from tweenflow.motion.tracks import Track, load_tracks, make_track, parse_tracks, tracks_to_json

__all__ = ["Track", "TrackField", "load_tracks", "make_track", "parse_tracks", "position",
           "sample_path", "tracks_to_json"]
