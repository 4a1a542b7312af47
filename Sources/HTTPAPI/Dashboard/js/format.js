// Words, symbols and numbers as the dashboard shows them. Every status has a word and a
// symbol, so it never depends on colour alone.

import { describeChange, kindLabel, operationStepName } from './operationWords.js';

export const STEP_NAMES = {
  namespace: 'Namespace',
  helm: 'Helm release',
  mysql: 'MySQL',
  wordpress: 'WordPress',
  woocommerce: 'WooCommerce',
};

export const STEP_STATUS = {
  pending: { label: 'pending', symbol: '○' },
  running: { label: 'running', symbol: '◐' },
  succeeded: { label: 'done', symbol: '✓' },
  failed: { label: 'failed', symbol: '✗' },
  compensated: { label: 'undone', symbol: '↺' },
};

export const STORE_STATUS = {
  provisioning: { label: 'Provisioning', symbol: '◐' },
  ready: { label: 'Ready', symbol: '✓' },
  compensating: { label: 'Undoing', symbol: '↺' },
  failed: { label: 'Failed', symbol: '✗' },
  deleting: { label: 'Deleting', symbol: '⌫' },
  deleted: { label: 'Deleted', symbol: '–' },
  updating: { label: 'Updating', symbol: '⟳' },
  suspended: { label: 'Suspended', symbol: '‖' },
  'backing-up': { label: 'Backing up', symbol: '⤓' },
  restoring: { label: 'Restoring', symbol: '⤒' },
};

/** Statuses of a store while a day-two operation (a change, a backup, a restore) runs. */
export const OPERATING_STATUSES = ['updating', 'backing-up', 'restoring'];

/** A size in bytes as people read it: "72 B", "3.4 MB", "1.2 GB" (powers of 1024). */
export function bytes(count) {
  if (count == null || !Number.isFinite(count)) return '';
  if (count < 1024) return `${count} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function duration(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A running time in whole seconds (it ticks, so no tenths): "42 s", "3 min 05 s", "2 h 07 min". */
export function elapsed(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** How old something is, coarsely: "<1 min", "12 min", "5 h", "3 d". */
export function age(ms) {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return '<1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/**
 * A <time> that says how long ago `iso` was ("age") or how long something has run since
 * ("elapsed"); ticker.js keeps its text current. `title` holds the full date and time.
 */
export function since(iso, kind = 'elapsed') {
  const ms = Date.now() - Date.parse(iso);
  return el('time', { datetime: iso, class: `since since-${kind}`, 'data-since': iso, 'data-kind': kind, title: dateTime(iso) },
    kind === 'age' ? age(ms) : elapsed(ms));
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function time(iso) {
  return iso ? timeFormat.format(new Date(iso)) : '';
}

export function dateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : '';
}

/** "store.step-failed.v1" → "Step failed". */
export function eventTitle(type) {
  const core = type.replace(/^store\./, '').replace(/\.v\d+$/, '').replace(/-/g, ' ');
  return core.charAt(0).toUpperCase() + core.slice(1);
}

/** A short line about an event's payload (its step, attempt, error, ...). */
export function eventSummary(event) {
  const d = event.data ?? {};
  const parts = [];
  const operation = d.operation != null;
  if (d.kind && d.change) parts.push(`${kindLabel(d.kind)}: ${describeChange(d.change, d.kind)}`);
  if (d.step) parts.push(operation ? operationStepName(d.step) : STEP_NAMES[d.step] ?? d.step);
  if (d.attempt) parts.push(`attempt ${d.attempt}`);
  if (d.durationMs != null) parts.push(duration(d.durationMs));
  if (d.totalDurationMs != null) parts.push(`total ${duration(d.totalDurationMs)}`);
  if (d.cause) parts.push(d.cause);
  if (d.reason) parts.push(d.reason);
  if (d.error) parts.push(d.error);
  if (d.retryable === true && d.nextAttemptAt) parts.push(`retry at ${time(d.nextAttemptAt)}`);
  if (d.fromStep) parts.push(`from ${STEP_NAMES[d.fromStep] ?? d.fromStep}`);
  if (Array.isArray(d.leftovers) && d.leftovers.length) parts.push(`leftovers: ${d.leftovers.join(', ')}`);
  if (typeof d.leftovers === 'string' && d.leftovers) parts.push(d.leftovers);
  if (operation && d.revision != null) parts.push(`revision ${d.revision}`);
  if (operation && d.toRevision != null) parts.push(`to revision ${d.toRevision}`);
  if (d.domain && event.type.includes('requested')) parts.push(`${d.domain}, ${d.plan} plan`);
  // Backups: which one (a string in the backup events, an order in a change request), its size.
  const backup = typeof d.backup === 'string' ? d.backup : d.backup?.backup;
  if (backup) parts.push(`backup ${backup}`);
  if (d.backup?.safety) parts.push(`safety backup ${d.backup.safety}`);
  if (d.manifest?.totalBytes != null) parts.push(bytes(d.manifest.totalBytes));
  // Drift: what differs, and whether it is being corrected.
  if (Array.isArray(d.differences)) {
    parts.push(d.action === 'corrected' ? 'correcting' : 'reported only');
    parts.push(d.differences.map((x) => `${x.name}: ${x.expected ?? 'absent'} → ${x.actual ?? 'absent'}`).join(', '));
  }
  if (d.cloneOf?.backup) parts.push(`clone of backup ${d.cloneOf.backup}${d.cloneOf.scrub ? ', scrubbed' : ''}`);
  return parts.join(' · ');
}

/** An element with attributes and children; strings become text (never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value == null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
