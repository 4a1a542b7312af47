import EventStore
import Foundation

/// A rollout, folded from its stream. Pure.
public struct RolloutState: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case running
        case paused
        /// Over `maxFailures`: the failed wave is being rolled back.
        case halting
        case succeeded
        case halted
        case aborted

        public var isOpen: Bool { self == .running || self == .paused || self == .halting }
    }

    /// Where one store is in the rollout.
    public enum StorePhase: String, Sendable, Hashable, Codable {
        case pending
        case running
        case succeeded
        case failed
        case rollingBack = "rolling-back"
        case rolledBack = "rolled-back"
        case rollbackFailed = "rollback-failed"
    }

    public struct StoreState: Sendable, Hashable, Codable {
        public let store: StoreID
        public let wave: Int
        public var phase: StorePhase = .pending
        public var operation: String?
        public var reason: String?
        public var changed = false
        public var canary: StoreEvent.HealthChecked.Outcome?
        public var from: StoreConfig?
    }

    public let id: String
    public let request: RolloutEvent.Requested
    public let createdAt: Date
    public var updatedAt: Date
    /// The stores of each wave, in order.
    public let waves: [[StoreID]]
    public var stores: [StoreState]
    /// Where each store is in `stores`.
    private let positions: [StoreID: Int]
    /// Waves started and finished (by index).
    public var startedWaves = 0
    public var finishedWaves = 0
    public var lastWaveFinishedAt: Date?
    public var failures = 0
    public var paused = false
    public var abortRequested = false
    public var halted: RolloutEvent.Halted?
    public var rollbackStarted = false
    public var rollbackFinished = false
    public var completed: RolloutEvent.Completed?
    public var version: Int64 = 0

    public init(_ request: RolloutEvent.Requested, at: Date) {
        id = request.rollout
        self.request = request
        createdAt = at
        updatedAt = at
        var waves: [[StoreID]] = []
        var start = 0
        for size in request.waves {
            let end = min(request.stores.count, start + size)
            if end > start { waves.append(Array(request.stores[start..<end])) }
            start = end
        }
        self.waves = waves
        stores = waves.enumerated().flatMap { index, ids in ids.map { StoreState(store: $0, wave: index) } }
        positions = Dictionary(stores.enumerated().map { ($1.store, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var status: Status {
        if let completed {
            switch completed.outcome {
            case .succeeded: return .succeeded
            case .halted: return .halted
            case .aborted: return .aborted
            }
        }
        if halted != nil { return .halting }
        return paused ? .paused : .running
    }

    /// The wave started and not finished, if any.
    public var waveInProgress: Int? { startedWaves > finishedWaves ? startedWaves - 1 : nil }

    subscript(store: StoreID) -> Int? { positions[store] }

    public static func evolve(_ state: RolloutState?, _ event: RolloutEvent, at: Date) -> RolloutState? {
        if case .requested(let requested) = event { return state ?? RolloutState(requested, at: at) }
        guard var state else { return nil }
        state.apply(event, at: at)
        state.updatedAt = at
        return state
    }

    mutating func apply(_ event: RolloutEvent, at: Date) {
        switch event {
        case .registered, .requested:
            break
        case .waveStarted(let wave):
            startedWaves = max(startedWaves, wave.wave + 1)
            for entry in wave.stores {
                guard let index = self[entry.store] else { continue }
                stores[index].phase = .running
                stores[index].from = entry.from
            }
        case .waveFinished(let wave):
            finishedWaves = max(finishedWaves, wave.wave + 1)
            lastWaveFinishedAt = at
            settle(wave)
        case .storesSettled(let wave):
            settle(wave)
        case .halted(let halted):
            self.halted = halted
        case .rollbackStarted(let wave):
            rollbackStarted = true
            for entry in wave.stores {
                guard let index = self[entry.store] else { continue }
                stores[index].phase = .rollingBack
            }
        case .rollbackFinished(let wave):
            rollbackFinished = true
            settleRollback(wave)
        case .rollbackSettled(let wave):
            settleRollback(wave)
        case .paused:
            paused = true
        case .resumed:
            paused = false
        case .abortRequested:
            abortRequested = true
        case .completed(let completed):
            self.completed = completed
        }
    }

    mutating func settle(_ wave: RolloutEvent.WaveFinished) {
            for result in wave.results {
                guard let index = self[result.store] else { continue }
                stores[index].phase = result.outcome == .succeeded ? .succeeded : .failed
                stores[index].operation = result.operation
                stores[index].reason = result.reason
                stores[index].changed = result.changed
                stores[index].canary = result.canary
                if result.outcome == .failed { failures += 1 }
            }
    }

    mutating func settleRollback(_ wave: RolloutEvent.WaveFinished) {
        for result in wave.results {
            guard let index = self[result.store] else { continue }
            stores[index].phase = result.outcome == .succeeded ? .rolledBack : .rollbackFailed
            if result.outcome == .failed { stores[index].reason = result.reason }
        }
    }

    /// Folds a rollout's stream.
    public static func fold(_ events: [RecordedEvent]) throws -> RolloutState? {
        var state: RolloutState?
        for recorded in events {
            if let event = try RolloutEvent(recorded) { state = evolve(state, event, at: recorded.recordedAt) }
            state?.version = recorded.version
        }
        return state
    }
}
