"""The studio: a local web editor for drag-to-steer in-betweening (`tweenflow studio`)."""
from tweenflow.studio.app import create_app
from tweenflow.studio.server import run_studio

__all__ = ["create_app", "run_studio"]
