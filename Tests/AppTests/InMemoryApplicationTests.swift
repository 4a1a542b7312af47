import EventStore
import Foundation
import HummingbirdTesting
import Provisioning
import UrumiApp
import Simulator
import TestSupport
import Testing

/// The whole application in process over in-memory dependencies: the same routes, log
/// follower, projection, saga runtime and simulated cluster as `urumi serve`, no database.
@Suite("The application in memory", .timeLimit(.minutes(1)))
struct InMemoryApplicationTests {
    @Test func aStoreIsProvisionedAndListedWithoutADatabase() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await client.createStore(domain: "memory.example.com")
            let ready = try await app.event("store.ready.v1", of: id)
            // Read-your-writes: the read model answers once it has reached the event.
            let shown = try await client.json(.get, "/stores/\(id)?min_position=\(ready.cursor)")
            #expect(shown.status == 200)
            #expect(shown.body["status"] as? String == "ready")
            #expect((shown.body["urls"] as? [String: Any])?["shop"] as? String == "https://memory.example.com/")
            let list = try await client.json(.get, "/stores?status=ready")
            #expect((list.body["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        }
    }

    @Test func badInputIsAProblemAndWritesNothing() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let refused = try await client.json(.post, "/stores", ["name": "", "domain": "x", "plan": "huge"])
            #expect(refused.status == 422)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let fields = (refused.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields).isSuperset(of: ["name", "domain", "plan"]))
            #expect(try await app.dependencies.events.head() == .start, "nothing was appended")
        }
    }

    /// Deadlines that tell the steps apart on the manual clock.
    static let saga = SagaCoordinator.Configuration(
        policy: SagaPolicy(deadlines: [
            .namespace: .seconds(61), .helm: .seconds(301), .mysql: .seconds(601), .wordpress: .seconds(777),
            .woocommerce: .seconds(901),
        ]),
        pollInterval: .seconds(1))

    @Test func aDeletionInterruptsAHangingStepAndTearsDown() async throws {
        let clock = ManualClock()
        let app = InMemoryApp(
            clock: clock, now: { clock.date }, simulation: SimulationSettings(latency: .zero, hangs: ["wordpress": 1]),
            saga: Self.saga)
        try await app.run { client in
            let id = try await client.createStore(domain: "hang.example.com")
            // The wordpress step is running: its deadline (777 s) is scheduled on the clock.
            await clock.sleepScheduled(until: .seconds(777))
            let deleted = try await client.json(.delete, "/stores/\(id)")
            #expect(deleted.status == 202)
            // No time passes: the deletion interrupts the call, the teardown runs at once.
            _ = try await app.event("store.deleted.v1", of: id)
            #expect(clock.now.offset == .zero)
            let types = try await app.types(of: id)
            #expect(
                types.suffix(5) == [
                    "store.deletion-requested.v1", "store.compensation-started.v1", "store.step-compensated.v1",
                    "store.step-compensated.v1", "store.deleted.v1",
                ])
        }
    }

    @Test func aHangingStepFailsAtItsDeadlineOnTheClockAndIsUndone() async throws {
        let clock = ManualClock()
        let app = InMemoryApp(
            clock: clock, now: { clock.date }, simulation: SimulationSettings(latency: .zero, hangs: ["mysql": 1]),
            saga: Self.saga)
        try await app.run { client in
            let id = try await client.createStore(domain: "deadline.example.com")
            await clock.sleepScheduled(until: .seconds(601))
            // One second short of the deadline nothing has failed yet.
            clock.advance(by: .seconds(600))
            #expect(try await !app.types(of: id).contains("store.step-failed.v1"))
            clock.advance(by: .seconds(1))
            let failed = try await app.event("store.failed.v1", of: id)
            #expect(failed.data.contains("deadline of 601s passed"))
            let shown = try await client.json(.get, "/stores/\(id)?min_position=\(failed.cursor)")
            #expect(shown.body["status"] as? String == "failed")
            #expect(shown.body["failedStep"] as? String == "mysql")
            let steps = (shown.body["steps"] as? [[String: Any]] ?? []).map { "\($0["name"]!) \($0["status"]!)" }
            #expect(steps == ["namespace compensated", "helm compensated", "mysql compensated", "wordpress pending", "woocommerce pending"])
        }
    }
}

/// Retries wait their backoff on the injected clock, not in real time.
@Suite("Retries on the manual clock", .timeLimit(.minutes(1)))
struct RetryClockTests {
    /// `--sim-flaky` fails like a cluster that answers with an error: the budget applies. An
    /// unreachable simulated cluster is waited for instead (`SagaFaultTests.anUnreachableClusterIsWaitedFor...`).
    @Test func aTransientFailureWaitsItsBackoffOnTheClockThenGivesUp() async throws {
        let clock = ManualClock()
        var saga = InMemoryApplicationTests.saga
        saga.policy.retry = RetryPolicy(baseDelay: .seconds(4), maxDelay: .seconds(60), maxAttempts: 2)
        let app = InMemoryApp(
            clock: clock, now: { clock.date }, simulation: SimulationSettings(latency: .zero, flaky: ["helm": 1]),
            saga: saga)
        try await app.run { client in
            let id = try await client.createStore(domain: "flaky.example.com")
            let first = try await app.event("store.step-failed.v1", of: id)
            // Random 0.5 (injected) of a 4 s ceiling: the next attempt is due 2 s later.
            #expect(first.data.contains(#""retryable":true"#))
            #expect(first.data.contains(StoreEvent.formatDate(clock.origin.addingTimeInterval(2))))
            // One poll (1 s) later it is not due yet: still one attempt.
            await clock.sleepScheduled(until: .seconds(1))
            clock.advance(by: .seconds(1))
            await clock.sleepScheduled(until: .seconds(2))
            let helmStarts = try await app.dependencies.events.readStream(StreamID("store-\(id)"))
                .filter { $0.type == "store.step-started.v1" && $0.data.contains(#""step":"helm""#) }
            #expect(helmStarts.count == 1)
            // The next poll finds it due: the second attempt fails for good and is undone.
            clock.advance(by: .seconds(1))
            let failed = try await app.event("store.failed.v1", of: id)
            #expect(failed.data.contains("gave up after 2 attempts"))
            let second = try await app.dependencies.events.readStream(StreamID("store-\(id)"))
                .filter { $0.type == "store.step-started.v1" && $0.data.contains(#""step":"helm""#) }.last
            #expect(second?.recordedAt == clock.origin.addingTimeInterval(2), "the retry ran at its due time on the clock")
        }
    }
}

/// `GET /stores/{id}` is never 404 for a store in the log, however far behind the read model is.
@Suite("Reading a store the read model has not reached", .timeLimit(.minutes(1)))
struct ReadModelLagTests {
    /// Takes the log follower's batches and drops them: a store list that never moves.
    struct Stalled: LogConsumer {
        func consume(_ batch: [RecordedEvent]) async {}
    }

    @Test func aStoreMissingFromTheReadModelIsAnsweredFromItsStream() async throws {
        var dependencies = Dependencies.inMemory()
        dependencies.projection = Stalled()
        let application = buildApplication(
            dependencies, settings: ApplicationSettings(authenticate: false), logger: InMemoryApp.logger)
        try await application.test(.router) { client in
            let id = try await client.createStore(domain: "lagging.example.com")
            let list = try await client.json(.get, "/stores")
            #expect((list.body["items"] as? [[String: Any]])?.isEmpty == true, "the store list has not moved")
            let shown = try await client.json(.get, "/stores/\(id)")
            #expect(shown.status == 200, "\(shown.body)")
            #expect(shown.body["id"] as? String == id)
            #expect(shown.body["domain"] as? String == "lagging.example.com")
            let unknown = try await client.json(.get, "/stores/\(UUID().uuidString.lowercased())")
            #expect(unknown.status == 404)
        }
    }
}
