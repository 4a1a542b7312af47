// The Urumi REST API as the dashboard uses it. Every failure becomes an ApiError that
// carries the problem+json body, so callers can show `errors[].field` next to the field.
// Paths are relative to the page, so the dashboard also works behind a path prefix.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** `[{field, message}]` of a validation problem (empty for other problems). */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }

  get type() {
    return this.problem.type ?? '';
  }

  /** True for the 409 that says another operation runs on the store (`operation` names it). */
  get operationRunning() {
    return this.status === 409 && this.type.endsWith('/operation-running');
  }
}

/** The CSRF token the server set at sign-in (readable on purpose; the session cookie is not). */
function csrfToken() {
  const match = document.cookie.split('; ').find((part) => part.startsWith('urumi_csrf='));
  return match ? decodeURIComponent(match.slice('urumi_csrf='.length)) : null;
}

/** Called when the server answers 401: the page shows the sign-in form. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

async function request(method, path, { body, headers = {}, signal } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'same-origin', signal };
  // A session cookie rides along with every request: state changes prove they come from
  // this page with the CSRF token.
  const csrf = method === 'GET' ? null : csrfToken();
  if (csrf) init.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached.' });
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401 && path !== 'session') onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, json ?? { title: response.statusText });
  return json;
}

/** Who is signed in: `{name, role, auth}` (`auth` is "tokens" or "none"). */
export function session() {
  return request('GET', 'session');
}

/** Exchanges an access token for a session cookie. */
export function signIn(token) {
  return request('POST', 'session', { body: { token } });
}

export function signOut() {
  return request('DELETE', 'session');
}

/** One page of the store list: `{items, next, position, cluster}`; `query` is its query string. */
export function listStores(query, signal) {
  return request('GET', `stores?${query}`, { signal });
}

/** One store; with `minPosition` the server waits (≤ 5 s) until its view includes that event. */
export function getStore(id, minPosition) {
  const query = minPosition ? `?min_position=${encodeURIComponent(minPosition)}` : '';
  return request('GET', `stores/${encodeURIComponent(id)}${query}`);
}

/** Asks for a store; the same `key` with the same body never creates a second one. */
/** The store as it was at stream version `version` (time travel, folded by the server). */
export function storeAtVersion(id, version) {
  return request('GET', `stores/${encodeURIComponent(id)}?version=${encodeURIComponent(version)}`);
}

export function createStore(spec, key) {
  return request('POST', 'stores', { body: spec, headers: { 'Idempotency-Key': key } });
}

/** Deletes a store; by default the server takes a final backup first (`finalBackup: false` skips it). */
export function deleteStore(id, { finalBackup = true } = {}) {
  return request('DELETE', `stores/${encodeURIComponent(id)}${finalBackup ? '' : '?final_backup=false'}`);
}

export function retryStore(id) {
  return request('POST', `stores/${encodeURIComponent(id)}/retry`);
}

/**
 * Day-two operations. Each answers `{id, status, operation, position, replayed, store}`: 202 with
 * the operation it started, 200 when nothing had to change. `key` is the Idempotency-Key.
 */
function operation(method, path, body, key) {
  const headers = { 'Idempotency-Key': key };
  if (method === 'PATCH') headers['content-type'] = 'application/merge-patch+json';
  return request(method, path, { body, headers });
}

/** A merge patch of name, plan, wordpressVersion, woocommerceVersion and plugins. */
export function updateStore(id, patch, key) {
  return operation('PATCH', `stores/${encodeURIComponent(id)}`, patch, key);
}

export function suspendStore(id, key) {
  return operation('POST', `stores/${encodeURIComponent(id)}/suspend`, undefined, key);
}

export function resumeStore(id, key) {
  return operation('POST', `stores/${encodeURIComponent(id)}/resume`, undefined, key);
}

export function addDomain(id, domain, key) {
  return operation('POST', `stores/${encodeURIComponent(id)}/domains`, { domain }, key);
}

export function removeDomain(id, domain, key) {
  return operation('DELETE', `stores/${encodeURIComponent(id)}/domains/${encodeURIComponent(domain)}`, undefined, key);
}

/** Backs the store up now: an operation of kind `backup` (202), like the day-two ones. */
export function backupStore(id, key) {
  return operation('POST', `stores/${encodeURIComponent(id)}/backups`, undefined, key);
}

/** Replaces the store's data with backup `backup` (a safety backup is taken first). */
export function restoreStore(id, backup, key) {
  return operation('POST', `stores/${encodeURIComponent(id)}/restore`, { backup }, key);
}

/** Removes one backup (an operation of kind `delete-backup`, or at once for a deleted store). */
export function deleteBackup(id, backup, key) {
  return operation('DELETE', `stores/${encodeURIComponent(id)}/backups/${encodeURIComponent(backup)}`, undefined, key);
}

/** The WordPress admin login (admin only; the server records that it was read). */
export function storeCredentials(id) {
  return request('GET', `stores/${encodeURIComponent(id)}/credentials`);
}

/** A store's whole event log, oldest first (follows `next` for at most 20 pages). */
export async function storeEvents(id) {
  const items = [];
  let after = null;
  for (let page = 0; page < 20; page += 1) {
    const query = new URLSearchParams({ limit: '500' });
    if (after) query.set('after', after);
    const body = await request('GET', `stores/${encodeURIComponent(id)}/events?${query}`);
    items.push(...body.items);
    after = body.next;
    if (!after) break;
  }
  return items;
}

/** A random idempotency key; `crypto.randomUUID` needs a secure context, so fall back. */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
