// The JSON API of `som serve` (doc/API.md): one fetch wrapper whose errors
// carry the server's words, the field they are about, and the status.
'use strict';

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

// The server words its errors for a person; a few older messages still
// speak of command-line flags or raw byte counts. Those are said in words
// here, so that nothing on the page asks a person for `--label-column`.
export function human(message) {
  return String(message)
    .replace(/(\d{7,}) bytes/g, (_, n) => `${Math.round(Number(n) / 1048576)} MB`)
    .replace(/--max-upload/g, "the server's upload limit")
    .replace(/--([a-z][a-z-]*)/g, (_, name) => `the “${name.replace(/-/g, ' ')}” option`)
    .replace(/request body/g, 'file');
}

export async function api(method, path, body, type) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    if (type) {
      init.body = body;
      init.headers['Content-Type'] = type;
    } else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    // A refused upload may close the connection before its body is sent.
    throw new ApiError(0, 'The server did not answer: is `som serve` still running?');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    let message = (data && data.error) || `${res.status} ${res.statusText}`;
    if (res.status === 413 && !(data && data.error)) message = 'The file is larger than the server accepts.';
    throw new ApiError(res.status, human(message), data && data.field);
  }
  return data;
}

// Query text from an object, leaving out empty values.
export function query(params) {
  const q = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return q ? `?${q}` : '';
}
