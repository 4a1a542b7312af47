// The page's one EventSource on `/stream`.
//
// Each SSE frame is `id:` = log cursor, `event:` = event type, `data:` = the public event.
// Named events only reach listeners of their name, so we listen to every known type.
// After a dropped connection the browser reconnects by itself and sends Last-Event-ID, so
// the server resumes from the log. When the browser gives up (the server answered with an
// error, e.g. 503 while it starts), we open a new EventSource with `?after=<last id>`.

export const EVENT_TYPES = [
  'store.requested.v1', 'store.step-started.v1', 'store.step-succeeded.v1', 'store.step-failed.v1',
  'store.ready.v1', 'store.compensation-started.v1', 'store.step-compensated.v1',
  'store.compensation-step-failed.v1', 'store.compensation-failed.v1', 'store.failed.v1',
  'store.deletion-requested.v1', 'store.deleted.v1', 'store.retry-requested.v1',
];

const REOPEN_DELAY_MS = 3000;

/**
 * Opens the stream. `onEvent(event)` gets each parsed event; `onState('live' | 'reconnecting')`
 * follows the connection; `onOpen(first)` runs on every successful (re)connection.
 */
export function openStream({ onEvent, onState, onOpen }) {
  let source = null;
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

  const connect = () => {
    const url = lastId ? `stream?after=${encodeURIComponent(lastId)}` : 'stream';
    source = new EventSource(url);
    for (const type of EVENT_TYPES) source.addEventListener(type, handle);
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
  return { close: () => source?.close() };
}
