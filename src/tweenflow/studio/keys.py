"""The typed keys under which the studio app keeps its state."""
from aiohttp import web

from tweenflow.studio.renderer import Renderer
from tweenflow.studio.workspace import Workspace

WORKSPACE = web.AppKey("workspace", Workspace)
RENDERER = web.AppKey("renderer", Renderer)
SETTINGS = web.AppKey("settings", dict)
