import EventStore
import Foundation
import Logging
import Metrics

extension SagaCoordinator {
    /// Drives one saga until it rests (idle), waits for a backoff, or is stopped: the live
    /// host of `SagaRunner`, which decides; this only appends, calls the cluster and reloads.
    func drive(_ id: StoreID, interrupt: SagaInterrupt) async {
        var logger = self.logger
        logger[metadataKey: "store"] = "\(id)"
        do {
            guard let loaded = try await StoreProjection.load(id, from: events, vault: vault) else { return }
            // No reset here: a deletion delivered while the stream was read must still interrupt.
            var runner = SagaRunner(plan: plan, state: loaded)
            var effect = runner.resume(loaded, now: now())
            while !interrupt.isStopped && !Task.isCancelled {
                switch effect {
                case .finish(let record, _):
                    try await append(record, with: &runner)
                    return
                case .perform(let call, let deadline, let record):
                    try await append(record, with: &runner)
                    logger.debug("saga call", metadata: ["call": "\(call)"])
                    let target = StoreTarget(runner.state)
                    guard
                        let executed = await execute(limit: deadline, interrupt: interrupt, { [driver] in
                            try await driver.perform(call, for: target)
                        })
                    else {
                        // Interrupted (a deletion) or stopped: re-plan from the stream.
                        interrupt.reset()
                        let reloaded = try await StoreProjection.load(id, from: events, vault: vault) ?? runner.state
                        effect = runner.resume(reloaded, now: now())
                        continue
                    }
                    let outcome = await unlessUnreachable(executed)
                    if case .failed(let error) = outcome {
                        logger.info("saga call failed", metadata: ["call": "\(call)", "error": "\(error)"])
                    }
                    SagaMetrics.record(call, outcome: outcome, since: runner.state.startedAt(of: call), now: now())
                    effect = runner.performed(outcome, now: now(), random: random())
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

    /// An attempt that ran out its deadline while the cluster cannot be reached (the driver's
    /// probe says so) could not reach it: recorded as such, the saga waits for the cluster
    /// instead of compensating (`ClusterWait`). Any other outcome as it is.
    func unlessUnreachable(_ outcome: StepOutcome) async -> StepOutcome {
        guard case .deadlineExceeded(let limit) = outcome, let cluster = driver as? any ClusterReachability,
            let error = await cluster.probe()
        else { return outcome }
        return .failed(.unreachable("no answer within the deadline of \(SagaPlanner.format(limit)): \(error.message)"))
    }

    /// Appends `decided` fenced on the runner's version, and tells the runner.
    private func append(_ decided: [StoreEvent], with runner: inout SagaRunner) async throws {
        guard !decided.isEmpty else { return }
        let state = runner.state
        let metadata = EventMetadata(actor: "system", correlationID: state.id.uuid)
        let result = try await events.append(
            AppendRequest(
                stream: state.id.streamID, expected: .exact(state.version),
                events: decided.map { $0.newEvent(metadata: metadata) },
                claims: decided.flatMap(\.claims), releases: decided.flatMap(\.releases)))
        runner.appended(version: result.streamVersion, now: now())
        for event in decided { log(event, store: state.id) }
    }

    private func log(_ event: StoreEvent, store: StoreID) {
        switch event {
        case .ready: logger.info("store ready", metadata: ["store": "\(store)"])
        case .failed(let failed): logger.info("store failed", metadata: ["store": "\(store)", "reason": "\(failed.reason)"])
        case .compensationFailed(let failed):
            logger.error(
                "compensation failed: needs attention",
                metadata: ["store": "\(store)", "step": "\(failed.step.rawValue)", "error": "\(failed.error)"])
        case .deleted: logger.info("store deleted", metadata: ["store": "\(store)"])
        default: break
        }
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

extension ClusterDriver {
    /// Makes a saga's cluster call.
    public func perform(_ call: SagaCall, for target: StoreTarget) async throws -> [String: String] {
        switch call {
        case .run(let step, _):
            return try await run(step, for: target)
        case .undo(let step, _):
            try await undo(step, for: target)
            return [:]
        case .change(let step, _):
            return try await change(step, for: target)
        }
    }
}
