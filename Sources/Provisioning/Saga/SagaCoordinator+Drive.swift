import EventStore
import Foundation
import Logging
import Metrics

extension SagaCoordinator {
    /// Drives one saga until it rests (idle), waits for a backoff, or is stopped.
    func drive(_ id: StoreID, interrupt: SagaInterrupt) async {
        var logger = self.logger
        logger[metadataKey: "store"] = "\(id)"
        do {
            guard var state = try await StoreProjection.load(id, from: events) else { return }
            // A step whose StepStarted went out with the previous append (merged to save a
            // round trip), so it must not be recorded twice.
            var recordedStart: (step: SagaStep, attempt: Int)?
            while !interrupt.isStopped {
                interrupt.reset()
                let decision = SagaPlanner.next(state, now: now())
                switch decision {
                case .idle, .wait:
                    return
                case .record(let decided):
                    state = try await record(decided, on: state)
                    recordedStart = nil
                case .run(let step, let attempt):
                    if recordedStart?.step != step || recordedStart?.attempt != attempt {
                        let started = SagaPlanner.started(step, attempt: attempt, now: now(), policy: configuration.policy)
                        state = try await record([started], on: state)
                    }
                    recordedStart = nil
                    logger.debug("running step", metadata: ["step": "\(step.rawValue)", "attempt": "\(attempt)"])
                    let limit = configuration.policy.deadline(step)
                    let target = StoreTarget(id: id, spec: state.spec)
                    guard let outcome = await execute(limit: limit, interrupt: interrupt, { [driver] in
                        try await driver.run(step, for: target)
                    }) else {
                        state = try await reload(id, after: state)
                        continue
                    }
                    if case .failed(let error) = outcome {
                        logger.info("step failed", metadata: ["step": "\(step.rawValue)", "error": "\(error)"])
                    }
                    SagaMetrics.record(step: step, outcome: outcome, since: state[step].startedAt, now: now())
                    var decided = SagaPlanner.afterStep(
                        state, step: step, attempt: attempt, outcome: outcome, now: now(), policy: configuration.policy,
                        random: random())
                    recordedStart = appendFollowUp(to: &decided, state: state)
                    state = try await record(decided, on: state)
                case .undo(let step, let attempt):
                    logger.debug("undoing step", metadata: ["step": "\(step.rawValue)", "attempt": "\(attempt)"])
                    let target = StoreTarget(id: id, spec: state.spec)
                    let limit = configuration.policy.undoDeadline
                    guard let outcome = await execute(limit: limit, interrupt: interrupt, { [driver] in
                        try await driver.undo(step, for: target)
                        return [:]
                    }) else {
                        state = try await reload(id, after: state)
                        continue
                    }
                    SagaMetrics.recordUndo(step: step, outcome: outcome)
                    var decided = SagaPlanner.afterUndo(
                        state, step: step, attempt: attempt, outcome: outcome, now: now(), policy: configuration.policy,
                        random: random())
                    recordedStart = appendFollowUp(to: &decided, state: state)
                    state = try await record(decided, on: state)
                }
            }
        } catch EventStoreError.wrongExpectedVersion {
            // Someone else wrote to the stream (another replica took the saga over, or a
            // command raced us): leave it; the queue brings it back if it still has work.
            logger.debug("saga fenced off by a newer stream version")
        } catch {
            if !Task.isCancelled { logger.error("saga run failed", metadata: ["error": "\(error)"]) }
        }
    }

    /// Adds what follows an outcome to the same append when it needs no cluster call (the
    /// next step's StepStarted, Ready, Failed, ...): one round trip instead of two.
    private func appendFollowUp(to decided: inout [StoreEvent], state: StoreState) -> (step: SagaStep, attempt: Int)? {
        var next = state
        for event in decided { next = StoreState.evolve(next, event, at: now()) ?? next }
        switch SagaPlanner.next(next, now: now()) {
        case .record(let more):
            decided += more
            return nil
        case .run(let step, let attempt):
            decided.append(SagaPlanner.started(step, attempt: attempt, now: now(), policy: configuration.policy))
            return (step, attempt)
        default:
            return nil
        }
    }

    /// Appends `decided` fenced on the state's version, and folds them in.
    private func record(_ decided: [StoreEvent], on state: StoreState) async throws -> StoreState {
        guard !decided.isEmpty else { return state }
        let metadata = EventMetadata(actor: "system", correlationID: state.id.uuid)
        let result = try await events.append(
            AppendRequest(
                stream: state.id.streamID, expected: .exact(state.version),
                events: decided.map { $0.newEvent(metadata: metadata) },
                claims: decided.flatMap(\.claims), releases: decided.flatMap(\.releases)))
        var next = state
        let at = now()
        for event in decided { next = StoreState.evolve(next, event, at: at) ?? next }
        next.version = result.streamVersion
        for event in decided {
            switch event {
            case .ready: logger.info("store ready", metadata: ["store": "\(state.id)"])
            case .failed(let failed): logger.info("store failed", metadata: ["store": "\(state.id)", "reason": "\(failed.reason)"])
            case .compensationFailed(let failed):
                logger.error(
                    "compensation failed: needs attention",
                    metadata: ["store": "\(state.id)", "step": "\(failed.step.rawValue)", "error": "\(failed.error)"])
            case .deleted: logger.info("store deleted", metadata: ["store": "\(state.id)"])
            default: break
            }
        }
        return next
    }

    private func reload(_ id: StoreID, after state: StoreState) async throws -> StoreState {
        try await StoreProjection.load(id, from: events) ?? state
    }

    /// Runs a cluster call against its deadline and the saga's interrupt. Nil when
    /// interrupted or stopped (the caller reloads); otherwise the outcome.
    func execute(
        limit: Duration, interrupt: SagaInterrupt, _ call: @escaping @Sendable () async throws -> [String: String]
    ) async -> StepOutcome? {
        enum Finish: Sendable {
            case outcome(StepOutcome)
            case interrupted
        }
        let clock = self.clock
        let finish: Finish = await withTaskGroup(of: Finish?.self) { group in
            group.addTask {
                do {
                    return .outcome(.succeeded(details: try await call()))
                } catch let error as ClusterError {
                    return .outcome(.failed(error))
                } catch is CancellationError {
                    return nil
                } catch {
                    return .outcome(.failed(.transient("\(error)")))
                }
            }
            group.addTask {
                do {
                    try await clock.sleep(for: limit)
                    return .outcome(.deadlineExceeded(limit))
                } catch { return nil }
            }
            group.addTask {
                await interrupt.wait()
                return Task.isCancelled ? nil : .interrupted
            }
            var result: Finish = .interrupted
            while let next = await group.next() {
                if let next {
                    result = next
                    break
                }
            }
            group.cancelAll()
            return result
        }
        switch finish {
        case .outcome(let outcome): return outcome
        case .interrupted: return nil
        }
    }
}
