// Applies the events of a day-two operation to a store's view, as the server's fold does
// (StoreState+Operations.swift, then StoreView/OperationView): the operation's steps move,
// a rollback adds its steps, the end records the operation in the history and brings the
// applied config. Anything it cannot work out exactly (an operation this view does not know,
// a step it does not have) gives null, and the caller asks the server for that one store.

import { CONFIG_KINDS, OPERATION_STEPS, ROLLBACK_STEPS, isCompensationStep } from './operationWords.js';

/** How many finished operations a store's view keeps (StoreState.operationHistoryLimit). */
const HISTORY_LIMIT = 20;

export const OPERATION_EVENTS = new Set([
  'store.change-requested.v1',
  'store.change-step-started.v1',
  'store.change-step-succeeded.v1',
  'store.change-step-failed.v1',
  'store.rollback-started.v1',
  'store.changed.v1',
  'store.suspended.v1',
  'store.resumed.v1',
  'store.change-failed.v1',
]);

/**
 * The view after an operation event. `view` is the view before; `next` is a copy of it
 * with the event's version and time (storeEvents.js made it); returns null when unsure.
 */
export function applyOperationEvent(view, next, event) {
  const d = event.data ?? {};
  const at = event.recordedAt;
  if (event.type === 'store.change-requested.v1') return requested(view, next, d, at);
  const operation = view.operation;
  if (!operation || !d.operation || operation.id !== d.operation) return null;
  switch (event.type) {
    case 'store.change-step-started.v1':
      return withStep(next, operation, d.step, (step) => Object.assign(step, {
        status: 'running', attempts: d.attempt, startedAt: at, finishedAt: null, nextAttemptAt: null,
      }));
    case 'store.change-step-succeeded.v1': {
      // The end of a wait for the cluster: the server works out the attention flag.
      if (view.waitingForCluster) return null;
      const after = withStep(next, operation, d.step, (step) => Object.assign(step, {
        status: 'succeeded', finishedAt: at, durationMs: d.durationMs, lastError: null,
      }));
      const revision = revisionOf(d.details);
      return after && revision != null ? { ...after, helmRevision: revision } : after;
    }
    case 'store.change-step-failed.v1':
      if (d.waitingForCluster || view.waitingForCluster) return null;
      return withStep(next, operation, d.step, (step) => Object.assign(step, {
        status: 'failed', finishedAt: at, lastError: d.error, nextAttemptAt: d.nextAttemptAt ?? null,
      }));
    case 'store.rollback-started.v1': {
      // A backup, restore or backup deletion undoes what it got to: the server knows which steps.
      if (operation.phase !== 'applying' || !CONFIG_KINDS.has(operation.kind)) return null;
      const steps = [...operation.steps.map((s) => ({ ...s })), ...ROLLBACK_STEPS.map(pending)];
      return {
        ...next,
        operation: { ...operation, steps, phase: 'rolling-back', rollbackReason: d.reason ?? null, currentStep: ROLLBACK_STEPS[0] },
      };
    }
    case 'store.changed.v1':
    case 'store.suspended.v1':
    case 'store.resumed.v1':
      if (!d.applied) return null;
      return finished(view, next, d.applied, d.revision, false, record(operation, at, 'succeeded', d));
    case 'store.change-failed.v1':
      // The store goes back to the config it ran before: the applied one, untouched meanwhile.
      // A failed backup operation also settles its backups: the server's view has them.
      if (!view.applied || !CONFIG_KINDS.has(operation.kind)) return null;
      return finished(view, next, view.applied, d.revision, !d.rolledBack,
        record(operation, at, d.rolledBack ? 'rolled-back' : 'rollback-failed', d));
    default:
      return null;
  }
}

function requested(view, next, d, at) {
  const steps = OPERATION_STEPS[d.kind];
  // A backup operation adds (or marks) a backup in the store's list: asked for, not guessed.
  if (!CONFIG_KINDS.has(d.kind)) return null;
  if (view.operation || !steps || !d.to || !d.operation) return null;
  if (view.status !== 'ready' && view.status !== 'suspended') return null;
  return {
    ...next,
    status: 'updating',
    desired: d.to,
    extraDomains: [...(d.to.extraDomains ?? [])],
    operation: {
      id: d.operation,
      kind: d.kind,
      change: d.change ?? {},
      phase: 'applying',
      currentStep: steps[0],
      steps: steps.map(pending),
      rollbackReason: null,
      requestedBy: d.by,
      requestedAt: at,
    },
  };
}

function pending(name) {
  return { name, status: 'pending', attempts: 0 };
}

/** `next` with the operation's step `name` changed by `edit` (null if it has no such step). */
function withStep(next, operation, name, edit) {
  const steps = operation.steps.map((s) => ({ ...s }));
  const step = steps.find((s) => s.name === name);
  if (!step) return null;
  edit(step);
  const phase = operation.phase === 'applying'
    ? OPERATION_STEPS[operation.kind]
    : steps.map((s) => s.name).filter((name) => isCompensationStep(operation.kind, name));
  const current = phase?.find((stepName) => steps.find((s) => s.name === stepName)?.status !== 'succeeded') ?? null;
  return { ...next, operation: { ...operation, steps, currentStep: current } };
}

function revisionOf(details) {
  const text = details?.revision;
  return typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : null;
}

function record(operation, at, outcome, d) {
  return {
    id: operation.id,
    kind: operation.kind,
    change: operation.change,
    outcome,
    reason: d.reason ?? null,
    failedStep: d.failedStep ?? null,
    revision: d.revision ?? null,
    requestedBy: operation.requestedBy,
    requestedAt: operation.requestedAt,
    finishedAt: at,
  };
}

/** The end of an operation: the config the store runs now, the history, the resting status. */
function finished(view, next, applied, revision, needsAttention, entry) {
  const operations = [...(view.operations ?? []), entry].slice(-HISTORY_LIMIT);
  return {
    ...next,
    status: view.status === 'updating' ? (applied.suspended ? 'suspended' : 'ready') : view.status,
    name: applied.name,
    plan: applied.plan,
    applied,
    desired: applied,
    extraDomains: [...(applied.extraDomains ?? [])],
    helmRevision: revision ?? view.helmRevision ?? null,
    needsAttention,
    operation: null,
    operations,
  };
}
