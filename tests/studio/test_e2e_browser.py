"""The studio as a person uses it, in Debian's Chromium: load, drag, preview, export."""
import json
import threading
import zipfile

import numpy as np
import pytest

from tests.conftest import run_cli, shifted_pair, texture
from tests.studio.browser import (drag, image_xy, launch, load_pair, preview_pixels, require_chromium,
                                  wait_preview)
from tests.studio.conftest import HEIGHT, WIDTH, ServerThread, write_png
from tweenflow import interpolate, read_image
from tweenflow.motion import load_tracks, position, make_track, sample_path
from tweenflow.studio import create_app
from tweenflow.studio.keys import RENDERER


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        running = launch(playwright)
        yield running
        running.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url)
    page.wait_for_function("() => window.studio && window.studio.ready")
    yield page
    context.close()
    assert not errors, errors


def _tracks(page) -> list:
    return page.evaluate("window.studio.tracks.toJSON()")


def _error(page) -> str:
    page.wait_for_selector("#error:not([hidden])")
    return page.inner_text("#errorText")


def _download(page, button: str, folder):
    with page.expect_download(timeout=120_000) as info:
        page.click(button)
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_drag_a_track_preview_changes_there_and_exports_match_the_cli(page, pair_files,
                                                                      tmp_path):
    load_pair(page, *pair_files)
    frames = [read_image(path) for path in pair_files]
    # Move the t slider to 0.3 with the keyboard (each step is an input event, as by hand).
    page.focus("#t")
    for _ in range(20):
        page.keyboard.press("ArrowLeft")
    assert page.input_value("#t") == "0.3"
    wait_preview(page)
    before = preview_pixels(page)
    assert np.array_equal(before, interpolate(*frames, 0.3, "classical")[0])

    drag(page, ("#viewA", 60, 40), ("#viewB", 110, 60))
    wait_preview(page)
    tracks = _tracks(page)
    assert len(tracks) == 1 and tracks[0]["points"][0] == [0, 60, 40]
    assert tracks[0]["points"][1] == [1, 110, 60]
    after = preview_pixels(page)
    assert np.array_equal(after, interpolate(*frames, 0.3, "classical", tracks=tracks)[0])
    # The frame changed around where the track is at t = 0.3, and not far from it.
    x, y = np.rint(position(make_track(tracks[0]), 0.3)).astype(int)
    near = np.abs(after.astype(int) - before)[y - 6:y + 7, x - 6:x + 7].mean()
    assert near > 5
    assert np.array_equal(after[:, -20:], before[:, -20:])
    # The drawn path is the server's sample of the engines' spline.
    drawn = page.evaluate("window.studio.views.paths")
    assert np.allclose(drawn[0], sample_path(make_track(tracks[0]), 96))

    page.fill("#count", "3")
    tracks_path = _download(page, "#exportTracks", tmp_path)
    assert tracks_path.name == "tracks.json"
    assert load_tracks(tracks_path, size=(WIDTH, HEIGHT)) == [make_track(tracks[0])]
    zip_path = _download(page, "#exportFrames", tmp_path)
    cli = tmp_path / "cli"
    result = run_cli("interpolate", *map(str, pair_files), "-n", "3", "--tracks",
                     str(tracks_path), "--engine", "classical", "-o", str(cli))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(zip_path) as archive:
        for k in (1, 2, 3):
            with archive.open(f"frames/frame_{k:04d}.png") as member:
                (tmp_path / "ours.png").write_bytes(member.read())
            assert np.array_equal(read_image(tmp_path / "ours.png"),
                                  read_image(cli / f"frame_{k:04d}.png"))
    gif = _download(page, "#exportGif", tmp_path)
    assert gif.name == "tweenflow.gif" and gif.read_bytes()[:6] == b"GIF89a"
    mp4 = _download(page, "#exportMp4", tmp_path)
    assert mp4.name == "tweenflow.mp4" and mp4.read_bytes()[4:8] == b"ftyp"


def test_the_newest_t_wins_when_the_slider_moves_fast(page, pair_files):
    load_pair(page, *pair_files)
    drag(page, ("#viewA", 60, 40), ("#viewB", 100, 52))
    page.focus("#t")
    for _ in range(12):
        page.keyboard.press("ArrowRight")   # no waiting: requests overtake each other
    wait_preview(page)
    assert page.input_value("#t") == "0.62"
    assert page.get_attribute("#preview", "data-t") == "0.62"
    frames = [read_image(path) for path in pair_files]
    assert np.array_equal(preview_pixels(page),
                          interpolate(*frames, 0.62, "classical", tracks=_tracks(page))[0])


def test_edit_points_radius_linear_and_delete(page, pair_files):
    load_pair(page, *pair_files)
    drag(page, ("#viewA", 30, 30), ("#viewB", 120, 30))
    page.focus("#t")
    page.keyboard.press("Home")
    for _ in range(50):
        page.keyboard.press("ArrowRight")
    page.click("#addPoint")
    page.wait_for_function("() => window.studio.tracks.items[0].points.length === 3")
    assert _tracks(page)[0]["points"][1] == [0.5, 75, 30]
    drag(page, ("#viewA", 75, 30), ("#viewA", 75, 70))   # move the new point down
    page.wait_for_function("() => window.studio.views.pathsKey === window.studio.tracks.key()")
    track = _tracks(page)[0]
    assert track["points"][1] == [0.5, 75, 70]
    drawn = np.array(page.evaluate("window.studio.views.paths")[0])
    assert np.allclose(drawn, sample_path(make_track(track), 96))
    assert drawn[:, 1].max() > 69          # the smooth path bends through the moved point
    page.check("#linear")
    page.wait_for_function("() => window.studio.views.pathsKey === window.studio.tracks.key()")
    linear = np.array(page.evaluate("window.studio.views.paths")[0])
    assert _tracks(page)[0]["linear"] is True and not np.allclose(linear, drawn)
    page.fill("#radius", "25")
    page.dispatch_event("#radius", "input")
    assert _tracks(page)[0]["radius"] == 25
    page.mouse.click(*image_xy(page, "#viewB", 75, 70))   # select the middle point
    assert page.evaluate("window.studio.tracks.selectedPoint") == 1
    page.keyboard.press("Delete")
    page.wait_for_function("() => window.studio.tracks.items[0].points.length === 2")
    page.click("#deleteTrack")
    assert _tracks(page) == []


def test_onion_skin_blends_b_over_a_with_the_opacity(page, pair_files):
    load_pair(page, *pair_files)
    page.check("input[value=onion]")
    assert page.is_visible("#viewOnion") and not page.is_visible("#viewA")
    pixel = "() => Array.from(document.querySelector('#viewOnion').getContext('2d')" \
            ".getImageData(140, 80, 1, 1).data.slice(0, 3))"
    frames = [read_image(path).astype(float) for path in pair_files]
    for opacity in (0.0, 1.0, 0.5):
        page.fill("#opacity", str(opacity))
        page.dispatch_event("#opacity", "input")
        expected = (1 - opacity) * frames[0][80, 140] + opacity * frames[1][80, 140]
        assert np.abs(np.array(page.evaluate(pixel)) - expected).max() <= 2
    drag(page, ("#viewOnion", 50, 50), ("#viewOnion", 80, 60))   # tracks are drawn here too
    assert _tracks(page)[0]["points"] == [[0, 50, 50], [1, 80, 60]]


def test_errors_appear_in_the_page(page, pair_files, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    page.set_input_files("#fileA", str(notes))
    page.set_input_files("#fileB", str(pair_files[1]))
    assert _error(page).startswith("notes.txt: not a readable image")
    small = write_png(tmp_path / "small.png", texture(40, 60))
    page.set_input_files("#fileA", str(small))
    assert _error(page) == ("b.png is 160x96 but small.png is 60x40; both inputs must have the "
                            "same size")
    load_pair(page, *pair_files)
    assert page.is_hidden("#error")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tracks": [{"points": [[0, 5, 5], [0.5, 6, 6], [0.5, 7, 7],
                                                      [1, 8, 8]]}]}))
    page.set_input_files("#tracksFile", str(bad))
    assert _error(page) == "bad.json: track 0 point 2: t must increase, but t = 0.5 follows t = 0.5"
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"tracks": [{"points": [[0, 5, 5], [1, 30, 20]], "radius": 9}]}))
    page.set_input_files("#tracksFile", str(good))
    page.wait_for_function("() => window.studio.tracks.items.length === 1")
    assert _tracks(page)[0]["radius"] == 9


def test_drop_two_files_and_autopilot(page, tmp_path):
    frame0, frame1, _ = shifted_pair(150, 200, 32, 0, seed=5, margin=40)
    paths = [write_png(tmp_path / "x0.png", frame0), write_png(tmp_path / "x1.png", frame1)]
    payloads = [list(path.read_bytes()) for path in reversed(paths)]   # dropped out of order
    transfer = page.evaluate_handle(
        "(payloads) => { const t = new DataTransfer(); const names = ['x1.png', 'x0.png'];"
        " payloads.forEach((bytes, i) => t.items.add(new File([new Uint8Array(bytes)], names[i],"
        " {type: 'image/png'}))); return t; }", payloads)
    page.dispatch_event("#framesPanel", "drop", {"dataTransfer": transfer})
    page.wait_for_function("() => window.studio.session !== null")
    assert page.evaluate("window.studio.session.names") == ["x0.png", "x1.png"]
    page.click("#autopilot")
    page.wait_for_function("() => window.studio.tracks.items.length > 0", timeout=60_000)
    for track in _tracks(page):
        (_, x0, y0), (_, x1, y1) = track["points"][0], track["points"][-1]
        assert abs(x1 - x0 - 32) < 2 and abs(y1 - y0) < 2
    assert page.inner_text("#trackList").count("points") == len(_tracks(page))


def test_play_shows_the_rendered_frames_and_a_render_can_be_cancelled(page, pair_files, server):
    load_pair(page, *pair_files)
    page.fill("#count", "3")
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#play').textContent === 'Stop'")
    page.wait_for_function("() => /\\/jobs\\/[0-9a-f]{32}\\/frames\\/2.png$/"
                           ".test(document.querySelector('#preview').src)")
    page.click("#play")
    assert page.inner_text("#progressText") == "3 frames ready"

    release = threading.Event()
    server.app[RENDERER].worker.submit(release.wait, 30)   # a render that takes a while
    page.fill("#count", "5")
    page.click("#play")
    page.wait_for_selector("#cancelJob:not([hidden])")
    assert page.is_visible("#progress")
    page.click("#cancelJob")
    release.set()
    assert _error(page) == "rendering was cancelled"
    assert page.is_hidden("#progress")


def test_two_tabs_on_the_pair_from_the_command_line_both_preview(browser, pair_files):
    # Both tabs open the same session; the second one's previews (seq 1, 2, ...) were dropped
    # as older than the first tab's, so it never showed one.
    frames = tuple(read_image(path) for path in pair_files)
    with ServerThread(create_app(frames, ("a.png", "b.png"))) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tabs = [context.new_page(), context.new_page()]
        first, second = tabs
        first.goto(server.url)
        wait_preview(first)
        first.focus("#t")
        for _ in range(3):
            first.keyboard.press("ArrowRight")
        wait_preview(first)
        second.goto(server.url)
        wait_preview(second, timeout=20_000)
        second.focus("#t")
        second.keyboard.press("ArrowLeft")
        wait_preview(second, timeout=20_000)
        assert second.get_attribute("#preview", "data-t") == "0.49"
        assert np.array_equal(preview_pixels(second), interpolate(*frames, 0.49, "classical")[0])
        context.close()
