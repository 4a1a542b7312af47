import EventStore
import Foundation

/// Performs a rollout's plan (`RolloutPlanner`): starts each store's operation through the
/// command handler (so each store keeps its own operation history and its own saga), waits
/// for the operations' ends by watching the log (`StoreWatch`), runs the order canary of each
/// store that changed, and records each step on the rollout's stream, fenced on its version.
///
/// Everything it does is safe to do again: store operations are started with idempotency keys
/// derived from the rollout and the wave, so after a crash the same wave is run again and
/// finds the operations it had started (running or finished).
public struct RolloutRunner: Sendable {
    let events: any EventStore
    let commands: StoreCommandHandler
    let health: HealthChecker?
    let watch: StoreWatch
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    /// How many stores are started or checked at once.
    let concurrency: Int
    /// Every this many half-second waits, all pending stores are read anyway (a safety net).
    let fullCheckEvery: Int

    public init(
        events: any EventStore, commands: StoreCommandHandler, health: HealthChecker?, watch: StoreWatch,
        clock: any Clock<Duration>, now: @escaping @Sendable () -> Date = { Date() }, concurrency: Int = 16,
        fullCheckEvery: Int = 10
    ) {
        self.events = events
        self.commands = commands
        self.health = health
        self.watch = watch
        self.clock = clock
        self.now = now
        self.concurrency = max(1, concurrency)
        self.fullCheckEvery = max(1, fullCheckEvery)
    }

    /// Drives the rollout until it ends, is paused, or the task is cancelled.
    public func drive(_ id: String) async throws {
        let stream = RolloutEvent.streamID(id)
        while !Task.isCancelled {
            guard let state = try RolloutState.fold(try await events.readStream(stream)) else { return }
            let metadata = EventMetadata(actor: state.request.by, correlationID: UUID(uuidString: id))
            var event: RolloutEvent
            var before: [RolloutEvent] = []
            switch RolloutPlanner.next(state, now: now()) {
            case .none, .idle:
                return
            case .wait(let until):
                let seconds = min(1, max(0.001, until.timeIntervalSince(now())))
                try await clock.sleep(for: .milliseconds(Int(seconds * 1000)))
                continue
            case .startWave(let wave, let ids):
                event = .waveStarted(.init(wave: wave, stores: ids.map { RolloutEvent.Entry(store: $0, from: nil) }))
            case .runWave(let wave, let ids):
                let results = try await runWave(state, wave: wave, ids: ids, metadata: metadata)
                before = RolloutEvent.results(wave, results, settled: { .storesSettled($0) }, finished: { .waveFinished($0) })
                event = before.removeLast()
            case .halt(let wave, let failures):
                event = .halted(.init(wave: wave, failures: failures, maxFailures: state.request.maxFailures))
            case .startRollback(let wave, let ids):
                event = .rollbackStarted(.init(wave: wave, stores: ids.map { RolloutEvent.Entry(store: $0, from: nil) }))
            case .runRollback(let wave, let ids):
                let results = try await runRollback(state, ids: ids, metadata: metadata)
                before = RolloutEvent.results(wave, results, settled: { .rollbackSettled($0) }, finished: { .rollbackFinished($0) })
                event = before.removeLast()
            case .complete(let outcome):
                let changed = state.stores.filter { $0.phase == .succeeded && $0.changed }.count
                let failed = state.stores.filter { $0.phase == .failed || $0.phase == .rollbackFailed }.count
                event = .completed(.init(outcome: outcome, changed: changed, failed: failed))
            }
            do {
                try await events.append(
                    AppendRequest(
                        stream: stream, expected: .exact(state.version),
                        events: (before + [event]).map { $0.newEvent(metadata: metadata) }))
            } catch EventStoreError.wrongExpectedVersion {
                continue  // paused, resumed or aborted meanwhile: plan again on the new state
            }
        }
    }

    /// How a store's part of a wave (or of its rollback) ended, before its canary.
    enum End: Sendable {
        case done(changed: Bool, operation: String?, failure: String?, state: StoreState?)
        case running(operation: String?)
    }

    func runWave(_ rollout: RolloutState, wave: Int, ids: [StoreID], metadata: EventMetadata) async throws
        -> [RolloutEvent.StoreResult]
    {
        let request = rollout.request
        let key = "rollout-\(rollout.id)-wave-\(wave)"
        let ends = try await settle(ids) { id in
            if request.action == .delete { return await startDeletion(id, metadata: metadata) }
            do {
                let outcome = try await commands.change(
                    id, kind: .update, change: request.change ?? StoreChange(), metadata: metadata, idempotencyKey: key)
                guard let operation = outcome.operation else {
                    return .done(changed: false, operation: nil, failure: nil, state: outcome.state)
                }
                return Self.operationEnd(outcome.state, operation) ?? .running(operation: operation)
            } catch let error as ProvisioningError {
                return .done(changed: false, operation: nil, failure: error.description, state: nil)
            }
        }
        // Each store that changed must pass its canary afterwards.
        return try await forEach(ids) { id in
            guard case .done(let changed, let operation, let failure, let state) = ends[id]! else { fatalError("unsettled") }
            if let failure {
                return .init(store: id, outcome: .failed, operation: operation, reason: failure, changed: false, canary: nil)
            }
            guard request.action == .update, let health, let state else {
                return .init(store: id, outcome: .succeeded, operation: operation, reason: nil, changed: changed, canary: nil)
            }
            let canary = await canary(state, health: health, rollout: rollout.id, metadata: metadata)
            return .init(
                store: id, outcome: canary.passed ? .succeeded : .failed, operation: operation,
                reason: canary.passed ? nil : "order canary failed: \(canary.reason)", changed: changed,
                canary: canary.passed ? .passed : .failed)
        }
    }

    func runRollback(_ rollout: RolloutState, ids: [StoreID], metadata: EventMetadata) async throws -> [RolloutEvent.StoreResult] {
        let key = "rollout-\(rollout.id)-rollback"
        let operations = Dictionary(uniqueKeysWithValues: rollout.stores.map { ($0.store, $0.operation) })
        let ends = try await settle(ids) { id in
            do {
                guard let operation = operations[id] ?? nil, let from = try await configBefore(operation, of: id) else {
                    return .done(changed: false, operation: nil, failure: "the rollout's operation is not on the store's stream", state: nil)
                }
                let outcome = try await commands.revert(id, to: from, metadata: metadata, key: key)
                guard let reverting = outcome.operation else {
                    return .done(changed: false, operation: nil, failure: nil, state: outcome.state)
                }
                return Self.operationEnd(outcome.state, reverting) ?? .running(operation: reverting)
            } catch let error as ProvisioningError {
                return .done(changed: false, operation: nil, failure: error.description, state: nil)
            }
        }
        return ids.map { id in
            guard case .done(let changed, let operation, let failure, _) = ends[id]! else { fatalError("unsettled") }
            return .init(
                store: id, outcome: failure == nil ? .succeeded : .failed, operation: operation, reason: failure, changed: changed,
                canary: nil)
        }
    }

    /// The config a store had before `operation` (from the operation's request on its stream).
    func configBefore(_ operation: String, of id: StoreID) async throws -> StoreConfig? {
        for recorded in try await events.readStream(id.streamID).reversed() where recorded.type == StoreEvent.Kind.changeRequested.rawValue {
            if case .changeRequested(let requested)? = try StoreEvent(recorded), requested.operation == operation {
                return requested.from
            }
        }
        return nil
    }

    func startDeletion(_ id: StoreID, metadata: EventMetadata) async -> End {
        do {
            let outcome = try await commands.delete(id, metadata: metadata)
            return Self.deletionEnd(outcome.state) ?? .running(operation: nil)
        } catch {
            // Refused (already deleted or being deleted, say): the store's state says.
            guard let state = try? await StoreProjection.load(id, from: events, vault: commands.vault) else {
                return .done(changed: false, operation: nil, failure: "\(error)", state: nil)
            }
            if state.status == .deleting { return .running(operation: nil) }
            return Self.deletionEnd(state) ?? .done(changed: false, operation: nil, failure: "\(error)", state: state)
        }
    }

    static func deletionEnd(_ state: StoreState) -> End? {
        if state.status == .deleted { return .done(changed: true, operation: nil, failure: nil, state: state) }
        if state.status == .failed && state.needsAttention {
            return .done(changed: false, operation: nil, failure: state.failureReason ?? "deletion failed", state: state)
        }
        return nil
    }

    /// How `operation` ended on the store, or nil while it runs.
    static func operationEnd(_ state: StoreState, _ operation: String) -> End? {
        if state.operation?.id == operation { return nil }
        guard let record = state.operations.last(where: { $0.id == operation }) else {
            return .done(changed: false, operation: operation, failure: "operation \(operation) is not on the store", state: state)
        }
        if record.outcome == .succeeded { return .done(changed: true, operation: operation, failure: nil, state: state) }
        return .done(
            changed: false, operation: operation,
            failure: "operation \(record.outcome.rawValue): \(record.reason ?? "no reason recorded")", state: state)
    }

    /// Starts every store, then waits until every store's operation has ended.
    func settle(_ ids: [StoreID], start: @escaping @Sendable (StoreID) async throws -> End) async throws -> [StoreID: End] {
        watch.watch(ids)
        defer { watch.unwatch(ids) }
        var generation = watch.signal.generation
        var ends = Dictionary(uniqueKeysWithValues: zip(ids, try await forEach(ids, start)))
        var pending = Set(ends.filter { if case .running = $0.value { true } else { false } }.keys)
        var rounds = 0
        while !pending.isEmpty {
            try Task.checkCancellation()
            await watch.signal.wait(after: generation, timeout: .milliseconds(500), clock: clock)
            generation = watch.signal.generation
            var check = watch.take(pending)
            rounds += 1
            if rounds % fullCheckEvery == 0 { check = pending }
            let current = ends
            let list = Array(check)
            let checked = try await forEach(list) { id -> End? in
                guard let state = try await StoreProjection.load(id, from: events, vault: commands.vault) else {
                    return .done(changed: false, operation: nil, failure: "store \(id) not found", state: nil)
                }
                guard case .running(let operation) = current[id]! else { return nil }
                if let operation { return Self.operationEnd(state, operation) }
                return Self.deletionEnd(state)
            }
            for (id, end) in zip(list, checked) {
                guard let end else { continue }
                ends[id] = end
                pending.remove(id)
            }
        }
        return ends
    }

    /// The canary after a change, with a few tries when the cluster cannot run it.
    func canary(_ state: StoreState, health: HealthChecker, rollout: String, metadata: EventMetadata) async -> (
        passed: Bool, reason: String
    ) {
        var state = state
        for attempt in 1...3 {
            do {
                let report = try await health.check(state, metadata: metadata, rollout: rollout)
                return (report.result.passed, [report.result.failedStep, report.result.reason].compactMap { $0 }.joined(separator: ": "))
            } catch ProvisioningError.clusterUnavailable(let reason) where attempt < 3 {
                _ = reason
                try? await clock.sleep(for: .milliseconds(200 * attempt))
                if let fresh = try? await StoreProjection.load(state.id, from: events, vault: commands.vault) { state = fresh }
            } catch {
                return (false, "the canary could not run: \(error)")
            }
        }
        return (false, "the canary could not run")
    }

    /// Runs `body` for each of `ids`, `concurrency` at a time; results in the order of `ids`.
    func forEach<T: Sendable>(_ ids: [StoreID], _ body: @escaping @Sendable (StoreID) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: ids.count)
            var next = 0
            func add() {
                guard next < ids.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await body(ids[index])) }
            }
            for _ in 0..<concurrency { add() }
            while let (index, value) = try await group.next() {
                results[index] = value
                add()
            }
            return results.map { $0! }
        }
    }
}
