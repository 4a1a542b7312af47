// One store in the list: an <li> that stays put while its content is redrawn on each
// update (the focused button is focused again). Buttons carry `data-action`; app.js listens.

import { STEP_NAMES, STEP_STATUS, STORE_STATUS, duration, el, time } from './format.js';

/** The status badge: a symbol and a word, coloured by CSS from `data-status`. */
export function statusBadge(status) {
  const info = STORE_STATUS[status] ?? { label: status, symbol: '?' };
  return el('span', { class: 'badge', 'data-status': status },
    el('span', { class: 'symbol', 'aria-hidden': 'true' }, info.symbol), ` ${info.label}`);
}

/** The per-step list: name, status word, attempts, duration or next retry. */
export function stepList(steps) {
  return el('ol', { class: 'steps', 'aria-label': 'Provisioning steps' }, steps.map(stepItem));
}

function stepItem(step) {
  const info = STEP_STATUS[step.status] ?? { label: step.status, symbol: '?' };
  const meta = [];
  if (step.attempts > 1 || step.status === 'failed') meta.push(`attempt ${step.attempts}`);
  if (step.durationMs != null && step.status === 'succeeded') meta.push(duration(step.durationMs));
  if (step.nextAttemptAt && (step.status === 'running' || step.status === 'failed')) {
    meta.push(`retry ${time(step.nextAttemptAt)}`);
  }
  return el('li', { class: 'step', 'data-step': step.name, 'data-status': step.status, title: step.lastError ?? false },
    el('span', { class: 'step-symbol', 'aria-hidden': 'true' }, info.symbol),
    el('span', { class: 'step-name' }, STEP_NAMES[step.name] ?? step.name),
    el('span', { class: 'step-status' }, info.label),
    meta.length ? el('span', { class: 'step-meta' }, meta.join(' · ')) : null);
}

/** A button whose accessible name says which store it acts on ("Delete My Shop"). */
function actionButton(action, label, hiddenLabel, extraClass) {
  return el('button', { type: 'button', class: extraClass ?? false, 'data-action': action },
    label, el('span', { class: 'visually-hidden' }, ` ${hiddenLabel}`));
}

export function createCard(store) {
  const card = el('li', { class: 'store', 'data-store-id': store.id });
  updateCard(card, store);
  return card;
}

/** Rewrites the card's content for `store`, keeping the focused button if there was one. */
export function updateCard(card, store) {
  const focused = card.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  const headingId = `store-${store.id}-name`;
  const canDelete = store.status !== 'deleting' && store.status !== 'deleted';
  const actions = el('div', { class: 'store-actions' },
    actionButton('details', 'Details', `of ${store.name}`),
    store.status === 'failed' ? actionButton('retry', 'Retry', store.name, 'primary') : null,
    canDelete ? actionButton('delete', 'Delete', store.name, 'danger') : null);
  const article = el('article', { 'aria-labelledby': headingId },
    el('div', { class: 'store-head' },
      el('h3', { id: headingId, class: 'store-name' }, store.name),
      statusBadge(store.status)),
    el('p', { class: 'store-meta' },
      el('span', { class: 'domain' }, store.domain), ` · ${store.plan} plan · created ${time(store.createdAt)}`),
    stepList(store.steps),
    store.status === 'failed' && store.lastError ? el('p', { class: 'store-error' }, `Error: ${store.lastError}`) : null,
    store.needsAttention
      ? el('p', { class: 'store-attention' }, `⚠ Needs attention — left in the cluster: ${store.leftovers.join(', ') || 'unknown'}`)
      : null,
    actions);
  card.dataset.status = store.status;
  card.replaceChildren(article);
  if (focused) {
    const again = card.querySelector(`[data-action="${focused}"]`) ?? card.querySelector('[data-action="details"]');
    again.focus();
  }
}
