// Rendering on the server: the preview at t (newest request wins), render jobs of N in-betweens
// with progress and cancel, playback, and the exports made from a finished job.

import {api} from "./api.js";

const $ = (id) => document.getElementById(id);
const SHOW_CANCEL_AFTER_MS = 300;

export class Renderer {
  constructor(studio) {
    this.studio = studio;               // session, tracks, engine(), showError()
    this.seq = 0;                       // newest preview request
    // This tab's id: the server orders previews and replaces jobs per page, so two tabs on
    // one pair do not cancel each other. getRandomValues also works over plain http (--host).
    this.page = Array.from(crypto.getRandomValues(new Uint8Array(8)),
                           (byte) => byte.toString(16).padStart(2, "0")).join("");
    this.controller = null;
    this.shownUrl = null;
    this.job = null;                    // {id, key, status}
    this.jobPromise = null;
    this.playing = null;
    this.timing = {changeAt: 0, requestedAt: 0, shownAt: 0, shownSeq: 0};
    $("cancelPreview").addEventListener("click", () => this.cancelPreview());
    $("cancelJob").addEventListener("click", () => this.cancelJob());
    $("play").addEventListener("click", () => (this.playing ? this.stop() : this.play()));
  }

  t() {
    return Number($("t").value);
  }

  // Ask for the frame at the slider's t. Any earlier request is aborted, and an answer is only
  // shown if no newer request was made since: a stale render never replaces a newer one.
  async preview() {
    const session = this.studio.session;
    if (!session) return;
    const seq = ++this.seq;
    if (this.controller) this.controller.abort();
    const controller = this.controller = new AbortController();
    const t = this.t();
    const body = {engine: this.studio.engine(), t, tracks: this.studio.tracks.toJSON(), seq,
                  page: this.page};
    this.timing.requestedAt = performance.now();
    $("previewState").textContent = "rendering…";
    const showCancel = setTimeout(() => { $("cancelPreview").hidden = false; },
                                  SHOW_CANCEL_AFTER_MS);
    try {
      const blob = await api.preview(session.session, body, controller.signal);
      if (seq !== this.seq) return;
      const url = URL.createObjectURL(blob);
      const image = new Image();
      image.src = url;
      await image.decode();
      if (seq !== this.seq) { URL.revokeObjectURL(url); return; }
      this.show(url, {seq, t});
      this.timing.shownAt = performance.now();
      this.timing.shownSeq = seq;
    } catch (error) {
      if (error.name === "AbortError" || error.status === 409) return;
      if (seq === this.seq) this.studio.showError(error.message);
    } finally {
      clearTimeout(showCancel);
      if (seq === this.seq) {
        $("previewState").textContent = "";
        $("cancelPreview").hidden = true;
      }
    }
  }

  show(url, {seq, t}) {
    const image = $("preview");
    if (this.shownUrl && this.shownUrl.startsWith("blob:")) URL.revokeObjectURL(this.shownUrl);
    this.shownUrl = url;
    image.src = url;
    image.dataset.seq = String(seq);
    image.dataset.t = String(t);
  }

  cancelPreview() {
    this.seq += 1;   // whatever is in flight is now stale
    if (this.controller) this.controller.abort();
    $("previewState").textContent = "cancelled";
    $("cancelPreview").hidden = true;
  }

  count() {
    const count = Number($("count").value);
    if (!Number.isInteger(count) || count < 1 || count > 240) {
      throw new Error("the number of in-betweens must be a whole number from 1 to 240");
    }
    return count;
  }

  jobKey() {
    return JSON.stringify([this.studio.session.session, this.studio.engine(), this.count(),
                           this.studio.tracks.key()]);
  }

  // A finished job for the current engine, count and tracks (reused if nothing changed).
  async frames() {
    const key = this.jobKey();
    if (this.job && this.job.key === key && this.job.status === "done") return this.job;
    if (this.jobPromise && this.job && this.job.key === key) return this.jobPromise;
    this.jobPromise = this.runJob(key);
    return this.jobPromise;
  }

  async runJob(key) {
    const session = this.studio.session.session;
    const started = await api.startJob(session, {engine: this.studio.engine(), n: this.count(),
                                                 tracks: this.studio.tracks.toJSON(),
                                                 page: this.page});
    const job = this.job = {id: started.job, key, status: "running", total: started.total};
    const progress = $("progress");
    progress.hidden = false;
    progress.max = started.total;
    $("cancelJob").hidden = false;
    try {
      for (;;) {
        const state = await api.job(session, job.id);
        progress.value = state.done;
        $("progressText").textContent = `rendering ${state.done} / ${state.total}`;
        job.status = state.status;
        if (state.status === "done") return job;
        if (state.status === "cancelled") throw new Error("rendering was cancelled");
        if (state.status === "failed") throw new Error(state.error);
        if (state.status !== "running") throw new Error(`rendering ${state.status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      progress.hidden = true;
      $("cancelJob").hidden = true;
      $("progressText").textContent = job.status === "done" ? `${job.total} frames ready` : "";
    }
  }

  async cancelJob() {
    if (this.job && this.job.status === "running") {
      await api.cancelJob(this.studio.session.session, this.job.id);
    }
  }

  async play() {
    try {
      const job = await this.frames();
      const session = this.studio.session.session;
      const urls = [api.frameUrl(session, 0)];
      for (let k = 1; k <= job.total; k++) urls.push(api.jobFrameUrl(session, job.id, k));
      urls.push(api.frameUrl(session, 1));
      await Promise.all(urls.map((url) => { const i = new Image(); i.src = url; return i.decode(); }));
      const fps = Math.min(120, Math.max(1, Number($("fps").value) || 12));
      let index = 0;
      $("play").textContent = "Stop";
      this.seq += 1;   // a preview still in flight must not replace the playback
      this.playing = setInterval(() => {
        const t = index / (urls.length - 1);
        $("t").value = String(t);
        $("tValue").textContent = t.toFixed(2);
        this.show(urls[index], {seq: this.seq, t});
        index = (index + 1) % urls.length;
      }, 1000 / fps);
    } catch (error) {
      this.studio.showError(error.message);
    }
  }

  stop() {
    clearInterval(this.playing);
    this.playing = null;
    $("play").textContent = "Play";
  }

  async exportJob(what) {
    try {
      const job = await this.frames();
      const fps = Math.min(120, Math.max(1, Number($("fps").value) || 12));
      const names = {zip: "frames.zip", mp4: "tweenflow.mp4", gif: "tweenflow.gif"};
      download(api.exportUrl(this.studio.session.session, job.id, what, fps), names[what]);
    } catch (error) {
      this.studio.showError(error.message);
    }
  }
}

export function download(url, name) {
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}
