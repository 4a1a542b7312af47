import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels
import Testing

/// The store's Service keeps subscriptions live across a database restart: the listener
/// reconnects, catches up, and NOTIFY wake-ups flow again. The test runs its own server so that
/// stopping it disturbs no other test.
@Suite("Subscriptions across a server restart", .timeLimit(.minutes(2)))
struct SubscriptionRestartTests {
    @Test func aSubscriptionDeliversEveryEventOnceAcrossAServerRestart() async throws {
        try await LocalPostgres.with { server in
            try await TestDatabase.with(serverURL: server.url) { database in
                let logs = Inbox<String>()
                let readerLogger = Logger(label: "reader") { _ in CapturingLogHandler(inbox: logs) }
                // A minute between polls: within the test's deadlines only a wake-up (NOTIFY, or
                // the catch-up after the listener reconnects) can deliver an event.
                let reader = database.makeStore(pollInterval: .seconds(60), logger: readerLogger)
                // The writer is another process as far as the reader can tell: its own pool and
                // its own Service that sends the NOTIFYs.
                let writerPool = database.makePool(applicationName: "urumi-test-writer")
                let writer = PostgresEventStore(
                    pool: writerPool, logger: TestDatabase.logger, pollInterval: .seconds(60))
                let id = stream()
                var appended: [UUID] = []
                func appendOne() async throws {
                    let next = event("test.restart.v1", #"{"n":\#(appended.count + 1)}"#)
                    let expected: ExpectedVersion = appended.isEmpty ? .noStream : .exact(Int64(appended.count))
                    try await writer.append(to: id, expected: expected, events: [next])
                    appended.append(next.id)
                }

                try await withThrowingTaskGroup(of: Void.self) { services in
                    services.addTask { try await reader.run() }
                    services.addTask { try await writer.run() }
                    defer { services.cancelAll() }

                    try await following(reader.subscribe(after: .start)) { inbox in
                        for _ in 1...5 { try await appendOne() }
                        #expect(
                            try await inbox.waitFor(count: 5, timeout: .seconds(10), "events").map(\.id) == appended)

                        try await server.stop()
                        try await server.start()

                        // Appended at once, possibly before the listener is back: the listener's
                        // catch-up after reconnecting delivers it (its NOTIFY may be lost).
                        try await appendOne()
                        try await inbox.waitFor(count: 6, timeout: .seconds(20), "the event appended after the restart")
                        try await logs.waitUntil(timeout: .seconds(20), "the listener to reconnect") {
                            $0.contains("log listener reconnected")
                        }
                        // One at a time, each awaited: every one of these can only arrive through
                        // a NOTIFY received by the re-established LISTEN.
                        for count in 7...10 {
                            try await appendOne()
                            try await inbox.waitFor(count: count, timeout: .seconds(10), "a NOTIFY-driven delivery")
                        }
                        let delivered = inbox.contents
                        #expect(delivered.map(\.id) == appended, "every event exactly once, in order")
                        #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $0.cursor < $1.cursor })
                    }
                }
                #expect(logs.contents.contains("log listener lost its connection"))
                await writerPool.close()
            }
        }
    }
}
