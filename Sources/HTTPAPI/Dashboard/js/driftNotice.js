// The store's drift (its cluster differing from the log) in the detail dialog: what differs
// and what became of it. A store whose drift was corrected shows a quiet line; one still
// drifted (reported only, being corrected, or whose correction failed) a notice.

import { dateTime, el } from './format.js';

const STATES = {
  correcting: { symbol: '↻', text: 'Drift found; re-applying the store\'s config' },
  corrected: { symbol: '✓', text: 'Drift corrected' },
  reported: { symbol: '⚠', text: 'Drift found (reported only; nothing was changed)' },
  'correction-failed': { symbol: '✗', text: 'Drift found; the correction failed (see the operation history)' },
};

/** One difference as a line: `value plan: small → large`. */
export function differenceText(difference) {
  return `${difference.kind} ${difference.name}: ${difference.expected ?? 'absent'} → ${difference.actual ?? 'absent'}`;
}

/** The drift notice, or null when no drift was ever found. */
export function driftNotice(store) {
  const drift = store.drift;
  if (!drift) return null;
  const state = STATES[drift.state] ?? { symbol: '?', text: drift.state };
  const when = drift.state === 'corrected' && drift.correctedAt ? ` (${dateTime(drift.correctedAt)})` : ` (found ${dateTime(drift.detectedAt)})`;
  return el('div', { class: drift.state === 'corrected' ? 'drift muted' : 'drift notice', 'data-testid': 'drift', 'data-drift': drift.state },
    el('p', {}, `${state.symbol} ${state.text}${when}`),
    el('ul', { class: 'drift-differences' }, drift.differences.map((d) => el('li', {}, differenceText(d)))));
}
