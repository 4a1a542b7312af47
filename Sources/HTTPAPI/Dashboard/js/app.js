// The dashboard: the store list kept live by one EventSource, the create form, the
// detail and delete dialogs. State is a map of store views; the newest version wins.

import { deleteStore, listStores, retryStore, session, signIn, signOut, whenUnauthorized } from './api.js';
import { setupConfirm } from './confirm.js';
import { setupDetail } from './detail.js';
import { setupCreateForm } from './form.js';
import { STORE_STATUS } from './format.js';
import { createRefresher } from './refresher.js';
import { openStream } from './stream.js';
import { createCard, updateCard } from './storeCard.js';

const $ = (selector) => document.querySelector(selector);
const list = $('#store-list');
const showDeleted = $('#show-deleted');
const stores = new Map(); // id -> StoreView
const cards = new Map(); // id -> <li>
let cluster = null;

const detail = setupDetail($('#detail'));
const confirmDelete = setupConfirm($('#confirm-delete'));
const refresh = createRefresher({ onStore: apply, onError: (error) => console.warn('refresh failed', error) });

function announce(message) {
  const region = $('#announcer');
  region.textContent = '';
  // A fresh text node after a tick, so the same sentence twice is read twice.
  setTimeout(() => { region.textContent = message; }, 50);
}

let errorTimer = null;
function showPageError(message) {
  const box = $('#page-error');
  box.textContent = message;
  box.hidden = !message;
  clearTimeout(errorTimer);
  if (message) errorTimer = setTimeout(() => showPageError(''), 15_000);
}

function setCluster(info) {
  if (!info) return;
  cluster = info;
  const banner = $('#sim-banner');
  banner.hidden = !info.simulated;
}

function setConnection(state) {
  const box = $('#connection');
  box.dataset.state = state;
  box.querySelector('.connection-text').textContent = state === 'live' ? 'Live' : 'Reconnecting…';
}

/** Shows a store view unless we already show a newer version of it. */
function apply(view) {
  if (view.cluster) setCluster(view.cluster);
  const previous = stores.get(view.id);
  if (previous && previous.version > view.version) return;
  stores.set(view.id, view);
  let card = cards.get(view.id);
  if (card) {
    updateCard(card, view);
  } else {
    card = createCard(view);
    cards.set(view.id, card);
    insertInOrder(card, view);
  }
  card.hidden = view.status === 'deleted' && !showDeleted.checked;
  detail.update(view, cluster);
  if (previous && previous.status !== view.status) announceStatus(view);
  updateCount();
}

/** Newest first. */
function insertInOrder(card, view) {
  const next = [...list.children].find((other) => stores.get(other.dataset.storeId)?.createdAt < view.createdAt);
  list.insertBefore(card, next ?? null);
}

function announceStatus(view) {
  const word = STORE_STATUS[view.status]?.label ?? view.status;
  const extra = view.status === 'failed' && view.lastError ? `: ${view.lastError}` : '';
  announce(`Store ${view.name} is now ${word.toLowerCase()}${extra}.`);
}

function updateCount() {
  const visible = [...cards.values()].filter((card) => !card.hidden).length;
  const hidden = cards.size - visible;
  $('#store-count').textContent = `(${visible})`;
  const empty = $('#empty');
  empty.hidden = visible > 0;
  empty.textContent = hidden
    ? `No stores to show; ${hidden} deleted ${hidden === 1 ? 'store is' : 'stores are'} hidden.`
    : 'No stores yet. Create one with the form.';
}

async function loadList() {
  try {
    const page = await listStores();
    setCluster(page.cluster);
    for (const view of page.items) apply(view);
    showPageError('');
  } catch (error) {
    showPageError(`The store list could not be loaded: ${error.message}`);
  }
}

async function runAction(action, view, button) {
  if (action === 'details') {
    detail.open(stores.get(view.id), cluster, button);
    return;
  }
  if (action === 'delete' && !(await confirmDelete(view))) {
    button.focus();
    return;
  }
  try {
    const answer = action === 'delete' ? await deleteStore(view.id) : await retryStore(view.id);
    apply(answer.store);
    refresh(view.id, answer.position);
    announce(action === 'delete' ? `Deleting store ${view.name}.` : `Retrying store ${view.name}.`);
  } catch (error) {
    showPageError(`${action === 'delete' ? 'Delete' : 'Retry'} of ${view.name} failed: ${error.message}`);
  }
}

list.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const view = stores.get(button.closest('[data-store-id]').dataset.storeId);
  if (view) runAction(button.dataset.action, view, button);
});

showDeleted.addEventListener('change', () => {
  for (const [id, card] of cards) card.hidden = stores.get(id).status === 'deleted' && !showDeleted.checked;
  updateCount();
});

let started = false;

/** The store list, the form and the live stream: once signed in (or with auth off). */
function start(who) {
  $('#signin').hidden = true;
  $('#main').hidden = false;
  $('#auth-banner').hidden = who.auth !== 'none';
  $('#who').hidden = who.auth === 'none';
  $('#who-text').textContent = who.name ? `Signed in as ${who.name} (${who.role})` : '';
  // A viewer reads; only an admin creates, deletes and retries.
  $('#create-form').closest('section').hidden = who.role === 'viewer';
  if (started) return;
  started = true;
  setupCreateForm($('#create-form'), {
    announce,
    onCreated(answer) {
      apply({ ...answer.store, cluster: answer.cluster });
      refresh(answer.id, answer.position);
    },
  });
  openStream({
    onState: setConnection,
    onEvent(event) {
      if (!event.storeId) return;
      detail.event(event);
      refresh(event.storeId, event.id);
    },
    // First open and every reconnect (a server restart): reload the list once so nothing is
    // stale; the stream itself resumes from Last-Event-ID.
    onOpen: loadList,
  });
  updateCount();
}

function showSignIn() {
  $('#main').hidden = true;
  $('#who').hidden = true;
  $('#signin').hidden = false;
  $('#f-token').focus();
}

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#f-token');
  const error = $('#f-token-error');
  error.textContent = '';
  input.removeAttribute('aria-invalid');
  try {
    const who = await signIn(input.value.trim());
    input.value = '';
    if (started) location.reload();
    else start(who);
  } catch (failure) {
    input.setAttribute('aria-invalid', 'true');
    error.textContent = failure.status === 429
      ? 'Too many failed sign-ins from here; wait a few minutes.'
      : 'That token is not valid (or was revoked).';
  }
});

$('#sign-out').addEventListener('click', async () => {
  try { await signOut(); } finally { location.reload(); }
});

whenUnauthorized(showSignIn);

try {
  const who = await session();
  if (who.auth === 'tokens' && !who.name) showSignIn();
  else start(who);
} catch (error) {
  $('#main').hidden = false;
  showPageError(`Urumi cannot be reached: ${error.message}`);
}
