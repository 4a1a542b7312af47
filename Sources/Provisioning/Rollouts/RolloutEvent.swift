import EventStore
import Foundation

/// Everything that happens to a rollout, on its stream `rollout-<id>` (and the index entry on
/// the stream `rollouts` that lets a process find every rollout again).
public enum RolloutEvent: Sendable, Hashable {
    case registered(Registered)
    case requested(Requested)
    case waveStarted(WaveStarted)
    case waveFinished(WaveFinished)
    /// Results of some of a wave's stores, written just before `waveFinished` in the same
    /// append when a wave's results do not fit one event (64 KiB).
    case storesSettled(WaveFinished)
    case halted(Halted)
    case rollbackStarted(WaveStarted)
    case rollbackFinished(WaveFinished)
    /// As `storesSettled`, for a rollback's results.
    case rollbackSettled(WaveFinished)
    case paused(ByActor)
    case resumed(ByActor)
    case abortRequested(ByActor)
    case completed(Completed)

    /// What a rollout does to each store.
    public enum Action: String, Sendable, Hashable, Codable {
        /// The same change as `PATCH /stores/{id}`: an `update` operation per store.
        case update
        /// The store's deletion (`DELETE /stores/{id}`), many stores at once.
        case delete
    }

    /// Which stores a rollout was asked for (kept for the record; `stores` is what it resolved to).
    public struct Selector: Sendable, Hashable, Codable {
        public var plan: Plan?
        public var status: StoreStatus?
        public var ids: [StoreID]?

        public init(plan: Plan? = nil, status: StoreStatus? = nil, ids: [StoreID]? = nil) {
            self.plan = plan
            self.status = status
            self.ids = ids
        }
    }

    public struct Registered: Sendable, Hashable, Codable {
        public let rollout: String
    }

    public struct Requested: Sendable, Hashable, Codable {
        public let rollout: String
        public let action: Action
        public let change: StoreChange?
        public let selector: Selector
        /// The stores, in the order the waves take them.
        public let stores: [StoreID]
        /// How many stores each wave takes (the first wave takes the first `waves[0]`, ...).
        public let waves: [Int]
        /// The waves as asked (`1`, `"10%"`, ...), for the record.
        public let waveSpec: [String]
        public let maxFailures: Int
        public let pauseBetweenMs: Int
        public let by: String
    }

    public struct Entry: Sendable, Hashable, Codable {
        public let store: StoreID
        /// The store's config before the wave (what a rollback returns it to); nil for a deletion.
        public let from: StoreConfig?

        public init(store: StoreID, from: StoreConfig?) {
            self.store = store
            self.from = from
        }
    }

    public struct WaveStarted: Sendable, Hashable, Codable {
        public let wave: Int
        public let stores: [Entry]
    }

    public struct StoreResult: Sendable, Hashable, Codable {
        public enum Outcome: String, Sendable, Hashable, Codable {
            /// The change succeeded (or changed nothing) and the canary passed afterwards.
            case succeeded
            /// The change failed, was refused, or the canary failed afterwards.
            case failed
        }

        public let store: StoreID
        public let outcome: Outcome
        /// The operation the rollout started on the store (nil when nothing had to change).
        public let operation: String?
        public let reason: String?
        /// Whether the change itself succeeded (a failed canary fails the store after a good change).
        public let changed: Bool
        public let canary: StoreEvent.HealthChecked.Outcome?

        public init(
            store: StoreID, outcome: Outcome, operation: String?, reason: String?, changed: Bool,
            canary: StoreEvent.HealthChecked.Outcome?
        ) {
            self.store = store
            self.outcome = outcome
            self.operation = operation
            self.reason = reason
            self.changed = changed
            self.canary = canary
        }
    }

    public struct WaveFinished: Sendable, Hashable, Codable {
        public let wave: Int
        public let results: [StoreResult]
    }

    public struct Halted: Sendable, Hashable, Codable {
        public let wave: Int
        public let failures: Int
        public let maxFailures: Int
    }

    public struct ByActor: Sendable, Hashable, Codable {
        public let by: String
    }

    public struct Completed: Sendable, Hashable, Codable {
        public enum Outcome: String, Sendable, Hashable, Codable {
            case succeeded
            /// Stopped over `maxFailures`, the failed wave rolled back.
            case halted
            case aborted
        }
        public let outcome: Outcome
        public let changed: Int
        public let failed: Int
    }

    public enum Kind: String, CaseIterable, Sendable {
        case registered = "rollout.registered.v1"
        case requested = "rollout.requested.v1"
        case waveStarted = "rollout.wave-started.v1"
        case waveFinished = "rollout.wave-finished.v1"
        case storesSettled = "rollout.stores-settled.v1"
        case halted = "rollout.halted.v1"
        case rollbackStarted = "rollout.rollback-started.v1"
        case rollbackFinished = "rollout.rollback-finished.v1"
        case rollbackSettled = "rollout.rollback-settled.v1"
        case paused = "rollout.paused.v1"
        case resumed = "rollout.resumed.v1"
        case abortRequested = "rollout.abort-requested.v1"
        case completed = "rollout.completed.v1"
    }

    public var kind: Kind {
        switch self {
        case .registered: .registered
        case .requested: .requested
        case .waveStarted: .waveStarted
        case .waveFinished: .waveFinished
        case .storesSettled: .storesSettled
        case .halted: .halted
        case .rollbackStarted: .rollbackStarted
        case .rollbackFinished: .rollbackFinished
        case .rollbackSettled: .rollbackSettled
        case .paused: .paused
        case .resumed: .resumed
        case .abortRequested: .abortRequested
        case .completed: .completed
        }
    }

    public static let knownTypes: [String] = Kind.allCases.map(\.rawValue)

    /// Most stores one rollout takes (its request lists them in one event of at most 64 KiB).
    public static let storeLimit = 1500
    /// Most store results one event carries.
    static let resultsPerEvent = 200

    /// A wave's (or a rollback's) results as events that each fit the event size limit: chunks
    /// as `settled`, the last one as `finished`.
    static func results(
        _ wave: Int, _ results: [StoreResult], settled: (WaveFinished) -> RolloutEvent, finished: (WaveFinished) -> RolloutEvent
    ) -> [RolloutEvent] {
        var chunks = stride(from: 0, to: results.count, by: resultsPerEvent).map {
            Array(results[$0..<min(results.count, $0 + resultsPerEvent)])
        }
        let last = chunks.popLast() ?? []
        return chunks.map { settled(WaveFinished(wave: wave, results: $0)) } + [finished(WaveFinished(wave: wave, results: last))]
    }

    /// The stream of one rollout.
    public static func streamID(_ rollout: String) -> StreamID { try! StreamID("rollout-\(rollout)") }
    /// The index of every rollout (one `rollout.registered.v1` each).
    public static let indexStream = try! StreamID("rollouts")

    public func newEvent(metadata: EventMetadata) -> NewEvent {
        let encoder = StoreEvent.encoder
        let data: Data
        switch self {
        case .registered(let p): data = try! encoder.encode(p)
        case .requested(let p): data = try! encoder.encode(p)
        case .waveStarted(let p), .rollbackStarted(let p): data = try! encoder.encode(p)
        case .waveFinished(let p), .rollbackFinished(let p), .storesSettled(let p), .rollbackSettled(let p):
            data = try! encoder.encode(p)
        case .halted(let p): data = try! encoder.encode(p)
        case .paused(let p), .resumed(let p), .abortRequested(let p): data = try! encoder.encode(p)
        case .completed(let p): data = try! encoder.encode(p)
        }
        return NewEvent(type: kind.rawValue, data: String(decoding: data, as: UTF8.self), metadata: metadata)
    }

    /// Decodes a recorded event; nil for a type that is not a rollout event.
    public init?(_ recorded: RecordedEvent) throws {
        guard let kind = Kind(rawValue: recorded.type) else { return nil }
        let data = Data(recorded.data.utf8)
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try StoreEvent.decoder.decode(T.self, from: data) }
        switch kind {
        case .registered: self = .registered(try decode(Registered.self))
        case .requested: self = .requested(try decode(Requested.self))
        case .waveStarted: self = .waveStarted(try decode(WaveStarted.self))
        case .waveFinished: self = .waveFinished(try decode(WaveFinished.self))
        case .storesSettled: self = .storesSettled(try decode(WaveFinished.self))
        case .halted: self = .halted(try decode(Halted.self))
        case .rollbackStarted: self = .rollbackStarted(try decode(WaveStarted.self))
        case .rollbackFinished: self = .rollbackFinished(try decode(WaveFinished.self))
        case .rollbackSettled: self = .rollbackSettled(try decode(WaveFinished.self))
        case .paused: self = .paused(try decode(ByActor.self))
        case .resumed: self = .resumed(try decode(ByActor.self))
        case .abortRequested: self = .abortRequested(try decode(ByActor.self))
        case .completed: self = .completed(try decode(Completed.self))
        }
    }
}
