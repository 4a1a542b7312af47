// What the store list shows (status filter, search, page, view), kept in the page's URL so a
// reload or a shared link shows the same list. The cursors of the pages before this one are
// in `history.state` (they survive a reload, not a copied link: then "Previous" goes to the
// first page).

export const PAGE_SIZE = 25;
export const VIEWS = ['auto', 'table', 'cards'];
const STATUSES = [
  'provisioning', 'ready', 'updating', 'backing-up', 'restoring', 'suspended', 'compensating', 'failed', 'deleting', 'deleted',
];
/** The status filter's choices: the default shows every store that is not deleted. */
export const STATUS_FILTERS = ['active', 'all', ...STATUSES];
/** The health filter's choices (what the order canary says; `unknown`: never checked). */
export const HEALTH_FILTERS = ['any', 'degraded', 'failing', 'healthy', 'unknown'];

/** `{status, q, after, view, previous}` from the location and history state; `previous` is
 * the `after` of each earlier page (null for the first), or null when unknown. */
export function readQuery(location = window.location, state = history.state) {
  const params = new URLSearchParams(location.search);
  const status = params.get('status') ?? 'active';
  const health = params.get('health') ?? 'any';
  const view = params.get('view') ?? 'auto';
  // null: the pages before this one are not known (a copied link of a later page).
  const previous = Array.isArray(state?.previous) ? state.previous.filter((c) => c === null || typeof c === 'string') : null;
  return {
    status: STATUS_FILTERS.includes(status) ? status : 'active',
    health: HEALTH_FILTERS.includes(health) ? health : 'any',
    q: (params.get('q') ?? '').slice(0, 100),
    after: params.get('after') || null,
    view: VIEWS.includes(view) ? view : 'auto',
    previous: params.get('after') ? previous : [],
  };
}

/** Writes `query` into the URL (replacing the entry: typing a search is not navigation). */
export function writeQuery(query) {
  const params = new URLSearchParams();
  if (query.status !== 'active') params.set('status', query.status);
  if (query.health && query.health !== 'any') params.set('health', query.health);
  if (query.q) params.set('q', query.q);
  if (query.after) params.set('after', query.after);
  if (query.view !== 'auto') params.set('view', query.view);
  const search = params.toString();
  const url = `${location.pathname}${search ? `?${search}` : ''}${location.hash}`;
  history.replaceState({ ...(history.state ?? {}), previous: query.previous }, '', url);
}

/** The statuses a filter lets through. */
export function filterStatuses(filter) {
  if (filter === 'all') return STATUSES;
  if (filter === 'active') return STATUSES.filter((s) => s !== 'deleted');
  return [filter];
}

/** The API's query string for a page (spaces as %20: the server reads `+` as a plus sign). */
export function apiQuery(query) {
  const parts = [`limit=${PAGE_SIZE}`];
  if (query.status === 'active') parts.push('status=!deleted');
  else if (query.status !== 'all') parts.push(`status=${query.status}`);
  if (query.q.trim()) parts.push(`q=${encodeURIComponent(query.q.trim())}`);
  if (query.health && query.health !== 'any') parts.push(`health=${query.health}`);
  if (query.after) parts.push(`after=${encodeURIComponent(query.after)}`);
  return parts.join('&');
}

/** Whether a store view belongs in the list `query` asks for (status and search). */
export function matches(query, view) {
  if (!filterStatuses(query.status).includes(view.status)) return false;
  if (query.health && query.health !== 'any' && (view.health?.state ?? 'unknown') !== query.health) return false;
  const needle = query.q.trim().toLowerCase();
  return !needle || view.name.toLowerCase().includes(needle) || view.domain.toLowerCase().includes(needle);
}
