// One store as a table row (the view for many stores): name (opens the details), domain,
// status, plan, current step, age. A row is updated in place; the focused name button stays
// focused because the button itself is kept.

import { OPERATING_STATUSES, STEP_NAMES, STORE_STATUS, duration, el, since } from './format.js';
import { operationStepLine } from './operationPanel.js';
import { clusterWaitBadge, failedStepOf, statusBadge } from './storeCard.js';

const stepName = (name) => STEP_NAMES[name] ?? name;

/** What the store is doing, in a few words: the running step and for how long, where it failed. */
export function currentStep(store) {
  const failed = failedStepOf(store);
  if (store.status === 'failed') {
    return failed
      ? el('span', { class: 'current-step', 'data-failed': 'true' },
        el('span', { 'aria-hidden': 'true' }, '✗ '), 'failed at ', el('strong', {}, stepName(failed)))
      : el('span', { class: 'current-step', 'data-failed': 'true' }, '✗ failed');
  }
  if (store.status === 'ready') {
    const total = store.readyAt ? Date.parse(store.readyAt) - Date.parse(store.createdAt) : null;
    return el('span', { class: 'current-step muted' }, total != null ? `all done in ${duration(total)}` : 'all done');
  }
  if (store.status === 'deleted') return el('span', { class: 'current-step muted' }, '—');
  if (OPERATING_STATUSES.includes(store.status) && store.operation) return operationStepLine(store);
  if (store.status === 'suspended') return el('span', { class: 'current-step muted' }, 'maintenance page up');
  const step = store.steps.find((s) => s.name === store.currentStep);
  if (!step) return el('span', { class: 'current-step muted' }, STORE_STATUS[store.status]?.label ?? store.status);
  const verb = store.status === 'compensating' || store.status === 'deleting' ? 'undoing ' : '';
  const parts = [el('span', { class: 'current-step-name' }, `${verb}${stepName(step.name)}`)];
  if (failed && !verb) parts.push(' (failed)');
  if (step.status === 'running' && step.startedAt) parts.push(' · ', since(step.startedAt, 'elapsed'));
  else if (step.status === 'failed' && step.nextAttemptAt) parts.push(' · retrying');
  if (step.attempts > 1) parts.push(` · attempt ${step.attempts}`);
  return el('span', { class: 'current-step', 'data-step': step.name, 'data-step-status': step.status }, parts);
}

/** The order canary's verdict when it is not good news (a healthy store shows nothing). */
export function healthBadge(store) {
  const state = store.health?.state;
  if (state !== 'degraded' && state !== 'failing') return '';
  const failures = store.health.consecutiveFailures;
  return el('span', {
    class: 'health-badge', 'data-health': state,
    title: `Order canary failed ${failures} time${failures === 1 ? '' : 's'} in a row${store.health.reason ? `: ${store.health.reason}` : ''}`,
  }, state === 'degraded' ? ' degraded' : ' canary failing');
}

export function createRow(store) {
  const name = el('button', { type: 'button', class: 'link-button row-name', 'data-action': 'details' });
  const row = el('tr', { 'data-store-id': store.id },
    el('th', { scope: 'row', class: 'col-name' }, name),
    el('td', { class: 'col-domain domain' }),
    el('td', { class: 'col-status' }),
    el('td', { class: 'col-plan' }),
    el('td', { class: 'col-step' }),
    el('td', { class: 'col-age' }));
  updateRow(row, store);
  return row;
}

/** Rewrites the cells of `row` for `store` (the row and its name button stay the same nodes). */
export function updateRow(row, store) {
  const [nameCell, domain, status, plan, step, ageCell] = row.cells;
  const button = nameCell.firstElementChild;
  button.replaceChildren(store.name, el('span', { class: 'visually-hidden' }, ' (details)'));
  domain.textContent = store.domain;
  status.replaceChildren(statusBadge(store.status),
    store.needsAttention ? el('span', { class: 'attention-mark', title: 'Needs attention' }, ' ⚠',
      el('span', { class: 'visually-hidden' }, ' needs attention')) : '',
    clusterWaitBadge(store) ?? '',
    healthBadge(store));
  plan.textContent = store.plan;
  step.replaceChildren(currentStep(store));
  ageCell.replaceChildren(since(store.createdAt, 'age'));
  row.dataset.status = store.status;
}
