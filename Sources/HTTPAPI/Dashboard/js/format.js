// Words, symbols and numbers as the dashboard shows them. Every status has a word and a
// symbol, so it never depends on colour alone.

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
};

export function duration(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
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
  if (d.step) parts.push(STEP_NAMES[d.step] ?? d.step);
  if (d.attempt) parts.push(`attempt ${d.attempt}`);
  if (d.durationMs != null) parts.push(duration(d.durationMs));
  if (d.totalDurationMs != null) parts.push(`total ${duration(d.totalDurationMs)}`);
  if (d.cause) parts.push(d.cause);
  if (d.reason) parts.push(d.reason);
  if (d.error) parts.push(d.error);
  if (d.retryable === true && d.nextAttemptAt) parts.push(`retry at ${time(d.nextAttemptAt)}`);
  if (d.fromStep) parts.push(`from ${STEP_NAMES[d.fromStep] ?? d.fromStep}`);
  if (Array.isArray(d.leftovers) && d.leftovers.length) parts.push(`leftovers: ${d.leftovers.join(', ')}`);
  if (d.domain && event.type.includes('requested')) parts.push(`${d.domain}, ${d.plan} plan`);
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
