// A store's day-two operations as the page shows them: the one under way (its steps with
// status, attempts, elapsed time and the error of a failed attempt; a rollback marked as such)
// and the history of finished ones (kind, change, outcome, reason, when, who). Used by the
// detail view, the cards (compact) and the table's "current step" cell.

import { STEP_STATUS, dateTime, duration, el, since, time } from './format.js';
import { CONFIG_KINDS, describeChange, isCompensationStep, kindLabel, operationStepName, outcomeOf } from './operationWords.js';

/** "Update: plan → medium". */
export function operationTitle(operation) {
  const change = describeChange(operation.change, operation.kind);
  return change ? `${kindLabel(operation.kind)}: ${change}` : kindLabel(operation.kind);
}

/** The operation under way with its steps, or null when none runs. */
export function operationProgress(store, { compact = false } = {}) {
  const operation = store.operation;
  if (!operation) return null;
  const rollingBack = operation.phase === 'rolling-back';
  const applySteps = operation.steps.filter((s) => !isCompensationStep(operation.kind, s.name));
  const rollbackSteps = operation.steps.filter((s) => isCompensationStep(operation.kind, s.name));
  return el('div', {
    class: 'operation', 'data-testid': 'operation', 'data-operation': operation.id, 'data-phase': operation.phase,
  },
  el(compact ? 'p' : 'h3', { class: 'operation-title' },
    el('span', { 'aria-hidden': 'true' }, rollingBack ? '↺ ' : '⟳ '), operationTitle(operation)),
  compact ? null : el('p', { class: 'operation-meta muted' },
    `Operation ${operation.id} · asked for by ${operation.requestedBy} at `,
    el('time', { datetime: operation.requestedAt }, time(operation.requestedAt)), ' · ',
    since(operation.requestedAt, 'elapsed'), ' so far'),
  stepsList(applySteps, 'apply', compact, compact ? 'Operation steps' : 'Steps of the change'),
  rollingBack
    ? el('div', { class: 'rollback', 'data-testid': 'rollback' },
      el('p', { class: 'rollback-note' },
        el('strong', {}, CONFIG_KINDS.has(operation.kind) ? 'Rolling back: ' : 'Cleaning up: '),
        operation.rollbackReason ?? 'a step failed'),
      stepsList(rollbackSteps, 'rollback', compact, 'Steps of the rollback'))
    : null);
}

function stepsList(steps, phase, compact, label) {
  return el('ol', { class: `steps op-steps${compact ? ' compact' : ''}`, 'data-phase': phase, 'aria-label': label },
    steps.map((step) => stepItem(step, phase, compact)));
}

function stepItem(step, phase, compact) {
  const info = STEP_STATUS[step.status] ?? { label: step.status, symbol: '?' };
  const meta = [];
  // The detail view counts every attempt; a card only a retried or failed one.
  if (step.attempts > 1 || step.status === 'failed' || (!compact && step.attempts > 0)) meta.push(`attempt ${step.attempts}`);
  if (step.status === 'running' && step.startedAt) meta.push(since(step.startedAt, 'elapsed'));
  if (step.status === 'succeeded' && step.durationMs != null) meta.push(duration(step.durationMs));
  if (step.status === 'failed' && step.nextAttemptAt) meta.push(`retry ${time(step.nextAttemptAt)}`);
  const error = step.lastError && step.status !== 'succeeded';
  return el('li', {
    class: 'step', 'data-step': step.name, 'data-status': step.status, 'data-phase': phase,
    title: error && compact ? step.lastError : false,
  },
  el('span', { class: 'step-symbol', 'aria-hidden': 'true' }, info.symbol),
  el('span', { class: 'step-name' }, operationStepName(step.name)),
  el('span', { class: 'step-status' }, info.label),
  meta.length ? el('span', { class: 'step-meta' }, meta.flatMap((part, i) => (i ? [' · ', part] : [part]))) : null,
  error && !compact ? el('span', { class: 'step-error' }, `Error of attempt ${step.attempts}: ${step.lastError}`) : null);
}

/** A few words for the table's "current step" cell of an updating store. */
export function operationStepLine(store) {
  const operation = store.operation;
  if (!operation) return null;
  const step = operation.steps.find((s) => s.name === operation.currentStep);
  const verb = operation.phase === 'rolling-back' ? 'rolling back · ' : `${kindLabel(operation.kind).toLowerCase()} · `;
  const parts = [el('span', { class: 'current-step-name' }, verb, step ? operationStepName(step.name) : 'finishing')];
  if (step?.status === 'running' && step.startedAt) parts.push(' · ', since(step.startedAt, 'elapsed'));
  else if (step?.status === 'failed' && step.nextAttemptAt) parts.push(' · retrying');
  if (step?.attempts > 1) parts.push(` · attempt ${step.attempts}`);
  return el('span', {
    class: 'current-step', 'data-step': step?.name ?? false, 'data-step-status': step?.status ?? false,
    'data-phase': operation.phase,
  }, parts);
}

/** Finished operations, newest first. */
export function operationHistory(store) {
  const records = [...(store.operations ?? [])].reverse();
  if (!records.length) return el('p', { class: 'muted', 'data-testid': 'history-empty' }, 'No operations yet.');
  return el('ol', { class: 'history', 'aria-label': 'Operation history' }, records.map(historyItem));
}

function historyItem(record) {
  const outcome = outcomeOf(record);
  const took = Date.parse(record.finishedAt) - Date.parse(record.requestedAt);
  const facts = [`by ${record.requestedBy}`, el('time', { datetime: record.finishedAt }, dateTime(record.finishedAt))];
  if (Number.isFinite(took)) facts.push(`took ${duration(Math.max(0, took))}`);
  if (record.revision != null) facts.push(`revision ${record.revision}`);
  return el('li', { class: 'history-item', 'data-outcome': record.outcome, 'data-operation': record.id },
    el('p', { class: 'history-head' },
      el('span', { class: 'outcome', 'data-outcome': record.outcome },
        el('span', { 'aria-hidden': 'true' }, `${outcome.symbol} `), outcome.label),
      ' ', el('span', { class: 'history-what' }, operationTitle(record))),
    record.reason
      ? el('p', { class: 'history-reason' }, 'Reason: ', record.reason,
        record.failedStep ? ` (at ${operationStepName(record.failedStep)})` : '')
      : null,
    el('p', { class: 'history-meta muted' }, facts.flatMap((part, i) => (i ? [' · ', part] : [part]))));
}

/** The attention line of a store whose last operation's rollback failed, or null. */
export function rollbackAttention(store) {
  if (!store.needsAttention) return null;
  const last = store.operations?.[store.operations.length - 1];
  if (last?.outcome !== 'rollback-failed') return null;
  return `⚠ Needs attention: operation ${last.id} failed and so did its rollback (${last.reason ?? 'no reason recorded'}). `
    + 'Check the release history and the workloads, then change the store again.';
}
