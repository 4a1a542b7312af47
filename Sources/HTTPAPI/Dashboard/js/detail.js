// The store detail dialog: what the store can do next (retry, delete, its admin login), URLs,
// steps, errors, leftovers and the event timeline (GET /stores/{id}/events, then extended live
// from the page's stream).

import { storeCredentials, storeEvents } from './api.js';
import { STEP_NAMES, dateTime, duration, el, eventSummary, eventTitle, time } from './format.js';
import { actionButton, changeButtons, link, statusBadge, stepList } from './storeCard.js';

export function setupDetail(dialog, { onAction, canChange, canReadCredentials }) {
  const title = dialog.querySelector('#detail-title');
  const body = dialog.querySelector('#detail-body');
  const actions = dialog.querySelector('#detail-actions');
  const credentials = dialog.querySelector('#detail-credentials');
  const summary = el('div', { class: 'detail-summary' });
  const timeline = el('ol', { class: 'timeline', 'aria-label': 'Event timeline' });
  const timelineState = el('p', { class: 'muted' });
  body.replaceChildren(summary, el('h3', {}, 'Timeline'), timelineState, timeline);

  let current = null; // { id, store, cluster, seen: Set of event ids, events: [] }
  let opener = null;

  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    current = null;
    credentials.replaceChildren(); // the password leaves the page with the dialog
    if (opener?.isConnected) opener.focus();
  });

  actions.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || !current) return;
    if (button.dataset.action === 'credentials') showCredentials(button);
    else onAction(button.dataset.action, current.store, button);
  });

  function renderActions(store) {
    const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const buttons = [
      canReadCredentials() && store.status === 'ready'
        ? actionButton('credentials', 'Show admin login', `of ${store.name}`)
        : null,
      ...changeButtons(store, canChange()),
    ].filter(Boolean);
    actions.replaceChildren(...buttons);
    actions.hidden = buttons.length === 0;
    if (focused) (actions.querySelector(`[data-action="${focused}"]`) ?? dialog.querySelector('[data-close]')).focus();
    if (store.status !== 'ready') credentials.replaceChildren();
  }

  async function showCredentials(button) {
    const id = current.id;
    button.disabled = true;
    credentials.replaceChildren(el('p', { class: 'muted' }, 'Reading the admin login…'));
    try {
      const login = await storeCredentials(id);
      if (current?.id !== id) return;
      const hide = el('button', { type: 'button', class: 'link-button' }, 'Hide the admin login');
      hide.addEventListener('click', () => {
        credentials.replaceChildren();
        actions.querySelector('[data-action="credentials"]')?.focus();
      });
      credentials.replaceChildren(
        el('h3', {}, 'WordPress admin login'),
        el('dl', { class: 'facts', 'data-testid': 'credentials' },
          fact('User', el('code', {}, login.username)), fact('Password', el('code', {}, login.password))),
        el('p', { class: 'muted' }, 'Reading it was recorded in the store’s timeline. ', hide));
    } catch (error) {
      if (current?.id === id) credentials.replaceChildren(el('p', { class: 'store-error', role: 'alert' }, `The admin login could not be read: ${error.message}`));
    } finally {
      button.disabled = false;
    }
  }

  function renderSummary(store, cluster) {
    title.textContent = store.name;
    const failedSteps = store.steps.filter((s) => s.lastError && (s.status === 'failed' || store.status === 'failed'));
    const total = store.readyAt ? Date.parse(store.readyAt) - Date.parse(store.createdAt) : null;
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
        total != null ? fact('Provisioning took', duration(total)) : null,
        store.failedStep ? fact('Failed at', STEP_NAMES[store.failedStep] ?? store.failedStep) : null,
        fact('Store id', store.id)),
      el('h3', {}, 'Steps'),
      stepList(store),
    ];
    summary.replaceChildren(...parts.filter(Boolean));
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

  function render(store, cluster) {
    current.store = store;
    renderActions(store);
    renderSummary(store, cluster);
  }

  return {
    open(store, cluster, from) {
      opener = from ?? document.activeElement;
      current = { id: store.id, store, seen: new Set(), events: [] };
      timeline.replaceChildren();
      credentials.replaceChildren();
      render(store, cluster);
      if (!dialog.open) dialog.showModal();
      loadTimeline(store.id);
    },
    /** The id of the store shown, or null. */
    get id() {
      return current?.id ?? null;
    },
    /** A newer view of a store: redraw if it is the one shown. */
    update(store, cluster) {
      if (current?.id === store.id) render(store, cluster);
    },
    /** An event from the stream: add it to the timeline if it belongs to the store shown. */
    event(event) {
      if (current?.id === event.storeId) addEvents([event]);
    },
  };
}
