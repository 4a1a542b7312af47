// Refreshes stores after stream events, one request at a time per store: a burst of
// events (a catch-up after a reconnect, five steps in a row) becomes one or two
// `GET /stores/{id}?min_position=<latest event id>` instead of one per event.

import { ApiError, getStore } from './api.js';

const GATHER_MS = 40; // let a burst arrive before asking
const MAX_LAGGING_TRIES = 3; // the read model had not caught up after the server's 5 s wait

export function createRefresher({ onStore, onError }) {
  const entries = new Map(); // store id -> { position, running, again }

  async function run(id, entry) {
    entry.running = true;
    await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    let lagging = 0;
    do {
      entry.again = false;
      try {
        const view = await getStore(id, entry.position);
        onStore(view);
        if (view.upToDate === false && lagging < MAX_LAGGING_TRIES) {
          lagging += 1;
          entry.again = true;
        }
      } catch (error) {
        // A store the read model does not know yet comes with a later event; the rest
        // (server down) is caught up by the list reload after the stream reconnects.
        if (!(error instanceof ApiError) || error.status !== 404) onError?.(error);
      }
    } while (entry.again);
    entries.delete(id);
  }

  return function refresh(id, position) {
    let entry = entries.get(id);
    if (!entry) {
      entry = { position, running: false, again: false };
      entries.set(id, entry);
    }
    if (position) entry.position = position;
    if (entry.running) entry.again = true;
    else run(id, entry);
  };
}
