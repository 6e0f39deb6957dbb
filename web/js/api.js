// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's one way to the server: the public /api/v1 routes (docs/server.md).
// A session cookie is set by the server (HttpOnly); every change carries the
// CSRF token the session answered with.

let csrf = '';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

// call('GET', '/applications', {query}) → the JSON answer, or throws ApiError.
// body: an object (sent as JSON), or {raw: Blob|ArrayBuffer, type} for bytes.
export async function call(method, path, { body, query, raw, type, as } = {}) {
  let url = '/api/v1' + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (raw instanceof FormData) {
    payload = raw; // the browser writes multipart/form-data with its boundary
  } else if (raw !== undefined) {
    payload = raw;
    headers['Content-Type'] = type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'ENETWORK', String(e && e.message || e));
  }
  if (as === 'response') return res;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e ? e.code : 'HTTP' + res.status, e ? e.message : text.slice(0, 200));
  }
  return data;
}

// The error of an answer that is not 2xx (a call made with as: 'response'), as call() throws it.
export async function responseError(res) {
  const body = await res.json().catch(() => null);
  return new ApiError(res.status, body?.error?.code || 'HTTP' + res.status, body?.error?.message || res.statusText);
}

// Whether a route exists on this server (routes added later answer 404 here until merged).
export async function routeExists(method, path) {
  const doc = await fetch('/api/openapi.json').then((r) => r.json());
  const p = doc.paths && doc.paths['/api/v1' + path];
  return !!(p && p[method.toLowerCase()]);
}
