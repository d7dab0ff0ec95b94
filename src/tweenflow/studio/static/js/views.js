// The frame views (A and B side by side, or the onion skin): drawing the frames and tracks,
// and the pointer gestures that create and edit tracks.

const HIT_RADIUS_CSS = 9;   // how close (screen pixels) a press must be to grab a point
const COLOURS = {path: "#ff5a4f", selected: "#ffd84f", start: "#3ddc84", end: "#ff5a4f",
                 middle: "#ffd84f"};

export class FrameViews {
  constructor(canvases, tracks, callbacks) {
    this.canvases = canvases;           // {A, B, onion}
    this.tracks = tracks;
    this.callbacks = callbacks;         // {changed(final), selected()}
    this.images = null;                 // [imageA, imageB]
    this.mode = "side";
    this.opacity = 0.5;
    this.paths = null;                  // server-sampled paths for `pathsKey`
    this.pathsKey = "";
    this.drag = null;
    for (const [name, canvas] of Object.entries(canvases)) {
      canvas.addEventListener("pointerdown", (event) => this.down(event, name));
      canvas.addEventListener("pointermove", (event) => this.move(event));
      canvas.addEventListener("pointerup", (event) => this.up(event));
      canvas.addEventListener("pointercancel", (event) => this.up(event));
    }
  }

  setImages(images) {
    this.images = images;
    const [width, height] = [images[0].naturalWidth, images[0].naturalHeight];
    for (const canvas of Object.values(this.canvases)) {
      canvas.width = width;
      canvas.height = height;
    }
    this.draw();
  }

  // Canvas pixels per CSS pixel (to keep lines and hit areas the same size on screen).
  scale(canvas) {
    const rect = canvas.getBoundingClientRect();
    return rect.width > 0 ? canvas.width / rect.width : 1;
  }

  toImage(canvas, event) {
    const rect = canvas.getBoundingClientRect();
    const factor = this.scale(canvas);
    return [(event.clientX - rect.left) * factor - 0.5, (event.clientY - rect.top) * factor - 0.5];
  }

  // The canvas under the pointer (a drag may cross from A to B), else the one it began on.
  canvasFor(event, fallback) {
    for (const canvas of this.visibleCanvases()) {
      const rect = canvas.getBoundingClientRect();
      if (event.clientX >= rect.left && event.clientX <= rect.right &&
          event.clientY >= rect.top && event.clientY <= rect.bottom) return canvas;
    }
    return fallback;
  }

  visibleCanvases() {
    return this.mode === "side" ? [this.canvases.A, this.canvases.B] : [this.canvases.onion];
  }

  hit(canvas, x, y) {
    const limit = HIT_RADIUS_CSS * this.scale(canvas);
    let best = null;
    this.tracks.items.forEach((track, trackIndex) => {
      track.points.forEach(([, px, py], pointIndex) => {
        const distance = Math.hypot(px - x, py - y);
        const preferred = trackIndex === this.tracks.selected ? 0.5 : 0;
        if (distance <= limit && (!best || distance - preferred < best.score)) {
          best = {track: trackIndex, point: pointIndex, score: distance - preferred};
        }
      });
    });
    return best;
  }

  down(event, name) {
    if (!this.images || event.button !== 0) return;
    const canvas = this.canvases[name];
    const [x, y] = this.toImage(canvas, event);
    const found = this.hit(canvas, x, y);
    if (found) {
      this.tracks.select(found.track, found.point);
      this.drag = {kind: "move", track: found.track, point: found.point, canvas, moved: false};
    } else if (name === "A" || name === "onion") {
      const track = this.tracks.add([x, y], [x, y]);
      this.drag = {kind: "new", track, point: 1, canvas, start: [x, y], moved: false};
    } else {
      this.tracks.select(-1);
      this.callbacks.selected();
      this.draw();
      return;
    }
    canvas.setPointerCapture(event.pointerId);
    this.callbacks.selected();
    this.draw();
    event.preventDefault();
  }

  move(event) {
    if (!this.drag) return;
    const canvas = this.canvasFor(event, this.drag.canvas);
    const [x, y] = this.toImage(canvas, event);
    this.tracks.movePoint(this.drag.track, this.drag.point, x, y);
    this.drag.moved = true;
    this.callbacks.changed(false);
    this.draw();
  }

  up(event) {
    const drag = this.drag;
    if (!drag) return;
    this.drag = null;
    if (drag.canvas.hasPointerCapture(event.pointerId)) {
      drag.canvas.releasePointerCapture(event.pointerId);
    }
    if (drag.kind === "new") {
      const [, x1, y1] = this.tracks.items[drag.track].points[1];
      // A click without a drag is not a track.
      if (Math.hypot(x1 - drag.start[0], y1 - drag.start[1]) < 1.5 * this.scale(drag.canvas)) {
        this.tracks.deleteTrack(drag.track);
        this.tracks.select(-1);
        this.callbacks.selected();
        this.draw();
        return;
      }
    }
    this.callbacks.selected();
    if (drag.moved || drag.kind === "new") this.callbacks.changed(true);
    this.draw();
  }

  setPaths(key, paths) {
    this.pathsKey = key;
    this.paths = paths;
    this.draw();
  }

  draw() {
    if (!this.images) return;
    const {A, B, onion} = this.canvases;
    this.drawOne(A, [[this.images[0], 1]]);
    this.drawOne(B, [[this.images[1], 1]]);
    this.drawOne(onion, [[this.images[0], 1], [this.images[1], this.opacity]]);
  }

  drawOne(canvas, layers) {
    const context = canvas.getContext("2d");
    context.globalAlpha = 1;
    context.clearRect(0, 0, canvas.width, canvas.height);
    for (const [image, alpha] of layers) {
      context.globalAlpha = alpha;
      context.drawImage(image, 0, 0);
    }
    context.globalAlpha = 1;
    const unit = this.scale(canvas);
    const current = this.paths && this.pathsKey === this.tracks.key();
    this.tracks.items.forEach((track, index) => {
      const selected = index === this.tracks.selected;
      context.lineWidth = (selected ? 3 : 2) * unit;
      context.strokeStyle = selected ? COLOURS.selected : COLOURS.path;
      // The path comes from the server (the engines' own spline); until it arrives, a dashed
      // line through the control points stands in for it.
      const line = current ? this.paths[index] : track.points.map(([, x, y]) => [x, y]);
      context.setLineDash(current ? [] : [4 * unit, 4 * unit]);
      context.beginPath();
      line.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.stroke();
      context.setLineDash([]);
      if (selected) {
        const [, x0, y0] = track.points[0];
        context.lineWidth = unit;
        context.beginPath();
        context.arc(x0, y0, track.radius, 0, 2 * Math.PI);
        context.stroke();
      }
      track.points.forEach(([t, x, y], pointIndex) => {
        const last = pointIndex === track.points.length - 1;
        context.fillStyle = pointIndex === 0 ? COLOURS.start : last ? COLOURS.end : COLOURS.middle;
        context.beginPath();
        context.arc(x, y, (pointIndex === 0 || last ? 5 : 4) * unit, 0, 2 * Math.PI);
        context.fill();
        if (selected && pointIndex === this.tracks.selectedPoint) {
          context.strokeStyle = "#fff";
          context.lineWidth = 2 * unit;
          context.stroke();
        }
      });
    });
  }
}

// Where each track is at the preview's t (positions from the server), over the preview image.
export function drawPreviewOverlay(canvas, width, height, tracks, positions) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, width, height);
  const rect = canvas.getBoundingClientRect();
  const unit = rect.width > 0 ? width / rect.width : 1;
  (positions || []).forEach(([[x, y]], index) => {
    const track = tracks.items[index];
    if (!track) return;
    context.strokeStyle = "rgba(255, 90, 79, 0.8)";
    context.lineWidth = unit;
    context.beginPath();
    context.arc(x, y, 3 * unit, 0, 2 * Math.PI);
    context.stroke();
  });
}
