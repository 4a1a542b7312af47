// The store detail dialog: what the store can do next (retry, delete, suspend, resume, its
// admin login), URLs, the config it runs, the day-two operation under way (live from the
// stream) and the finished ones, the change form and the domains (admins), the backups
// (backupList.js), provisioning steps, errors, leftovers and the event timeline (GET
// /stores/{id}/events, then extended live from the page's stream). Choosing an event of the
// timeline shows the store as it was just after it (GET /stores/{id}?version=N) until "Back to
// now".

import {
  ApiError, newIdempotencyKey, resumeStore, storeAtVersion, storeCredentials, storeEvents, suspendStore,
} from './api.js';
import { createBackupList } from './backupList.js';
import { createChangeForm } from './changeForm.js';
import { createDomainList } from './domainList.js';
import { driftNotice } from './driftNotice.js';
import { STEP_NAMES, dateTime, duration, el, eventSummary, eventTitle, time } from './format.js';
import { operationHistory, operationProgress, rollbackAttention } from './operationPanel.js';
import { operationRunningMessage, pluginText } from './operationWords.js';
import {
  actionButton, changeButtons, clusterWaitAttention, link, statusBadge, stepList,
} from './storeCard.js';

/** A store whose release is installed: ready, or changing, or suspended (its data kept). */
const serving = (store) => ['ready', 'updating', 'suspended', 'backing-up', 'restoring'].includes(store.status);

export function setupDetail(dialog, { onAction, onChanged, onCreated, confirm, announce, canChange, canReadCredentials }) {
  const title = dialog.querySelector('#detail-title');
  const body = dialog.querySelector('#detail-body');
  const actions = dialog.querySelector('#detail-actions');
  const alert = dialog.querySelector('#detail-alert');
  const credentials = dialog.querySelector('#detail-credentials');
  const summary = el('div', { class: 'detail-summary' });
  const pastBanner = el('div', { class: 'notice notice-past', 'data-testid': 'as-of', role: 'status', hidden: true });
  const progress = el('div', { class: 'detail-progress', 'aria-live': 'off' });
  const manage = el('div', { class: 'detail-manage' });
  const backupSlot = el('div', { class: 'detail-backups' });
  const history = el('section', { class: 'detail-section', 'aria-labelledby': 'history-heading' });
  const provisioning = el('section', { class: 'detail-section', 'aria-labelledby': 'provisioning-heading' });
  const timeline = el('ol', { class: 'timeline', 'aria-label': 'Event timeline' });
  const timelineState = el('p', { class: 'muted' });
  body.replaceChildren(
    pastBanner, summary, progress, manage, backupSlot, history, provisioning, el('h3', {}, 'Timeline'), timelineState,
    timeline);

  // { id, store, cluster, seen: Set of event ids, events: [], parts: [change form, domains], backups,
  //   past: { version, store } while an event of the timeline is chosen }
  let current = null;
  let opener = null;

  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    current = null;
    credentials.replaceChildren(); // the password leaves the page with the dialog
    manage.replaceChildren(); // the forms are built for the next store opened
    backupSlot.replaceChildren();
    alert.textContent = '';
    if (opener?.isConnected) opener.focus();
  });

  actions.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || !current) return;
    const action = button.dataset.action;
    if (action === 'credentials') showCredentials(button);
    else if (action === 'suspend' || action === 'resume') suspendOrResume(action, button);
    else onAction(action, current.store, button);
  });

  /** Suspend (after asking: the shop goes offline) or resume; the answer's store is shown. */
  async function suspendOrResume(action, button) {
    const store = current.store;
    alert.textContent = '';
    if (action === 'suspend') {
      const sure = await confirm({
        heading: `Suspend ${store.name}?`,
        body: `${store.domain} will show a maintenance page until the store is resumed. WordPress and MySQL are scaled `
          + 'to zero; their data is kept.',
        confirmLabel: 'Suspend store',
      });
      if (!sure || current?.id !== store.id) {
        if (button.isConnected) button.focus();
        return;
      }
    }
    button.disabled = true;
    try {
      const answer = await (action === 'suspend' ? suspendStore : resumeStore)(store.id, newIdempotencyKey());
      onChanged(answer);
      announce(`${action === 'suspend' ? 'Suspending' : 'Resuming'} store ${store.name}.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (current?.id !== store.id) return;
      alert.textContent = error.operationRunning
        ? operationRunningMessage(error)
        : `${action === 'suspend' ? 'Suspend' : 'Resume'} refused: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  function renderActions(store) {
    const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const buttons = [
      canReadCredentials() && serving(store)
        ? actionButton('credentials', 'Show admin login', `of ${store.name}`)
        : null,
      canChange() && store.status === 'ready' ? actionButton('suspend', 'Suspend', store.name) : null,
      canChange() && store.status === 'suspended' ? actionButton('resume', 'Resume', store.name, 'primary') : null,
      ...changeButtons(store, canChange()),
    ].filter(Boolean);
    actions.replaceChildren(...buttons);
    actions.hidden = buttons.length === 0;
    if (focused) (actions.querySelector(`[data-action="${focused}"]`) ?? dialog.querySelector('[data-close]')).focus();
    if (!serving(store)) credentials.replaceChildren();
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
    const config = store.applied ?? store.desired ?? null;
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
        ? el('p', { class: 'store-attention', 'data-testid': 'attention' }, rollbackAttention(store) ?? clusterWaitAttention(store)
          ?? `⚠ Needs attention: clean-up did not finish. Left in the cluster: ${store.leftovers.join(', ') || 'unknown'}.`)
        : null,
      driftNotice(store),
      el('dl', { class: 'facts' },
        fact('Domain', store.domain), fact('Plan', store.plan, 'fact-plan'),
        config ? fact('WordPress', config.wordpressVersion ?? 'chart default', 'fact-wordpress') : null,
        config ? fact('WooCommerce', config.woocommerceVersion ?? 'chart default', 'fact-woocommerce') : null,
        config ? fact('Plugins', config.plugins?.length ? config.plugins.map(pluginText).join(', ') : 'none', 'fact-plugins') : null,
        store.helmRevision != null ? fact('Release revision', String(store.helmRevision)) : null,
        fact('Admin e-mail', store.adminEmail),
        fact('Created', dateTime(store.createdAt)), store.readyAt ? fact('Ready', dateTime(store.readyAt)) : null,
        total != null ? fact('Provisioning took', duration(total)) : null,
        store.failedStep ? fact('Failed at', STEP_NAMES[store.failedStep] ?? store.failedStep) : null,
        fact('Store id', store.id)),
    ];
    summary.replaceChildren(...parts.filter(Boolean));
    progress.replaceChildren(operationProgress(store) ?? '');
    history.replaceChildren(el('h3', { id: 'history-heading' }, 'Operation history'), operationHistory(store));
    provisioning.replaceChildren(el('h3', { id: 'provisioning-heading' }, 'Provisioning steps'), stepList(store));
  }

  function fact(term, value, testId) {
    return [el('dt', {}, term), el('dd', { 'data-testid': testId ?? false }, value)];
  }

  /** Shows the store as it was just after the event at `version` (or now, for null). */
  async function showAsOf(version) {
    if (!current) return;
    const id = current.id;
    if (version === null) {
      current.past = null;
      pastBanner.hidden = true;
      pastBanner.replaceChildren();
      renderSummary(current.store, current.cluster);
      markChosen();
      return;
    }
    const event = current.events.find((e) => e.version === version);
    pastBanner.hidden = false;
    pastBanner.replaceChildren(el('span', {}, `Loading the store as of version ${version}…`));
    try {
      const past = await storeAtVersion(id, version);
      if (current?.id !== id) return;
      current.past = { version, store: past };
      const back = el('button', { type: 'button', class: 'link-button', 'data-testid': 'back-to-now' }, 'Back to now');
      back.addEventListener('click', () => showAsOf(null));
      pastBanner.replaceChildren(
        el('strong', {}, `As of version ${version}`),
        ` — just after “${eventTitle(event?.type ?? '')}” at ${dateTime(past.asOfEvent ?? event?.recordedAt)}. `,
        back);
      renderSummary(past, current.cluster);
      markChosen();
    } catch (error) {
      if (current?.id === id) pastBanner.replaceChildren(el('span', { class: 'store-error' }, `The store as of version ${version} could not be read: ${error.message}`));
    }
  }

  /** Marks the chosen event; touches only what changes (the timeline is redrawn per event). */
  function markChosen() {
    for (const item of timeline.querySelectorAll('button[data-version]')) {
      const chosen = current?.past?.version === Number(item.dataset.version);
      if ((item.getAttribute('aria-pressed') === 'true') === chosen) continue;
      item.setAttribute('aria-pressed', chosen ? 'true' : 'false');
      item.closest('li').classList.toggle('chosen', chosen);
    }
  }

  timeline.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-version]');
    if (!button || !current) return;
    const version = Number(button.dataset.version);
    showAsOf(current.past?.version === version ? null : version);
  });

  function addEvents(events) {
    if (!current) return;
    for (const event of events) {
      if (current.seen.has(event.id)) continue;
      current.seen.add(event.id);
      current.events.push(event);
    }
    current.events.sort((a, b) => a.version - b.version);
    timeline.replaceChildren(...current.events.map(eventItem));
    markChosen();
  }

  function eventItem(event) {
    const detail = eventSummary(event);
    return el('li', { 'data-type': event.type, 'data-version': String(event.version) },
      el('time', { datetime: event.recordedAt }, time(event.recordedAt)),
      el('button', {
        type: 'button', class: 'link-button event-title', 'data-version': String(event.version), 'aria-pressed': 'false',
        title: `Show the store as of this event (version ${event.version})`,
      }, eventTitle(event.type)),
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

  /** The change form and the domains: built once per opened store, then updated in place. */
  function buildManage(store) {
    const operable = serving(store) && (store.applied ?? store.desired);
    if (!operable) {
      manage.replaceChildren();
      return [];
    }
    const changed = (answer) => {
      alert.textContent = '';
      onChanged(answer);
    };
    const parts = [
      canChange() ? createChangeForm({ onChanged: changed, announce }) : null,
      createDomainList({ canChange, onChanged: changed, announce }),
    ].filter(Boolean);
    manage.replaceChildren(...parts.map((part) => part.element));
    return parts;
  }

  function render(store, cluster) {
    current.store = store;
    current.cluster = cluster;
    renderActions(store);
    // While an event of the timeline is chosen, the summary shows the past; the rest is live.
    if (!current.past) renderSummary(store, cluster);
    // A store that became ready (or was deleted) while shown gets (or loses) its forms.
    const operable = serving(store);
    if (operable !== current.operable) {
      current.parts = buildManage(store);
      current.operable = operable;
    }
    for (const part of current.parts) part.update(store);
    current.backups.update(store);
  }

  return {
    open(store, cluster, from) {
      opener = from ?? document.activeElement;
      const backups = createBackupList({
        canChange,
        onChanged: (answer) => {
          alert.textContent = '';
          onChanged(answer);
        },
        onCreated,
        confirm,
        announce,
      });
      backupSlot.replaceChildren(backups.element);
      current = { id: store.id, store, cluster, seen: new Set(), events: [], parts: [], operable: null, backups, past: null };
      timeline.replaceChildren();
      pastBanner.hidden = true;
      pastBanner.replaceChildren();
      credentials.replaceChildren();
      alert.textContent = '';
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
