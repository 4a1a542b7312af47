import EventStore
import Foundation
import Logging
import Synchronization
import Testing

/// The process's one log reader: every consumer gets every event once, in log order, while
/// several writers append at once.
@Suite("Log follower", .timeLimit(.minutes(2)))
struct LogFollowerTests {
    /// Records what it is given; tells when it has seen `expected` events.
    final class Recorder: LogConsumer {
        let seen = Mutex<[RecordedEvent]>([])
        let started = Mutex<LogCursor?>(nil)
        let signal = WakeSignal()

        func followerStarted(after cursor: LogCursor) async {
            started.withLock { $0 = cursor }
        }

        func consume(_ batch: [RecordedEvent]) async {
            #expect(!batch.isEmpty, "a batch is never empty")
            seen.withLock { $0 += batch }
            signal.bump()
        }

        func waitFor(_ count: Int) async {
            while seen.withLock({ $0.count }) < count {
                let generation = signal.generation
                if seen.withLock({ $0.count }) >= count { return }
                await signal.wait(after: generation, timeout: .seconds(1), clock: ContinuousClock())
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyConsumerGetsEveryEventOnceInLogOrder(kind: StoreKind) async throws {
        try await kind.with { store in
            // Some history before the follower starts: it begins after a given cursor.
            var lastBefore = LogCursor.start
            for _ in 0..<5 {
                let result = try await store.append(to: stream("before"), expected: .any, events: [event()])
                lastBefore = result.lastCursor
            }
            // The head is the newest event every reader can see: a transaction running anywhere
            // on the server (another test's database) may hold it back a moment. Start exactly
            // after the history, or the follower delivers part of it as new events.
            var head = try await store.head()
            let deadline = ContinuousClock.now + .seconds(10)
            while head < lastBefore, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
                head = try await store.head()
            }
            let start = head
            #expect(start == lastBefore)
            let consumers = [Recorder(), Recorder(), Recorder()]
            let follower = LogFollower(
                events: store, consumers: consumers, clock: ContinuousClock(), logger: Logger(label: "test"),
                start: { start })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await follower.run() }
                // Four writers, 40 appends each, some of two events.
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<4 {
                        writers.addTask {
                            let name = stream("writer\(writer)")
                            for index in 0..<40 {
                                let events = index % 3 == 0 ? [event(), event()] : [event()]
                                try await store.append(to: name, expected: .any, events: events)
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                let total = 4 * (14 * 2 + 26)
                for consumer in consumers { await consumer.waitFor(total) }
                group.cancelAll()
            }
            let log = try await readAllSettled(store, after: start, count: 4 * (14 * 2 + 26))
            for consumer in consumers {
                #expect(consumer.started.withLock { $0 } == start)
                let seen = consumer.seen.withLock { $0 }
                #expect(seen.map(\.id) == log.map(\.id), "every event once, in log order")
            }
        }
    }
}
