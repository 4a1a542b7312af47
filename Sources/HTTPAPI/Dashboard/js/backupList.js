// The detail view's Backups section: the store's backups, newest first (reason, status, size,
// age, who asked, kept-until for final ones, when one was last restored), and for admins
// "Back up now" and, per completed backup, Restore (after a confirmation: the shop shows its
// maintenance page, a safety backup is taken first), Clone (a small form) and Delete. It is
// drawn from the store's view (`backups`), which the page refreshes on every backup event of
// the stream, so the list is live; a backup whose status changes is announced.
// Items are kept by backup id and updated in place, so an open clone form and the focused
// button survive live updates.

import { ApiError, backupStore, deleteBackup, newIdempotencyKey, restoreStore } from './api.js';
import { createCloneForm } from './cloneForm.js';
import { bytes, dateTime, el, since } from './format.js';
import { kindLabel, operationRunningMessage, outcomeOf } from './operationWords.js';

export const BACKUP_STATUS = {
  running: { label: 'Running', symbol: '◐' },
  completed: { label: 'Completed', symbol: '✓' },
  failed: { label: 'Failed', symbol: '✗' },
  deleting: { label: 'Deleting', symbol: '⌫' },
};

export const BACKUP_REASONS = { manual: 'Manual', scheduled: 'Scheduled', safety: 'Safety', final: 'Final' };

/** Statuses of a store that has a shop to back up or restore into (the server may still say
 * 409 while an operation runs: the buttons stay, the answer says why). */
const HAS_SHOP = ['ready', 'suspended', 'updating', 'backing-up', 'restoring'];

/** "Manual backup, 3 Dec 2026, 10:04:05" — the words that tell one backup from another. */
function backupName(record) {
  return `${BACKUP_REASONS[record.reason] ?? record.reason} backup of ${dateTime(record.requestedAt)}`;
}

export function createBackupList({ canChange, onChanged, onCreated, confirm, announce }) {
  const admin = canChange();
  const heading = el('h3', { id: 'backups-heading', tabindex: '-1' }, 'Backups');
  const summary = el('p', { class: 'muted backup-summary', 'data-testid': 'backup-summary' });
  const backUp = el('button', { type: 'button', class: 'primary', 'data-backup-action': 'backup' }, 'Back up now');
  const note = el('p', { class: 'notice notice-info', hidden: true });
  const alert = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'backup-error' });
  const status = el('p', { class: 'form-success', role: 'status', 'data-testid': 'backup-status' });
  const list = el('ol', { class: 'backups', 'aria-label': 'Backups' });
  const empty = el('p', { class: 'muted', 'data-testid': 'backups-empty' }, 'No backups yet.');
  const element = el('section', { class: 'detail-section', 'aria-labelledby': 'backups-heading' },
    heading, summary,
    admin ? el('div', { class: 'form-actions form-actions-row' }, backUp) : null,
    note, alert, status, empty, list);

  let store = null;
  let busy = false;
  const items = new Map(); // backup id -> { li, head, actions, cloneSlot, status }
  let clone = null; // { id, form } of the open clone form
  let requested = null; // the operation this section started, until its outcome is said

  function clearMessages() {
    alert.textContent = '';
    status.textContent = '';
  }

  /** A refused request: the problem's own detail, and what to do for an operation running. */
  function refused(what, error) {
    if (!(error instanceof ApiError)) throw error;
    alert.textContent = error.operationRunning
      ? `${what} refused: ${error.message}. ${operationRunningMessage(error)}`
      : `${what} refused: ${error.message}`;
  }

  async function run(what, button, request, said) {
    if (busy || !store) return;
    const id = store.id;
    busy = true;
    button.disabled = true;
    clearMessages();
    try {
      const answer = await request(id);
      if (store?.id !== id) return;
      requested = answer.operation?.id ?? null;
      onChanged(answer);
      const told = said(answer);
      // `{ refused }`: the server answered but did not do it (said as an alert, not a success).
      if (typeof told === 'object') alert.textContent = told.refused;
      else {
        status.textContent = told;
        announce(told);
      }
    } catch (error) {
      if (store?.id === id) refused(what, error);
      else if (!(error instanceof ApiError)) throw error;
    } finally {
      busy = false;
      if (button.isConnected) button.disabled = false;
    }
  }

  backUp.addEventListener('click', () => run('Back up now', backUp, (id) => backupStore(id, newIdempotencyKey()),
    (answer) => (answer.operation
      ? `Backing up ${answer.store?.name ?? store.name} (operation ${answer.operation.id}); the shop keeps serving.`
      : 'Nothing to do: this backup was asked for already.')));

  async function restore(record, button) {
    const shown = store;
    const sure = await confirm({
      heading: `Restore ${shown.name} from this backup?`,
      body: `${shown.domain} shows a maintenance page while its database and files are replaced by the ${backupName(record).toLowerCase()} `
        + `(${record.id}). A safety backup of what the store holds now is taken first, and put back if the restore fails.`,
      confirmLabel: 'Restore backup',
    });
    if (!sure || store?.id !== shown.id) {
      if (button.isConnected) button.focus();
      return;
    }
    await run('Restore', button, (id) => restoreStore(id, record.id, newIdempotencyKey()),
      (answer) => `Restoring ${record.id} (operation ${answer.operation?.id ?? '–'}): a safety backup first, then the shop `
        + 'shows its maintenance page until the restore ends.');
  }

  async function remove(record, button) {
    const shown = store;
    const sure = await confirm({
      heading: `Delete this ${(BACKUP_REASONS[record.reason] ?? record.reason).toLowerCase()} backup?`,
      body: `${backupName(record)} (${record.id}) of ${shown.name}: its database dump and files are removed. This cannot be undone.`,
      confirmLabel: 'Delete backup',
    });
    if (!sure || store?.id !== shown.id) {
      if (button.isConnected) button.focus();
      return;
    }
    await run('Delete backup', button, (id) => deleteBackup(id, record.id, newIdempotencyKey()), (answer) => {
      if (answer.operation) return `Deleting backup ${record.id} (operation ${answer.operation.id}).`;
      // No operation: done at once (a deleted store's backup), or the server answered with an
      // earlier attempt of the same deletion (`replayed`) and the backup is still there.
      const still = (answer.store?.backups ?? []).some((b) => b.id === record.id && b.status !== 'deleting');
      return still
        ? { refused: `Backup ${record.id} was not deleted: the server answered with an earlier attempt of this deletion.` }
        : `Backup ${record.id} deleted.`;
    });
  }

  function openClone(record) {
    closeClone();
    const entry = items.get(record.id);
    if (!entry) return;
    const form = createCloneForm({
      store, backup: record, announce,
      onCreated: (answer) => onCreated(answer),
      onClose: () => {
        closeClone();
        entry.actions.querySelector('[data-backup-action="clone"]')?.focus();
      },
    });
    clone = { id: record.id, form };
    entry.cloneSlot.replaceChildren(form.element);
    entry.actions.querySelector('[data-backup-action="clone"]')?.setAttribute('aria-expanded', 'true');
    form.focus();
  }

  function closeClone() {
    if (!clone) return;
    const entry = items.get(clone.id);
    entry?.cloneSlot.replaceChildren();
    entry?.actions.querySelector('[data-backup-action="clone"]')?.setAttribute('aria-expanded', 'false');
    clone = null;
  }

  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-backup-action]');
    if (!button || !store) return;
    const record = (store.backups ?? []).find((b) => b.id === button.closest('[data-backup-id]').dataset.backupId);
    if (!record) return;
    const action = button.dataset.backupAction;
    if (action === 'restore') restore(record, button);
    else if (action === 'delete') remove(record, button);
    else if (action === 'clone') {
      if (clone?.id === record.id) closeClone();
      else openClone(record);
    }
  });

  function actionButton(action, label, record, extraClass) {
    const expanded = action === 'clone' ? String(clone?.id === record.id) : false;
    return el('button', { type: 'button', class: extraClass ?? false, 'data-backup-action': action, 'aria-expanded': expanded },
      label, el('span', { class: 'visually-hidden' }, ` the ${backupName(record).toLowerCase()}`));
  }

  function actionsFor(record) {
    if (!admin) return [];
    const done = record.status === 'completed';
    return [
      done && HAS_SHOP.includes(store.status) ? actionButton('restore', 'Restore', record) : null,
      done ? actionButton('clone', 'Clone', record) : null,
      done || record.status === 'failed' ? actionButton('delete', 'Delete', record, 'danger') : null,
    ].filter(Boolean);
  }

  function headFor(record) {
    const info = BACKUP_STATUS[record.status] ?? { label: record.status, symbol: '?' };
    const size = record.manifest?.totalBytes;
    const manifest = record.manifest;
    const facts = [
      size != null ? el('span', { class: 'backup-size', 'data-testid': 'backup-size' }, bytes(size)) : null,
      el('span', {}, since(record.requestedAt, 'age'), ' ago'),
      `by ${record.requestedBy}`,
      manifest?.wordpressVersion ? `WordPress ${manifest.wordpressVersion}` : null,
      manifest?.woocommerceVersion ? `WooCommerce ${manifest.woocommerceVersion}` : null,
      record.keepUntil ? el('span', { 'data-testid': 'backup-kept' }, 'kept until ',
        el('time', { datetime: record.keepUntil }, dateTime(record.keepUntil))) : null,
    ].filter(Boolean);
    return [
      el('p', { class: 'backup-head' },
        el('span', { class: 'backup-status', 'data-status': record.status },
          el('span', { 'aria-hidden': 'true' }, `${info.symbol} `), info.label),
        ' ', el('span', { class: 'backup-reason' }, BACKUP_REASONS[record.reason] ?? record.reason),
        record.restoredAt
          ? el('span', { class: 'backup-restored', 'data-testid': 'backup-restored', title: dateTime(record.restoredAt) },
            ' · restored ', el('time', { datetime: record.restoredAt }, dateTime(record.restoredAt)))
          : null),
      el('p', { class: 'backup-meta muted' }, facts.flatMap((part, i) => (i ? [' · ', part] : [part]))),
      el('p', { class: 'backup-id muted' }, el('code', {}, record.id)),
      record.error ? el('p', { class: 'store-error backup-error' }, `Error: ${record.error}`) : null,
    ];
  }

  function itemFor(record) {
    let entry = items.get(record.id);
    if (!entry) {
      const head = el('div', { class: 'backup-body' });
      const actions = el('div', { class: 'backup-actions' });
      const cloneSlot = el('div', { class: 'clone-slot' });
      const li = el('li', { class: 'backup', 'data-backup-id': record.id }, head, actions, cloneSlot);
      entry = { li, head, actions, cloneSlot, status: null };
      items.set(record.id, entry);
    }
    entry.li.dataset.status = record.status;
    entry.li.dataset.reason = record.reason;
    entry.head.replaceChildren(...headFor(record).filter(Boolean));
    const focused = entry.actions.contains(document.activeElement) ? document.activeElement.dataset.backupAction : null;
    entry.actions.replaceChildren(...actionsFor(record));
    if (focused) (entry.actions.querySelector(`[data-backup-action="${focused}"]`) ?? backUp).focus();
    if (clone?.id === record.id && record.status !== 'completed') closeClone();
    if (entry.status && entry.status !== record.status) {
      const size = record.manifest?.totalBytes;
      announce(`${backupName(record)} is now ${(BACKUP_STATUS[record.status]?.label ?? record.status).toLowerCase()}`
        + `${size != null && record.status === 'completed' ? `, ${bytes(size)}` : ''}.`);
    }
    entry.status = record.status;
    return entry.li;
  }

  /** Once the operation this section started has ended, says how, where the user asked. */
  function reportOutcome(next) {
    if (!requested || next.operation?.id === requested) return;
    const record = (next.operations ?? []).find((r) => r.id === requested);
    if (!record) return;
    requested = null;
    const what = kindLabel(record.kind);
    if (record.outcome === 'succeeded') {
      const written = (next.backups ?? []).find((b) => b.operation === record.id && b.reason !== 'safety');
      const size = written?.manifest?.totalBytes;
      status.textContent = `✓ ${what} finished (operation ${record.id})${size != null ? `: ${bytes(size)}` : ''}.`;
    } else {
      status.textContent = '';
      alert.textContent = `${what} ${outcomeOf(record).label.toLowerCase()} (operation ${record.id})`
        + `${record.reason ? `: ${record.reason}` : ''}.`;
    }
  }

  return {
    element,
    /** A newer view of the store: its backups, newest first, and what the user may do now. */
    update(next) {
      store = next;
      const records = [...(next.backups ?? [])].sort((a, b) => Date.parse(b.requestedAt) - Date.parse(a.requestedAt));
      const keep = new Set(records.map((r) => r.id));
      for (const [id, entry] of items) {
        if (keep.has(id)) continue;
        if (clone?.id === id) closeClone();
        const hadFocus = entry.li.contains(document.activeElement);
        entry.li.remove();
        items.delete(id);
        if (hadFocus) (admin && !backUp.hidden ? backUp : heading).focus();
      }
      // Only nodes out of place move (a move would take the focus from a field being typed in).
      let cursor = list.firstElementChild;
      for (const record of records) {
        const li = itemFor(record);
        if (li === cursor) cursor = cursor.nextElementSibling;
        else list.insertBefore(li, cursor);
      }
      const completed = records.filter((r) => r.status === 'completed');
      const total = completed.reduce((sum, r) => sum + (r.manifest?.totalBytes ?? 0), 0);
      summary.textContent = records.length
        ? `${completed.length} completed ${completed.length === 1 ? 'backup' : 'backups'}, ${bytes(total)} in all.`
        : '';
      empty.hidden = records.length > 0;
      const shop = HAS_SHOP.includes(next.status);
      backUp.hidden = !shop;
      note.hidden = !(admin && next.operation);
      note.textContent = 'An operation is under way. A store runs one at a time: a backup or a restore asked for now is refused until it ends.';
      reportOutcome(next);
      if (!shop && next.status === 'deleted' && records.length) {
        summary.textContent += ' The store is deleted: its backups can still be cloned into a new store.';
      }
    },
  };
}
