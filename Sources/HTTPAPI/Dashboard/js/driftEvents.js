// The store's drift as the stream moves it, mirroring the server's fold (StoreDrift.swift):
// a finding sets it (`correcting`, or `reported`); an operation that ends having applied the
// release settles an outstanding one as `corrected`; the failure of its own reconcile leaves
// it `correction-failed`.

const SETTLING = new Set(['store.changed.v1', 'store.suspended.v1', 'store.resumed.v1', 'store.restored.v1']);

/** The drift a `store.drift-detected.v1` event records. */
export function driftFrom(event) {
  const d = event.data ?? {};
  return {
    state: d.action === 'corrected' ? 'correcting' : 'reported',
    check: d.check,
    differences: d.differences ?? [],
    action: d.action,
    detectedAt: event.recordedAt,
    operation: d.operation ?? undefined,
  };
}

/** `view` with its drift settled by `event` (the view itself when nothing changes). */
export function settleDrift(view, event) {
  const drift = view.drift;
  if (!drift || drift.state === 'corrected') return view;
  const operation = event.data?.operation;
  if (SETTLING.has(event.type)) {
    return { ...view, drift: { ...drift, state: 'corrected', correctedBy: operation, correctedAt: event.recordedAt } };
  }
  if (event.type === 'store.change-failed.v1' && operation === drift.operation) {
    return { ...view, drift: { ...drift, state: 'correction-failed' } };
  }
  return view;
}
