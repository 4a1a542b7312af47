// The store list: one page at a time (GET /stores with the status filter, the search and a
// keyset cursor), shown as cards (a few stores, narrow screens) or as a table (a fleet), and
// kept live from the page's one event stream. A stream event is applied to its store's row
// (storeEvents.js); only when that cannot be done exactly is that one store asked for
// (GET /stores/{id}); the list itself is fetched again only when the user asks (filter,
// search, page, "Refresh list") or the stream reconnects.

import { ApiError, listStores } from './api.js';
import { STORE_STATUS } from './format.js';
import { PAGE_SIZE, apiQuery, filterStatuses, matches, readQuery, writeQuery } from './listQuery.js';
import { createRefresher } from './refresher.js';
import { applyEvent, statusAfter, viewFromRequested } from './storeEvents.js';
import { createCard, updateCard } from './storeCard.js';
import { createRow, updateRow } from './storeTable.js';

const SEARCH_DELAY_MS = 300;
const SMALL_LIST = 8; // at most this many stores: cards
const narrow = window.matchMedia('(max-width: 600px)');

export function setupStoreList({ canChange, onAction, onCluster, onStoreShown, announce, showError, detailId }) {
  const $ = (selector) => document.querySelector(selector);
  const cards = $('#store-list');
  const rows = $('#store-rows');
  const tableWrap = $('#table-wrap');
  const body = $('#list-body');
  const empty = $('#empty');
  const summary = $('#list-summary');
  const notice = $('#list-notice');
  const search = $('#f-search');
  const status = $('#f-status');
  const health = $('#f-health');
  const pager = { first: $('#page-first'), prev: $('#page-prev'), next: $('#page-next'), label: $('#page-label') };
  const viewButtons = [...document.querySelectorAll('[data-view]')];

  let query = readQuery();
  let autoView = null; // decided once, on the first page shown
  let pageIds = [];
  let next = null;
  let loaded = false;
  let drawnMode = null;
  let changedOutside = 0;
  let newElsewhere = 0;
  let buffered = null; // stream events that arrive while a page loads
  let controller = null;
  let sequence = 0;
  const tracked = new Map(); // id -> view: the page's stores and the one in the detail view
  const nodes = new Map(); // id -> its card or row

  const refresh = createRefresher({ onStore: show, onError: (error) => console.warn('refresh failed', error) });

  function mode() {
    if (query.view !== 'auto') return query.view;
    return autoView ?? 'cards';
  }

  // MARK: loading a page

  async function load({ result = false, focus = null } = {}) {
    controller?.abort();
    controller = new AbortController();
    const mine = ++sequence;
    buffered ??= [];
    body.setAttribute('aria-busy', 'true');
    try {
      const answer = await listStores(apiQuery(query), controller.signal);
      if (mine !== sequence) return;
      onCluster(answer.cluster);
      receive(answer);
      const events = buffered;
      buffered = null;
      for (const event of events) handle(event);
      showError('');
      if (result) announce(resultSentence());
      if (focus) focus.focus();
    } catch (error) {
      if (error?.name === 'AbortError' || mine !== sequence) return;
      buffered = null;
      if (error instanceof ApiError && error.status === 400 && query.after) {
        // A cursor that does not parse (an edited link): start from the first page.
        query = { ...query, after: null, previous: [] };
        writeQuery(query);
        load({ result, focus });
        return;
      }
      showError(`The store list could not be loaded: ${error.message}`);
    } finally {
      if (mine === sequence) body.setAttribute('aria-busy', 'false');
    }
  }

  function receive(answer) {
    pageIds = answer.items.map((view) => view.id);
    next = answer.next ?? null;
    const keep = new Set(pageIds);
    const shownInDetail = detailId();
    for (const id of tracked.keys()) if (!keep.has(id) && id !== shownInDetail) tracked.delete(id);
    for (const view of answer.items) {
      const known = tracked.get(view.id);
      if (!known || known.version <= view.version) tracked.set(view.id, view);
      onStoreShown(tracked.get(view.id));
    }
    if (!loaded) {
      loaded = true;
      autoView = narrow.matches || (answer.items.length <= SMALL_LIST && !next && !query.after) ? 'cards' : 'table';
    }
    changedOutside = 0;
    newElsewhere = 0;
    draw();
  }

  // MARK: drawing

  function draw() {
    const current = mode();
    if (current !== drawnMode) {
      nodes.clear();
      drawnMode = current;
    }
    const focused = document.activeElement;
    const elements = pageIds.map((id) => node(id, current));
    for (const id of [...nodes.keys()]) if (!pageIds.includes(id)) nodes.delete(id);
    if (current === 'table') {
      rows.replaceChildren(...elements);
      cards.replaceChildren();
    } else {
      cards.replaceChildren(...elements);
      rows.replaceChildren();
    }
    if (focused?.isConnected && focused !== document.activeElement) focused.focus();
    cards.hidden = current !== 'cards';
    tableWrap.hidden = current !== 'table';
    for (const button of viewButtons) button.setAttribute('aria-pressed', String(button.dataset.view === current));
    drawChrome();
  }

  function node(id, current) {
    const view = tracked.get(id);
    let element = nodes.get(id);
    if (element) {
      if (current === 'table') updateRow(element, view);
      else updateCard(element, view, canChange());
    } else {
      element = current === 'table' ? createRow(view) : createCard(view, canChange());
      nodes.set(id, element);
    }
    // Still shown, but no longer what the filter asks for (until the list is refreshed).
    if (matches(query, view)) element.removeAttribute('data-outside');
    else element.dataset.outside = 'true';
    return element;
  }

  function pageNumber() {
    return query.previous ? query.previous.length + 1 : null;
  }

  function drawChrome() {
    const count = pageIds.length;
    const number = pageNumber();
    const filtered = query.status !== 'active' || query.q.trim() !== '' || (query.health ?? 'any') !== 'any';
    empty.hidden = count > 0;
    empty.textContent = filtered || query.after
      ? 'No stores match the filter and search.'
      : `No stores yet.${canChange() ? ' Create one with the form.' : ''}`;
    if (count === 0) summary.textContent = '';
    else if (number) {
      const first = (number - 1) * PAGE_SIZE + 1;
      summary.textContent = `Showing ${first}–${first + count - 1}${next ? ', more on the next page' : ''} · oldest first`;
    } else summary.textContent = `Showing ${count} stores of a later page · oldest first`;
    pager.label.textContent = number ? `Page ${number}` : 'A later page';
    setEnabled(pager.first, query.after !== null);
    setEnabled(pager.prev, query.after !== null);
    setEnabled(pager.next, next !== null);
    const messages = [];
    if (newElsewhere) messages.push(`${newElsewhere} new ${newElsewhere === 1 ? 'store matches' : 'stores match'} but ${newElsewhere === 1 ? 'is' : 'are'} not on this page.`);
    if (changedOutside) messages.push('Stores changed since this page was loaded.');
    notice.hidden = messages.length === 0;
    notice.querySelector('.notice-text').textContent = messages.join(' ');
  }

  /** aria-disabled, not disabled: a focused pager button that runs out of pages keeps focus. */
  function setEnabled(button, enabled) {
    button.setAttribute('aria-disabled', String(!enabled));
  }

  function resultSentence() {
    const count = pageIds.length;
    if (count === 0) return 'No stores match.';
    const more = next ? ' on this page; there are more' : '';
    return `${count} ${count === 1 ? 'store' : 'stores'}${more}.`;
  }

  // MARK: live updates

  /** A newer view of a store (from an event applied here, or from the server). */
  function show(view) {
    const previous = tracked.get(view.id);
    if (previous && previous.version > view.version) return;
    if (!previous && !pageIds.includes(view.id) && view.id !== detailId()) return;
    tracked.set(view.id, view);
    onStoreShown(view);
    if (!pageIds.includes(view.id)) return;
    if (view.status === 'deleted' && !filterStatuses(query.status).includes('deleted')) {
      // Gone: its place closes (the user asked for the deletion, and it was announced).
      pageIds = pageIds.filter((id) => id !== view.id);
      const gone = nodes.get(view.id);
      const hadFocus = gone?.contains(document.activeElement);
      gone?.remove();
      if (hadFocus) $('#stores-heading').focus();
      nodes.delete(view.id);
      drawChrome();
    } else {
      node(view.id, mode());
      if (!matches(query, view)) {
        changedOutside += 1;
        drawChrome();
      }
    }
    if (previous && previous.status !== view.status) announceStatus(view);
  }

  function announceStatus(view) {
    const word = STORE_STATUS[view.status]?.label ?? view.status;
    const extra = view.status === 'failed' && view.lastError ? `: ${view.lastError}` : '';
    announce(`Store ${view.name} is now ${word.toLowerCase()}${extra}.`);
  }

  /** A store that did not exist when the page was loaded (created here or elsewhere). */
  function offer(view) {
    if (tracked.has(view.id) && pageIds.includes(view.id)) return show(view);
    if (!matches(query, view)) return;
    if (loaded && next === null && pageIds.length < PAGE_SIZE) {
      tracked.set(view.id, view);
      pageIds.push(view.id);
      const element = node(view.id, mode());
      (mode() === 'table' ? rows : cards).append(element);
      drawChrome();
    } else {
      newElsewhere += 1;
      drawChrome();
    }
  }

  function handle(event) {
    if (!event.storeId) return;
    if (buffered) {
      buffered.push(event);
      return;
    }
    const view = tracked.get(event.storeId);
    if (view) {
      if (event.version <= view.version) return;
      const after = applyEvent(view, event);
      if (after) show(after);
      else refresh(event.storeId, event.id);
      return;
    }
    if (event.type === 'store.requested.v2' || event.type === 'store.requested.v1') {
      const fresh = viewFromRequested(event);
      if (fresh) offer(fresh);
      return;
    }
    // A store elsewhere in the list now has a status this filter picks out.
    const now = statusAfter(event);
    if (now && query.status !== 'all' && query.status !== 'active' && query.status === now) {
      changedOutside += 1;
      drawChrome();
    }
  }

  // MARK: controls

  function go(change, focus) {
    query = { ...query, ...change };
    writeQuery(query);
    load({ result: true, focus });
  }

  let searchTimer = null;
  function applySearch() {
    clearTimeout(searchTimer);
    const q = search.value.trim();
    if (q === query.q) return;
    go({ q, after: null, previous: [] });
  }
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, SEARCH_DELAY_MS);
  });
  search.form.addEventListener('submit', (event) => {
    event.preventDefault();
    applySearch();
  });
  status.addEventListener('change', () => go({ status: status.value, after: null, previous: [] }));
  health.addEventListener('change', () => go({ health: health.value, after: null, previous: [] }));

  pager.next.addEventListener('click', () => {
    if (next === null) return;
    go({ after: next, previous: query.previous ? [...query.previous, query.after] : null });
  });
  pager.prev.addEventListener('click', () => {
    if (query.after === null) return;
    const previous = query.previous ?? [];
    go({ after: previous.length ? previous[previous.length - 1] : null, previous: previous.slice(0, -1) });
  });
  pager.first.addEventListener('click', () => {
    if (query.after !== null) go({ after: null, previous: [] });
  });
  notice.querySelector('button').addEventListener('click', () => load({ result: true, focus: $('#stores-heading') }));

  for (const button of viewButtons) {
    button.addEventListener('click', () => {
      query = { ...query, view: button.dataset.view };
      writeQuery(query);
      draw();
    });
  }

  for (const container of [cards, rows]) {
    container.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      const view = tracked.get(button.closest('[data-store-id]').dataset.storeId);
      if (view) onAction(button.dataset.action, view, button);
    });
  }

  window.addEventListener('popstate', () => {
    query = readQuery();
    syncControls();
    load();
  });

  function syncControls() {
    search.value = query.q;
    status.value = query.status;
    health.value = query.health;
  }

  syncControls();
  writeQuery(query); // keeps `previous` in the history entry from the start

  return {
    /** (Re)loads the page shown: on the stream's first open and on every reconnect. */
    load,
    /** A stream event. */
    event: handle,
    /** A view the server answered with (a command's answer, a refresh). */
    show,
    /** A store created through the form. */
    created(view) {
      offer(view);
    },
    /** Per-store refresh (after a command): asks for that store once the log has `position`. */
    refresh,
    /** The newest view of a store this list knows (page or detail). */
    view: (id) => tracked.get(id),
    /** Follows a store for the detail view even when it is not on this page. */
    track(view) {
      const known = tracked.get(view.id);
      if (!known || known.version < view.version) tracked.set(view.id, view);
      return tracked.get(view.id);
    },
    /** Redraws (the role is known, so the buttons change). */
    redraw: () => loaded && draw(),
  };
}
