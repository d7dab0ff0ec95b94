"""Motion control: user tracks and autopilot keypoint tracks, turned into a flow prior."""
from tweenflow.motion.autopilot import AutopilotConfig, autopilot_tracks, match_keypoints
from tweenflow.motion.draw import draw_tracks
from tweenflow.motion.paths import position, sample_path
from tweenflow.motion.prior import TrackField
from tweenflow.motion.tracks import Track, load_tracks, make_track, parse_tracks, tracks_to_json

__all__ = ["AutopilotConfig", "Track", "TrackField", "autopilot_tracks", "draw_tracks",
           "load_tracks", "make_track", "match_keypoints", "parse_tracks", "position",
           "sample_path", "tracks_to_json"]
