// The tracks being edited, in the tracks-file form: {points: [[t, x, y], ...], radius, linear,
// easing, strength}. Points are in frame pixels; t rises strictly from 0 to 1.

export class Tracks {
  constructor() {
    this.items = [];
    this.selected = -1;        // track index
    this.selectedPoint = -1;   // point index within the selected track
    this.width = 0;
    this.height = 0;
  }

  setSize(width, height) {
    this.width = width;
    this.height = height;
  }

  clamp(x, y) {
    const round = (v) => Math.round(v * 10) / 10;
    return [round(Math.min(Math.max(x, 0), this.width - 1)),
            round(Math.min(Math.max(y, 0), this.height - 1))];
  }

  defaultRadius() {
    return Math.max(4, Math.min(80, Math.round(Math.min(this.width, this.height) / 8)));
  }

  add(start, end) {
    const [x0, y0] = this.clamp(...start);
    const [x1, y1] = this.clamp(...end);
    this.items.push({points: [[0, x0, y0], [1, x1, y1]], radius: this.defaultRadius(),
                     linear: false, easing: "linear", strength: 1});
    this.select(this.items.length - 1, 1);
    return this.items.length - 1;
  }

  replace(tracks) {
    this.items = tracks.map((track) => ({radius: 40, linear: false, easing: "linear",
                                         strength: 1, ...track}));
    this.select(this.items.length ? 0 : -1, -1);
  }

  select(track, point = -1) {
    this.selected = track;
    this.selectedPoint = point;
  }

  current() {
    return this.selected >= 0 ? this.items[this.selected] : null;
  }

  movePoint(track, point, x, y) {
    const [cx, cy] = this.clamp(x, y);
    const entry = this.items[track].points[point];
    entry[1] = cx;
    entry[2] = cy;
  }

  // A control point at time t at the given position (where the path is at t).
  addPoint(track, t, x, y) {
    const points = this.items[track].points;
    const existing = points.findIndex((p) => Math.abs(p[0] - t) < 1e-9);
    if (existing >= 0) {
      this.select(track, existing);
      return existing;
    }
    if (t <= 0 || t >= 1) throw new Error("move the t slider between 0 and 1 to add a point there");
    const [cx, cy] = this.clamp(x, y);
    const index = points.findIndex((p) => p[0] > t);
    points.splice(index, 0, [t, cx, cy]);
    this.select(track, index);
    return index;
  }

  deletePoint(track, point) {
    const points = this.items[track].points;
    if (point <= 0 || point >= points.length - 1) {
      throw new Error("a track keeps its start (t = 0) and end (t = 1); delete the track instead");
    }
    points.splice(point, 1);
    this.select(track, -1);
  }

  deleteTrack(track) {
    this.items.splice(track, 1);
    this.select(Math.min(track, this.items.length - 1), -1);
  }

  toJSON() {
    return this.items.map((track) => ({points: track.points.map((p) => [...p]),
                                       radius: track.radius, linear: track.linear,
                                       easing: track.easing, strength: track.strength}));
  }

  key() {
    return JSON.stringify(this.toJSON());
  }
}
