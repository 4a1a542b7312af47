// The store detail dialog: URLs, steps, errors, leftovers and the event timeline
// (GET /stores/{id}/events, then extended live from the page's stream).

import { storeEvents } from './api.js';
import { STEP_NAMES, dateTime, el, eventSummary, eventTitle, time } from './format.js';
import { statusBadge, stepList } from './storeCard.js';

export function setupDetail(dialog) {
  const title = dialog.querySelector('#detail-title');
  const body = dialog.querySelector('#detail-body');
  const summary = el('div', { class: 'detail-summary' });
  const timeline = el('ol', { class: 'timeline', 'aria-label': 'Event timeline' });
  const timelineState = el('p', { class: 'muted' });
  body.replaceChildren(summary, el('h3', {}, 'Timeline'), timelineState, timeline);

  let current = null; // { id, seen: Set of event ids, events: [] }
  let opener = null;

  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    current = null;
    if (opener?.isConnected) opener.focus();
  });

  function renderSummary(store, cluster) {
    title.textContent = store.name;
    const failedSteps = store.steps.filter((s) => s.lastError && (s.status === 'failed' || store.status === 'failed'));
    const parts = [
      el('p', {}, statusBadge(store.status)),
      cluster?.simulated
        ? el('p', { class: 'notice notice-sim', 'data-testid': 'detail-simulated' },
          el('strong', {}, 'Simulated cluster: '),
          'nothing was created in Kubernetes, and these URLs do not lead to a real shop.')
        : null,
      el('h3', {}, 'URLs'),
      store.urls
        ? el('ul', { class: 'urls' },
          el('li', {}, 'Shop: ', link(store.urls.shop)),
          el('li', {}, 'Admin: ', link(store.urls.admin)))
        : el('p', { class: 'muted' }, 'The URLs appear when the store is ready.'),
      store.lastError && store.status !== 'ready' ? el('p', { class: 'store-error' }, `Error: ${store.lastError}`) : null,
      failedSteps.length
        ? el('ul', { class: 'step-errors' }, failedSteps.map((s) =>
          el('li', {}, `${STEP_NAMES[s.name] ?? s.name} (attempt ${s.attempts}): ${s.lastError}`)))
        : null,
      store.needsAttention
        ? el('p', { class: 'store-attention' },
          `⚠ Needs attention: clean-up did not finish. Left in the cluster: ${store.leftovers.join(', ') || 'unknown'}.`)
        : null,
      el('dl', { class: 'facts' },
        fact('Domain', store.domain), fact('Plan', store.plan), fact('Admin e-mail', store.adminEmail),
        fact('Created', dateTime(store.createdAt)), store.readyAt ? fact('Ready', dateTime(store.readyAt)) : null,
        fact('Store id', store.id)),
      el('h3', {}, 'Steps'),
      stepList(store.steps),
    ];
    summary.replaceChildren(...parts.filter(Boolean));
  }

  /** A link for http(s) URLs only; anything else is shown as text. */
  function link(url) {
    if (!/^https?:\/\//i.test(url)) return url;
    return el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url);
  }

  function fact(term, value) {
    return [el('dt', {}, term), el('dd', {}, value)];
  }

  function addEvents(events) {
    if (!current) return;
    for (const event of events) {
      if (current.seen.has(event.id)) continue;
      current.seen.add(event.id);
      current.events.push(event);
    }
    current.events.sort((a, b) => a.version - b.version);
    timeline.replaceChildren(...current.events.map(eventItem));
  }

  function eventItem(event) {
    const detail = eventSummary(event);
    return el('li', { 'data-type': event.type },
      el('time', { datetime: event.recordedAt }, time(event.recordedAt)),
      el('span', { class: 'event-title' }, eventTitle(event.type)),
      detail ? el('span', { class: 'event-detail' }, detail) : null,
      el('span', { class: 'event-actor' }, `by ${event.actor}`));
  }

  async function loadTimeline(id) {
    timelineState.textContent = 'Loading the timeline…';
    try {
      const events = await storeEvents(id);
      if (current?.id !== id) return;
      addEvents(events);
      timelineState.textContent = '';
    } catch (error) {
      if (current?.id === id) timelineState.textContent = `The timeline could not be loaded: ${error.message}`;
    }
  }

  return {
    open(store, cluster, from) {
      opener = from ?? document.activeElement;
      current = { id: store.id, seen: new Set(), events: [] };
      timeline.replaceChildren();
      renderSummary(store, cluster);
      if (!dialog.open) dialog.showModal();
      loadTimeline(store.id);
    },
    /** A newer view of a store: redraw if it is the one shown. */
    update(store, cluster) {
      if (current?.id === store.id) renderSummary(store, cluster);
    },
    /** An event from the stream: add it to the timeline if it belongs to the store shown. */
    event(event) {
      if (current?.id === event.storeId) addEvents([event]);
    },
  };
}
