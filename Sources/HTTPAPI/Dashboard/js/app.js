// The dashboard: the store list (a page at a time, kept live by one EventSource), the create
// form, the detail view (with its day-two operations) and the confirmation dialog.
// storeList.js owns the list; this wires it up.

import { deleteStore, retryStore, session, signIn, signOut, whenUnauthorized } from './api.js';
import { setupConfirm } from './confirm.js';
import { setupDetail } from './detail.js';
import { setupFleet } from './fleet.js';
import { setupCreateForm } from './form.js';
import { setupStoreList } from './storeList.js';
import { openStream } from './stream.js';
import { startTicker } from './ticker.js';

const $ = (selector) => document.querySelector(selector);
let cluster = null;
let role = 'viewer';

const canChange = () => role === 'admin';

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
  $('#sim-banner').hidden = !info.simulated;
}

function setConnection(state) {
  const box = $('#connection');
  box.dataset.state = state;
  box.querySelector('.connection-text').textContent = state === 'live' ? 'Live' : 'Reconnecting…';
}

const confirm = setupConfirm($('#confirm-delete'));
const detail = setupDetail($('#detail'), {
  onAction: runAction,
  // An operation's answer: its store now (the stream then moves the operation's steps).
  onChanged(answer) {
    setCluster(answer.cluster);
    list.show(answer.store);
  },
  // A clone made from a backup: a new store in the list (like one from the form).
  onCreated(answer) {
    setCluster(answer.cluster);
    list.created(answer.store);
  },
  confirm,
  announce,
  canChange,
  canReadCredentials: canChange,
});
const list = setupStoreList({
  canChange,
  onAction: runAction,
  onCluster: setCluster,
  onStoreShown: (view) => detail.update(view, cluster),
  announce,
  showError: showPageError,
  detailId: () => detail.id,
});

const fleet = setupFleet({
  panel: $('#rollouts-panel'), counts: $('#fleet-counts'), canChange, announce, showError: showPageError,
});

function openDetail(view, from) {
  detail.open(list.track(view), cluster, from);
}

async function runAction(action, view, button) {
  if (action === 'details') {
    openDetail(list.view(view.id) ?? view, button);
    return;
  }
  const choice = action === 'delete' ? await confirmDelete(view) : true;
  if (!choice) {
    button.focus();
    return;
  }
  try {
    const answer = action === 'delete'
      ? await deleteStore(view.id, { finalBackup: choice.option ?? true })
      : await retryStore(view.id);
    list.show(answer.store);
    list.refresh(view.id, answer.position);
    announce(action !== 'delete' ? `Retrying store ${view.name}.`
      : answer.status === 'backing-up' ? `Taking a final backup of ${view.name}, then deleting it.`
        : `Deleting store ${view.name}.`);
  } catch (error) {
    showPageError(`${action === 'delete' ? 'Delete' : 'Retry'} of ${view.name} failed: ${error.message}`);
  }
}

/** A store with a shop (its data in the cluster) can be backed up before it goes. */
const HAS_SHOP = ['ready', 'suspended', 'updating', 'backing-up', 'restoring'];

function confirmDelete(view) {
  const backup = HAS_SHOP.includes(view.status);
  return confirm({
    heading: `Delete ${view.name}?`,
    body: `${view.domain} and everything in its namespace will be removed. This cannot be undone`
      + `${backup ? ', except from a final backup' : ''}.`,
    confirmLabel: 'Delete store',
    option: backup
      ? {
        label: 'Take a final backup first',
        hint: 'The store is deleted once the backup is complete; the backup is kept for a while and can be cloned.',
        checked: true,
      }
      : null,
  });
}

let started = false;

/** The store list, the form and the live stream: once signed in (or with auth off). */
function start(who) {
  $('#signin').hidden = true;
  $('#main').hidden = false;
  $('#auth-banner').hidden = who.auth !== 'none';
  $('#who').hidden = who.auth === 'none';
  $('#who-text').textContent = who.name ? `Signed in as ${who.name} (${who.role})` : '';
  // A viewer reads; only an admin creates, deletes, retries and reads admin logins.
  role = who.auth === 'none' ? 'admin' : who.role;
  $('#create-form').closest('section').hidden = role !== 'admin';
  list.redraw();
  if (started) return;
  started = true;
  startTicker();
  setupCreateForm($('#create-form'), {
    announce,
    onCreated(answer) {
      setCluster(answer.cluster);
      list.created(answer.store);
    },
    onShowDetails(answer, button) {
      openDetail(list.view(answer.id) ?? answer.store, button);
    },
  });
  openStream({
    onState: setConnection,
    onEvent(event) {
      fleet.event(event);
      if (!event.storeId) return;
      detail.event(event);
      list.event(event);
    },
    // First open and every reconnect (a server restart): load the page shown once so nothing
    // is stale; the stream itself resumes from Last-Event-ID.
    onOpen: () => {
      list.load();
      fleet.load();
    },
  });
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
