// The fleet: the counts in the header (by status and health) and the rollouts panel (each
// rollout's waves and stores' progress, with pause, resume and abort for an admin). They are
// read from the REST API when the page (re)connects and when a rollout event arrives
// (debounced); a store's own events never make the page fetch (the list applies them), so
// the counts have a Refresh button of their own.

import { el } from './format.js';

async function getJSON(path, init = {}) {
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  const match = document.cookie.split('; ').find((part) => part.startsWith('urumi_csrf='));
  if (init.method && init.method !== 'GET' && match) headers['X-CSRF-Token'] = decodeURIComponent(match.slice(11));
  const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin', ...init, headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail ?? `HTTP ${response.status}`);
  return body;
}

const ROLLOUT_STATUS = {
  running: 'Running', paused: 'Paused', halting: 'Halting — rolling back', succeeded: 'Succeeded',
  halted: 'Halted', aborted: 'Aborted',
};

/** What a rollout changes, in a few words. */
function changeText(rollout) {
  if (rollout.action === 'delete') return `Delete ${rollout.stores.length} stores`;
  const change = rollout.change ?? {};
  const parts = Object.entries(change).map(([key, value]) =>
    `${key} → ${Array.isArray(value) ? value.map((p) => p.slug ?? p).join(', ') : value}`);
  return `${parts.join(', ') || 'no change'} on ${rollout.stores.length} stores`;
}

function rolloutItem(rollout, canChange, onControl) {
  const done = rollout.stores.filter((s) => s.phase !== 'pending' && s.phase !== 'running').length;
  const waves = el('ol', { class: 'rollout-waves', 'aria-label': 'Waves' },
    rollout.waves.map((wave) => el('li', { class: 'rollout-wave', 'data-status': wave.status },
      `Wave ${wave.index + 1}: ${wave.size} store${wave.size === 1 ? '' : 's'} · ${wave.status}`,
      wave.failed ? ` · ${wave.failed} failed` : '')));
  const buttons = [];
  if (canChange() && ['running', 'paused'].includes(rollout.status)) {
    if (rollout.paused) buttons.push(el('button', { type: 'button', 'data-control': 'resume' }, 'Resume'));
    else buttons.push(el('button', { type: 'button', 'data-control': 'pause' }, 'Pause'));
    if (!rollout.abortRequested) buttons.push(el('button', { type: 'button', 'data-control': 'abort', class: 'danger' }, 'Abort'));
  }
  for (const button of buttons) {
    button.addEventListener('click', () => onControl(rollout, button.dataset.control, button));
  }
  return el('li', { class: 'rollout', 'data-rollout-id': rollout.id, 'data-status': rollout.status },
    el('p', { class: 'rollout-head' },
      el('strong', {}, changeText(rollout)), ' ',
      el('span', { class: 'badge rollout-status', 'data-status': rollout.status }, ROLLOUT_STATUS[rollout.status] ?? rollout.status)),
    el('p', { class: 'rollout-meta' },
      `${done} of ${rollout.stores.length} stores done · ${rollout.failures} failed (limit ${rollout.maxFailures})`,
      ` · by ${rollout.requestedBy}`),
    waves,
    buttons.length ? el('p', { class: 'rollout-actions' }, buttons) : null);
}

/** The rollouts panel and the header counts. */
export function setupFleet({ panel, counts, canChange, announce, showError }) {
  const list = panel.querySelector('#rollout-list');
  const empty = panel.querySelector('#rollouts-empty');
  let timer = null;

  async function loadRollouts() {
    try {
      const body = await getJSON('rollouts');
      list.replaceChildren(...body.items.map((r) => rolloutItem(r, canChange, control)));
      empty.hidden = body.items.length > 0;
    } catch (error) {
      showError(`Rollouts cannot be read: ${error.message}`);
    }
  }

  async function loadCounts() {
    try {
      const body = await getJSON('stores/counts');
      const degraded = body.byHealth?.degraded ?? 0;
      const failing = body.byHealth?.failing ?? 0;
      const refresh = el('button', { type: 'button', class: 'link-button', 'data-action': 'refresh-counts' }, 'Refresh');
      refresh.addEventListener('click', loadCounts);
      counts.replaceChildren(
        el('span', { class: 'count', 'data-count': 'total' }, `${body.total} stores`),
        el('span', { class: 'count', 'data-count': 'ready' }, ` · ${body.byStatus?.ready ?? 0} ready`),
        el('span', { class: 'count health-count', 'data-count': 'degraded', 'data-health': degraded ? 'degraded' : 'ok' },
          ` · ${degraded} degraded`),
        failing ? el('span', { class: 'count', 'data-count': 'failing' }, ` · ${failing} failing`) : '',
        ' ', refresh);
      counts.hidden = false;
    } catch {
      counts.hidden = true;
    }
  }

  async function control(rollout, action, button) {
    button.disabled = true;
    try {
      await getJSON(`rollouts/${rollout.id}/${action}`, { method: 'POST' });
      announce(`Rollout ${action === 'abort' ? 'aborting' : action === 'pause' ? 'paused' : 'resumed'}.`);
    } catch (error) {
      showError(`Could not ${action} the rollout: ${error.message}`);
    }
    await loadRollouts();
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      loadRollouts();
      loadCounts();
    }, 300);
  }

  return {
    load() {
      loadRollouts();
      loadCounts();
    },
    /** Every event of the stream: a rollout's events move the panel and the counts. */
    event(event) {
      if (event.type.startsWith('rollout.')) refreshSoon();
    },
  };
}
