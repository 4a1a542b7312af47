import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels
import Synchronization

/// Commit → subscriber latency: a writer appends one event at a time at a steady rate while a
/// subscriber follows the log, both stores running their Service (LISTEN/NOTIFY).
///
/// `crossProcess`: the writer and the reader are separate stores with their own pools, so the
/// only wake-up is the writer's NOTIFY reaching the reader's LISTEN (another replica, or the
/// SSE broadcaster of another process). Otherwise one store does both, and its local wake-up
/// serves the subscriber.
///
/// The commit time is taken when `append` returns, so a latency is what the subscriber adds
/// after the writer learned of its commit (a same-process delivery can beat that: clamped at 0).
func deliveryLatencies(
    database: BenchDatabase, rate: Double, duration: Duration, crossProcess: Bool, logger: Logger
) async throws -> [Double] {
    let writerPool = database.makePool(maxConnections: 2, logger: logger)
    let readerPool = crossProcess ? database.makePool(maxConnections: 2, logger: logger) : writerPool
    do {
        let latencies = try await measure(
            writerPool: writerPool, readerPool: readerPool, rate: rate, duration: duration,
            crossProcess: crossProcess, logger: logger)
        await writerPool.close()
        await readerPool.close()
        return latencies
    } catch {
        await writerPool.close()
        await readerPool.close()
        throw error
    }
}

private func measure(
    writerPool: PostgresPool, readerPool: PostgresPool, rate: Double, duration: Duration, crossProcess: Bool,
    logger: Logger
) async throws -> [Double] {
    let writer = PostgresEventStore(pool: writerPool, logger: logger)
    let reader = crossProcess ? PostgresEventStore(pool: readerPool, logger: logger) : writer
    let count = Int(rate * duration.seconds)
    let interval = Duration.seconds(1 / rate)
    let stream = try StreamID("latency-\(UUID().uuidString.lowercased())")
    let start = try await reader.head()

    return try await withThrowingTaskGroup(of: [Double]?.self) { group in
        group.addTask {
            try await writer.run()
            return nil
        }
        if crossProcess {
            group.addTask {
                try await reader.run()
                return nil
            }
        }
        let committed = Clocked()
        group.addTask {
            var latencies: [Double] = []
            var arrivals: [(UUID, ContinuousClock.Instant)] = []
            for try await event in reader.subscribe(after: start) {
                arrivals.append((event.id, ContinuousClock.now))
                if arrivals.count == count { break }
            }
            // Every commit time is known once the writer is done; wait for it.
            await committed.waitUntil(count: count)
            for (id, arrived) in arrivals {
                guard let at = committed.time(of: id) else { continue }
                latencies.append(max(0, (arrived - at).seconds * 1000))
            }
            return latencies
        }
        group.addTask {
            let begin = ContinuousClock.now
            for index in 0..<count {
                try await Task.sleep(until: begin + interval * index, clock: .continuous)
                let event = NewEvent(type: BenchEvent.type, data: BenchEvent.data, metadata: BenchEvent.metadata)
                try await writer.append(
                    to: stream, expected: index == 0 ? .noStream : .exact(Int64(index)), events: [event])
                committed.record(event.id, at: ContinuousClock.now)
            }
            return nil
        }
        let timeout = duration + .seconds(30)
        group.addTask {
            try await Task.sleep(for: timeout)
            throw BenchError.timedOut("the subscriber did not receive \(count) events within \(timeout)")
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let latencies = result { return latencies }
        }
        throw BenchError.timedOut("the measurement ended without a result")
    }
}

/// Commit times by event id, filled by the writer and read by the subscriber.
final class Clocked: Sendable {
    private let state = Locked<[UUID: ContinuousClock.Instant]>([:])
    private let signal = WakeSignal()

    func record(_ id: UUID, at instant: ContinuousClock.Instant) {
        state.withLock { $0[id] = instant }
        signal.bump()
    }

    func time(of id: UUID) -> ContinuousClock.Instant? { state.withLock { $0[id] } }

    func waitUntil(count: Int) async {
        while !Task.isCancelled {
            let seen = signal.generation
            if state.withLock({ $0.count }) >= count { return }
            await signal.wait(after: seen, timeout: .seconds(1), clock: ContinuousClock())
        }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case timedOut(String)
    case unexpected(String)

    var description: String {
        switch self {
        case .timedOut(let what), .unexpected(let what): what
        }
    }
}

/// A value behind a lock that tasks can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout sending Value) throws -> T) rethrows -> T {
        try mutex.withLock { try body(&$0) }
    }
}
