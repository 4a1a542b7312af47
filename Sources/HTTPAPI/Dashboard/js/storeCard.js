// One store as a card (the view for a few stores): an <li> that stays put while its content is
// redrawn on each update (the focused button is focused again). Buttons carry `data-action`;
// the list listens. Shared pieces (badge, steps, timing, links) are used by the table and the
// detail view too.

import { OPERATING_STATUSES, STEP_NAMES, STEP_STATUS, STORE_STATUS, dateTime, duration, el, since, time } from './format.js';
import { operationProgress, rollbackAttention } from './operationPanel.js';

/** The status badge: a symbol and a word, coloured by CSS from `data-status`. */
export function statusBadge(status) {
  const info = STORE_STATUS[status] ?? { label: status, symbol: '?' };
  return el('span', { class: 'badge', 'data-status': status },
    el('span', { class: 'symbol', 'aria-hidden': 'true' }, info.symbol), ` ${info.label}`);
}

/** The "waiting for the cluster" badge of a store whose step cannot reach the cluster, or null. */
export function clusterWaitBadge(store) {
  const wait = store.waitingForCluster;
  if (!wait) return null;
  return el('span', {
    class: 'cluster-wait', 'data-testid': 'waiting-for-cluster', 'data-overdue': wait.overdue ? 'true' : 'false',
    title: `The cluster's API server has not answered since ${dateTime(wait.since)}; the step retries until it does (nothing is undone meanwhile).`,
  }, el('span', { 'aria-hidden': 'true' }, ' ⟳'), ' waiting for the cluster');
}

/** The attention line of a store that has waited for the cluster past its step's deadline, or null. */
export function clusterWaitAttention(store) {
  const wait = store.waitingForCluster;
  if (!wait?.overdue) return null;
  return `⚠ Needs attention: the cluster has been unreachable since ${dateTime(wait.since)}, longer than the step may take. `
    + 'The store keeps waiting for it and nothing is undone; check the cluster, or delete the store.';
}

/** The per-step list: name, status word, attempts, elapsed time, duration or next retry. */
export function stepList(store) {
  return el('ol', { class: 'steps', 'aria-label': 'Provisioning steps' }, store.steps.map((step) => stepItem(step, store)));
}

/** The step a failed (or failing) store failed at, or null. */
export function failedStepOf(store) {
  return store.status === 'failed' || store.status === 'compensating' ? store.failedStep ?? null : null;
}

function stepItem(step, store) {
  const info = STEP_STATUS[step.status] ?? { label: step.status, symbol: '?' };
  // The step that failed for good is marked as such even once compensation undid it.
  const failedHere = failedStepOf(store) === step.name;
  const label = failedHere && step.status !== 'failed' ? `failed · ${info.label}` : info.label;
  const meta = [];
  if (step.attempts > 1 || step.status === 'failed' || failedHere) meta.push(`attempt ${step.attempts}`);
  if (step.status === 'running' && step.startedAt) meta.push(since(step.startedAt, 'elapsed'));
  if (step.durationMs != null && step.status === 'succeeded') meta.push(duration(step.durationMs));
  if (step.nextAttemptAt && (step.status === 'running' || step.status === 'failed')) {
    meta.push(`retry ${time(step.nextAttemptAt)}`);
  }
  return el('li', {
    class: 'step', 'data-step': step.name, 'data-status': failedHere ? 'failed' : step.status,
    'data-failed': failedHere ? 'true' : false, title: step.lastError ?? false,
  },
  el('span', { class: 'step-symbol', 'aria-hidden': 'true' }, failedHere ? '✗' : info.symbol),
  el('span', { class: 'step-name' }, STEP_NAMES[step.name] ?? step.name),
  el('span', { class: 'step-status' }, label),
  meta.length ? el('span', { class: 'step-meta' }, interleave(meta, ' · ')) : null);
}

function interleave(parts, separator) {
  return parts.flatMap((part, index) => (index ? [separator, part] : [part]));
}

/** When it was asked for, and how long provisioning took (or has taken so far). */
export function timing(store) {
  const created = el('time', { datetime: store.createdAt }, dateTime(store.createdAt));
  const parts = [el('span', {}, 'Created ', created)];
  if (store.status === 'ready' && store.readyAt) {
    const total = Date.parse(store.readyAt) - Date.parse(store.createdAt);
    parts.push(el('span', { class: 'total', 'data-testid': 'total-time' }, `provisioned in ${duration(total)}`));
  } else if (store.status === 'provisioning') {
    parts.push(el('span', { class: 'total' }, 'provisioning for ', since(store.createdAt, 'elapsed')));
  } else if (store.status === 'failed' && store.updatedAt) {
    parts.push(el('span', {}, 'failed ', el('time', { datetime: store.updatedAt }, dateTime(store.updatedAt))));
  } else if (OPERATING_STATUSES.includes(store.status) && store.operation) {
    const doing = STORE_STATUS[store.status].label.toLowerCase();
    parts.push(el('span', { class: 'total' }, `${doing} for `, since(store.operation.requestedAt, 'elapsed')));
  } else if (store.status === 'suspended' && store.updatedAt) {
    parts.push(el('span', {}, 'suspended ', el('time', { datetime: store.updatedAt }, dateTime(store.updatedAt))));
  }
  return el('p', { class: 'store-timing' }, interleave(parts, ' · '));
}

/** A link for http(s) URLs only; anything else is shown as text. */
export function link(url) {
  if (!/^https?:\/\//i.test(url ?? '')) return url ?? '';
  return el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url);
}

/** A button whose accessible name says which store it acts on ("Delete My Shop"). */
export function actionButton(action, label, hiddenLabel, extraClass) {
  return el('button', { type: 'button', class: extraClass ?? false, 'data-action': action },
    label, el('span', { class: 'visually-hidden' }, ` ${hiddenLabel}`));
}

/** Retry and delete, as far as the store's state and the user's role allow. */
export function changeButtons(store, canChange) {
  if (!canChange) return [];
  const canDelete = store.status !== 'deleting' && store.status !== 'deleted';
  return [
    store.status === 'failed' ? actionButton('retry', 'Retry', store.name, 'primary') : null,
    canDelete ? actionButton('delete', 'Delete', store.name, 'danger') : null,
  ];
}

export function createCard(store, canChange) {
  const card = el('li', { class: 'store', 'data-store-id': store.id });
  updateCard(card, store, canChange);
  return card;
}

/** Rewrites the card's content for `store`, keeping the focused button if there was one. */
export function updateCard(card, store, canChange) {
  const focused = card.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  const headingId = `store-${store.id}-name`;
  const actions = el('div', { class: 'store-actions' },
    actionButton('details', 'Details', `of ${store.name}`), changeButtons(store, canChange));
  const article = el('article', { 'aria-labelledby': headingId },
    el('div', { class: 'store-head' },
      el('h3', { id: headingId, class: 'store-name' }, store.name),
      statusBadge(store.status), clusterWaitBadge(store)),
    el('p', { class: 'store-meta' }, el('span', { class: 'domain' }, store.domain), ` · ${store.plan} plan`),
    timing(store),
    store.urls ? el('p', { class: 'store-url' }, 'Shop: ', link(store.urls.shop)) : null,
    stepList(store),
    operationProgress(store, { compact: true }),
    store.status === 'failed' && store.lastError ? el('p', { class: 'store-error' }, `Error: ${store.lastError}`) : null,
    store.needsAttention
      ? el('p', { class: 'store-attention' }, rollbackAttention(store) ?? clusterWaitAttention(store)
        ?? `⚠ Needs attention — left in the cluster: ${store.leftovers.join(', ') || 'unknown'}`)
      : null,
    actions);
  card.dataset.status = store.status;
  card.replaceChildren(article);
  if (focused) {
    const again = card.querySelector(`[data-action="${focused}"]`) ?? card.querySelector('[data-action="details"]');
    again.focus();
  }
}
