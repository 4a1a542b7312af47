// One timer for the whole page: every second it rewrites the text of each <time data-since>
// (running steps' elapsed time, ages in the table). Only text changes; the elements keep
// their width (tabular figures, a minimum width in CSS), so nothing moves.

import { age, elapsed } from './format.js';

export function startTicker(root = document) {
  const tick = () => {
    const now = Date.now();
    for (const node of root.querySelectorAll('time[data-since]')) {
      const ms = now - Date.parse(node.dataset.since);
      const text = node.dataset.kind === 'age' ? age(ms) : elapsed(ms);
      if (node.textContent !== text) node.textContent = text;
    }
  };
  return setInterval(tick, 1000);
}
