// The page's one EventSource on `/stream`.
//
// Each SSE frame is `id:` = log cursor, `event:` = event type, `data:` = the public event.
// Named events only reach listeners of their name, so we listen to every type the server
// names in `GET /event-types` (the wire names are written once, on the server).
// After a dropped connection the browser reconnects by itself and sends Last-Event-ID, so
// the server resumes from the log. When the browser gives up (the server answered with an
// error, e.g. 503 while it starts), we open a new EventSource with `?after=<last id>`.

/** The event wire names the server knows (fetched once; retried while the server starts). */
async function eventTypes() {
  for (;;) {
    try {
      const response = await fetch('event-types', { credentials: 'same-origin' });
      if (response.ok) return (await response.json()).types;
    } catch {
      // the server is not up yet: try again below
    }
    await new Promise((resolve) => setTimeout(resolve, REOPEN_DELAY_MS));
  }
}

const REOPEN_DELAY_MS = 3000;

/**
 * Opens the stream. `onEvent(event)` gets each parsed event; `onState('live' | 'reconnecting')`
 * follows the connection; `onOpen(first)` runs on every successful (re)connection.
 */
export function openStream({ onEvent, onState, onOpen }) {
  let source = null;
  let closed = false;
  let types = null;
  let lastId = null;
  let opened = false;

  const handle = (message) => {
    if (message.lastEventId) lastId = message.lastEventId;
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(event);
  };

  const connect = async () => {
    types = types ?? (await eventTypes());
    if (closed) return;
    const url = lastId ? `stream?after=${encodeURIComponent(lastId)}` : 'stream';
    source = new EventSource(url);
    for (const type of types) source.addEventListener(type, handle);
    source.onopen = () => {
      onState('live');
      onOpen(!opened);
      opened = true;
    };
    source.onerror = () => {
      onState('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, REOPEN_DELAY_MS);
      }
    };
  };

  connect();
  return {
    close: () => {
      closed = true;
      source?.close();
    },
  };
}
