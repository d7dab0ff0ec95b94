// The studio server's JSON API. Every failure becomes an Error whose message is the server's
// one-line explanation (or says the server is unreachable).

export class ApiError extends Error {}

async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("the studio server is not answering; is `tweenflow studio` still running?");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    const error = new ApiError(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

function postJson(url, body, signal) {
  return request(url, {method: "POST", headers: {"Content-Type": "application/json"},
                       body: JSON.stringify(body), signal});
}

export const api = {
  config: async () => (await request("/api/config")).json(),

  upload: async (fileA, fileB) => {
    const form = new FormData();
    form.append("frame0", fileA, fileA.name);
    form.append("frame1", fileB, fileB.name);
    return (await request("/api/sessions", {method: "POST", body: form})).json();
  },

  frameUrl: (session, index) => `/api/sessions/${session}/frames/${index}.png`,

  paths: async (session, tracks, times, signal) =>
    (await postJson(`/api/sessions/${session}/paths`, {tracks, times, count: 96}, signal)).json(),

  autopilot: async (session) =>
    (await request(`/api/sessions/${session}/autopilot`, {method: "POST"})).json(),

  importTracks: async (session, file) => {
    const form = new FormData();
    form.append("tracks", file, file.name);
    return (await request(`/api/sessions/${session}/tracks/import`,
                          {method: "POST", body: form})).json();
  },

  tracksFile: async (session, tracks) =>
    (await postJson(`/api/sessions/${session}/tracks.json`, {tracks})).blob(),

  preview: async (session, body, signal) =>
    (await postJson(`/api/sessions/${session}/preview`, body, signal)).blob(),

  startJob: async (session, body) =>
    (await postJson(`/api/sessions/${session}/jobs`, body)).json(),

  job: async (session, job) => (await request(`/api/sessions/${session}/jobs/${job}`)).json(),

  cancelJob: async (session, job) =>
    (await request(`/api/sessions/${session}/jobs/${job}`, {method: "DELETE"})).json(),

  jobFrameUrl: (session, job, index) => `/api/sessions/${session}/jobs/${job}/frames/${index}.png`,

  exportUrl: (session, job, what, fps) => {
    const base = `/api/sessions/${session}/jobs/${job}`;
    return what === "zip" ? `${base}/frames.zip` : `${base}/clip.${what}?fps=${fps}`;
  },
};
