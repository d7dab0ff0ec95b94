// The studio page: loading frames, the tracks panel, and wiring views, paths and rendering.

import {api} from "./api.js";
import {Tracks} from "./tracks.js";
import {FrameViews, drawPreviewOverlay} from "./views.js";
import {Renderer, download} from "./render.js";

const $ = (id) => document.getElementById(id);
const PREVIEW_DEBOUNCE_MS = 120;

const studio = {
  session: null,
  tracks: new Tracks(),
  chosen: {A: null, B: null},
  pathSeq: 0,
  pathController: null,
  positions: null,
  engine: () => $("engine").value,
  showError(message) {
    $("errorText").textContent = message;
    $("error").hidden = false;
  },
  clearError() {
    $("error").hidden = true;
  },
  status(message) {
    $("status").textContent = message;
  },
};
window.studio = studio;   // for the end-to-end tests and the benchmark

studio.views = new FrameViews({A: $("viewA"), B: $("viewB"), onion: $("viewOnion")},
                              studio.tracks, {changed, selected: refreshPanel});
studio.renderer = new Renderer(studio);

let previewTimer = null;

// The tracks changed: redraw the server's paths; on a finished gesture also re-render the preview.
function changed(final) {
  requestPaths();
  refreshPanel();
  if (final) {
    studio.renderer.timing.changeAt = performance.now();
    clearTimeout(previewTimer);
    studio.renderer.preview();
  }
}

function previewSoon() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => studio.renderer.preview(), PREVIEW_DEBOUNCE_MS);
}

// Paths are sampled by the server with the engines' own spline code; the newest answer wins.
async function requestPaths() {
  if (!studio.session) return;
  const seq = ++studio.pathSeq;
  if (studio.pathController) studio.pathController.abort();
  const controller = studio.pathController = new AbortController();
  const key = studio.tracks.key();
  const t = studio.renderer.t();
  try {
    const answer = await api.paths(studio.session.session, studio.tracks.toJSON(), [t],
                                   controller.signal);
    if (seq !== studio.pathSeq) return;
    studio.positions = answer.positions;
    studio.views.setPaths(key, answer.paths);
    drawPreviewOverlay($("previewOverlay"), studio.session.width, studio.session.height,
                       studio.tracks, answer.positions);
  } catch (error) {
    if (error.name !== "AbortError" && seq === studio.pathSeq) studio.showError(error.message);
  }
}

function refreshPanel() {
  const list = $("trackList");
  list.replaceChildren();
  studio.tracks.items.forEach((track, index) => {
    const item = document.createElement("li");
    const [, x0, y0] = track.points[0];
    const [, x1, y1] = track.points[track.points.length - 1];
    item.textContent = `(${x0}, ${y0}) → (${x1}, ${y1}), ${track.points.length} points`;
    item.classList.toggle("selected", index === studio.tracks.selected);
    item.addEventListener("click", () => {
      studio.tracks.select(index);
      refreshPanel();
      studio.views.draw();
    });
    list.appendChild(item);
  });
  const track = studio.tracks.current();
  $("trackEditor").disabled = !track;
  if (track) {
    $("radius").value = String(track.radius);
    $("radiusValue").textContent = String(track.radius);
    $("linear").checked = track.linear;
    $("easing").value = track.easing;
  }
}

async function openSession(session) {
  const images = await Promise.all([0, 1].map(async (index) => {
    const image = new Image();
    image.src = api.frameUrl(session.session, index);
    await image.decode();
    return image;
  }));
  studio.session = session;
  studio.tracks.setSize(session.width, session.height);
  studio.tracks.replace([]);
  studio.renderer.job = null;
  studio.views.setImages(images);
  $("dropHint").hidden = true;
  $("nameA").textContent = `A (t = 0): ${session.names[0]}`;
  $("nameB").textContent = `B (t = 1): ${session.names[1]}`;
  studio.status(`${session.width}x${session.height}`);
  refreshPanel();
  requestPaths();
  studio.renderer.preview();
}

async function uploadChosen() {
  const {A, B} = studio.chosen;
  if (!A || !B) {
    studio.status(`now choose frame ${A ? "B" : "A"}`);
    return;
  }
  studio.clearError();
  studio.status("loading…");
  try {
    await openSession(await api.upload(A, B));
  } catch (error) {
    studio.status("");
    studio.showError(error.message);
  }
}

function choose(slot, file) {
  studio.chosen[slot] = file;
  uploadChosen();
}

function setUpLoading() {
  $("fileA").addEventListener("change", (e) => e.target.files[0] && choose("A", e.target.files[0]));
  $("fileB").addEventListener("change", (e) => e.target.files[0] && choose("B", e.target.files[0]));
  const panel = $("framesPanel");
  panel.addEventListener("dragover", (event) => {
    event.preventDefault();
    panel.classList.add("dragover");
  });
  panel.addEventListener("dragleave", () => panel.classList.remove("dragover"));
  panel.addEventListener("drop", (event) => {
    event.preventDefault();
    panel.classList.remove("dragover");
    const files = [...event.dataTransfer.files];
    if (files.length >= 2) {
      files.sort((a, b) => a.name.localeCompare(b.name));
      studio.chosen = {A: files[0], B: files[1]};
      uploadChosen();
    } else if (files.length === 1) {
      choose(event.target === $("viewB") ? "B" : studio.chosen.A && !studio.chosen.B ? "B" : "A",
             files[0]);
    }
  });
}

function guarded(action) {
  return async (...args) => {
    try {
      if (!studio.session) throw new Error("load two frames first");
      studio.clearError();
      await action(...args);
    } catch (error) {
      studio.showError(error.message);
    }
  };
}

function setUpTracksPanel() {
  const tracks = studio.tracks;
  $("radius").addEventListener("input", () => {
    const track = tracks.current();
    if (!track) return;
    track.radius = Number($("radius").value);
    $("radiusValue").textContent = $("radius").value;
    studio.views.draw();
    previewSoon();
  });
  $("linear").addEventListener("change", () => {
    tracks.current().linear = $("linear").checked;
    changed(true);
  });
  $("easing").addEventListener("change", () => {
    tracks.current().easing = $("easing").value;
    changed(true);
  });
  $("addPoint").addEventListener("click", guarded(async () => {
    const index = tracks.selected;
    const t = studio.renderer.t();
    const answer = await api.paths(studio.session.session, [tracks.toJSON()[index]], [t]);
    const [[x, y]] = answer.positions[0];
    tracks.addPoint(index, t, x, y);
    changed(true);
  }));
  $("deletePoint").addEventListener("click", guarded(async () => {
    tracks.deletePoint(tracks.selected, tracks.selectedPoint);
    changed(true);
  }));
  $("deleteTrack").addEventListener("click", guarded(async () => {
    tracks.deleteTrack(tracks.selected);
    changed(true);
  }));
  document.addEventListener("keydown", (event) => {
    const typing = event.target.matches("input[type=number], input[type=text], textarea");
    if (!["Delete", "Backspace"].includes(event.key) || typing) return;
    if (tracks.selected < 0 || tracks.selectedPoint < 0) return;
    guarded(async () => {
      tracks.deletePoint(tracks.selected, tracks.selectedPoint);
      changed(true);
    })();
  });
  $("autopilot").addEventListener("click", guarded(async () => {
    studio.status("autopilot: matching keypoints…");
    const found = (await api.autopilot(studio.session.session)).tracks;
    studio.status(found.length ? `autopilot: ${found.length} tracks`
                               : "autopilot found no motion of 24 px or more to steer");
    tracks.replace([...tracks.toJSON(), ...found]);
    changed(true);
  }));
  $("tracksFile").addEventListener("change", guarded(async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    tracks.replace((await api.importTracks(studio.session.session, file)).tracks);
    changed(true);
  }));
  $("clearTracks").addEventListener("click", guarded(async () => {
    tracks.replace([]);
    changed(true);
  }));
}

function setUpPreviewAndExport() {
  const renderer = studio.renderer;
  $("t").addEventListener("input", () => {
    if (renderer.playing) renderer.stop();
    $("tValue").textContent = renderer.t().toFixed(2);
    requestPaths();
    renderer.preview();
  });
  $("engine").addEventListener("change", () => renderer.preview());
  $("exportTracks").addEventListener("click", guarded(async () => {
    const blob = await api.tracksFile(studio.session.session, studio.tracks.toJSON());
    download(URL.createObjectURL(blob), "tracks.json");
  }));
  $("exportFrames").addEventListener("click", guarded(() => renderer.exportJob("zip")));
  $("exportMp4").addEventListener("click", guarded(() => renderer.exportJob("mp4")));
  $("exportGif").addEventListener("click", guarded(() => renderer.exportJob("gif")));
  for (const radio of document.querySelectorAll("input[name=view]")) {
    radio.addEventListener("change", () => {
      studio.views.mode = radio.value;
      $("side").hidden = radio.value !== "side";
      $("onion").hidden = radio.value !== "onion";
      studio.views.draw();
    });
  }
  $("opacity").addEventListener("input", () => {
    studio.views.opacity = Number($("opacity").value);
    studio.views.draw();
  });
  $("errorClose").addEventListener("click", () => studio.clearError());
}

async function start() {
  setUpLoading();
  setUpTracksPanel();
  setUpPreviewAndExport();
  try {
    const config = await api.config();
    for (const name of config.engines) $("engine").add(new Option(name, name));
    $("engine").value = config.engine;
    if (config.session) await openSession(config.session);
    studio.ready = true;
  } catch (error) {
    studio.showError(error.message);
  }
}

start();
