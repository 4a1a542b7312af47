import Foundation
import Synchronization

/// An event store in memory: for tests and for the pure parts of the system that need a log.
/// Same contract as the PostgreSQL store (the conformance suite runs against both).
public final class InMemoryEventStore: EventStore {
    private struct Idempotency {
        var fingerprint: String?
        var result: AppendResult
    }

    private struct State {
        var log: [RecordedEvent] = []
        var streams: [StreamID: [Int]] = [:]
        var byEventID: [UUID: Int] = [:]
        var claims: [String: StreamID] = [:]
        var keys: [String: Idempotency] = [:]
        var nextTransaction: UInt64 = 1
        var nextPosition: Int64 = 1
    }

    private let state = Mutex(State())
    private let signal = WakeSignal()
    private let now: @Sendable () -> Date
    private let clock: any Clock<Duration>

    public init(clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init) {
        self.clock = clock
        self.now = now
    }

    public func append(_ request: AppendRequest) async throws -> AppendResult {
        try EventLimits.validate(request)
        let result = try state.withLock { state throws(EventStoreError) -> AppendResult in
            try Self.append(request, to: &state, at: now())
        }
        if !result.replayed { signal.bump() }
        return result
    }

    private static func append(_ request: AppendRequest, to state: inout State, at now: Date) throws(EventStoreError)
        -> AppendResult
    {
        let stream = request.stream
        if let key = request.idempotencyKey, let earlier = state.keys[key] {
            guard earlier.fingerprint == request.fingerprint, earlier.result.stream == stream else {
                throw .idempotencyKeyReused(key: key)
            }
            return replay(earlier.result)
        }
        let known = request.events.compactMap { state.byEventID[$0.id] }
        if !known.isEmpty {
            let stored = known.map { state.log[$0] }
            guard known.count == request.events.count, stored.allSatisfy({ $0.streamID == stream }) else {
                throw .duplicateEventIDs(stream: stream.rawValue)
            }
            let versions = stored.map(\.version)
            return AppendResult(
                stream: stream, streamVersion: versions.max()!, firstCursor: stored.first!.cursor,
                lastCursor: stored.last!.cursor, replayed: true)
        }
        let current = state.streams[stream].map { Int64($0.count) }
        switch request.expected {
        case .any: break
        case .noStream where current != nil:
            throw .wrongExpectedVersion(stream: stream.rawValue, expected: request.expected, actual: current)
        case .exact(let version) where current != version:
            throw .wrongExpectedVersion(stream: stream.rawValue, expected: request.expected, actual: current)
        default: break
        }
        for claim in request.claims {
            if let owner = state.claims[claim], owner != stream {
                throw .claimTaken(claim: claim, heldBy: owner.rawValue)
            }
        }
        for claim in request.releases where state.claims[claim] == stream {
            state.claims[claim] = nil
        }
        for claim in request.claims { state.claims[claim] = stream }

        let transaction = state.nextTransaction
        state.nextTransaction += 1
        var version = current ?? 0
        var cursors: [LogCursor] = []
        for event in request.events {
            version += 1
            let cursor = LogCursor(transactionID: transaction, position: state.nextPosition)
            state.nextPosition += 1
            let recorded = RecordedEvent(
                id: event.id, streamID: stream, version: version, cursor: cursor, type: event.type,
                data: event.data, metadata: event.metadata, recordedAt: now)
            state.byEventID[event.id] = state.log.count
            state.streams[stream, default: []].append(state.log.count)
            state.log.append(recorded)
            cursors.append(cursor)
        }
        let result = AppendResult(
            stream: stream, streamVersion: version, firstCursor: cursors.first!, lastCursor: cursors.last!,
            replayed: false)
        if let key = request.idempotencyKey {
            state.keys[key] = Idempotency(fingerprint: request.fingerprint, result: result)
        }
        return result
    }

    private static func replay(_ result: AppendResult) -> AppendResult {
        AppendResult(
            stream: result.stream, streamVersion: result.streamVersion, firstCursor: result.firstCursor,
            lastCursor: result.lastCursor, replayed: true)
    }

    public func readStream(_ stream: StreamID, fromVersion: Int64, limit: Int) async throws -> [RecordedEvent] {
        state.withLock { state in
            let indices = state.streams[stream] ?? []
            let start = max(0, Int(fromVersion) - 1)
            guard start < indices.count else { return [] }
            return indices[start..<min(indices.count, start + limit)].map { state.log[$0] }
        }
    }

    public func readAll(after cursor: LogCursor, limit: Int) async throws -> [RecordedEvent] {
        state.withLock { state in
            // The log is in cursor order; binary search for the first event after `cursor`.
            var low = 0
            var high = state.log.count
            while low < high {
                let mid = (low + high) / 2
                if state.log[mid].cursor <= cursor { low = mid + 1 } else { high = mid }
            }
            return Array(state.log[low..<min(state.log.count, low + limit)])
        }
    }

    public func head() async throws -> LogCursor {
        state.withLock { $0.log.last?.cursor ?? .start }
    }

    public func claimOwner(_ claim: String) async throws -> StreamID? {
        state.withLock { $0.claims[claim] }
    }

    public func subscribe(after cursor: LogCursor) -> EventSubscription {
        EventSubscription(after: cursor, signal: signal, pollInterval: .seconds(5), clock: clock) { [weak self] cursor, limit in
            try await self?.readAll(after: cursor, limit: limit) ?? []
        }
    }
}
