import EventStore
import Foundation
import Logging
import Provisioning
import Synchronization
import TestSupport
import Testing
import UrumiApp

/// The coordinator's leases against a queue whose release the test holds: a saga that has
/// ended is not leased again by its own replica until its lease is given back, so that release
/// can never delete the lease of a newer run (whose renewal would then find it lost and stop
/// it mid-step: the attempt started twice that `flakyStepsAreRetriedUntilEveryStoreIsReady`
/// caught on a loaded machine).
@Suite("Saga leases and their release", .timeLimit(.minutes(1)))
struct SagaLeaseReleaseTests {
    @Test func anEndedSagaIsNotLeasedAgainWhileItsReleaseIsInFlight() async throws {
        let clock = ManualClock()
        let dependencies = Dependencies.inMemory(clock: clock, now: { clock.date })
        let id = StoreID(UUID())
        let queue = HeldReleaseQueue(id: id)
        let coordinator = SagaCoordinator(
            events: dependencies.events, vault: dependencies.vault, queue: queue, driver: dependencies.driver,
            configuration: .init(pollInterval: .seconds(1), owner: "replica-a"), logger: Logger(label: "urumi.test"),
            clock: clock, now: { clock.date })
        let running = Task { try await coordinator.run() }
        var calls = queue.calls.makeAsyncIterator()

        // The saga is leased and run (its stream is empty: the run ends at once), then its
        // lease is given back; the test holds that release.
        #expect(await calls.next() == .leaseDue(excluding: [], leased: true))
        #expect(await calls.next() == .releaseStarted)
        // Meanwhile the queue changes (the projector caught up) and the leasing loop looks
        // again. The queue still shows the saga due (a stale row) and the lease is this
        // replica's own: only `excluding` keeps the loop from starting a second run.
        queue.changes.bump()
        let next = await calls.next()
        #expect(next == .leaseDue(excluding: [id], leased: false), "leased again while its release was in flight")

        queue.openReleases()
        running.cancel()
        try? await running.value
    }
}

/// One store, always due (as a queue row the projector has not caught up with), leased like
/// `PostgresSagaQueue` (free, expired, or already this owner's); each release waits until the
/// test opens them.
private final class HeldReleaseQueue: SagaQueue {
    enum Call: Equatable, Sendable {
        case leaseDue(excluding: Set<StoreID>, leased: Bool)
        case releaseStarted
    }

    let id: StoreID
    let changes = WakeSignal()
    let calls: AsyncStream<Call>
    private let record: AsyncStream<Call>.Continuation
    private let owner = Mutex<String?>(nil)
    private let opened = WakeSignal()

    init(id: StoreID) {
        self.id = id
        (calls, record) = AsyncStream.makeStream()
    }

    func leaseDue(owner: String, limit: Int, ttl: Duration, excluding: Set<StoreID>) async throws -> [SagaLease] {
        let leased = self.owner.withLock { holder -> Bool in
            guard !excluding.contains(id), holder == nil || holder == owner else { return false }
            holder = owner
            return true
        }
        record.yield(.leaseDue(excluding: excluding, leased: leased))
        return leased ? [SagaLease(id: id, version: 0)] : []
    }

    func renew(_ ids: Set<StoreID>, owner: String, ttl: Duration) async throws -> Set<StoreID> {
        self.owner.withLock { $0 == owner } ? ids.subtracting([id]) : ids
    }

    func release(_ id: StoreID, owner: String) async throws {
        record.yield(.releaseStarted)
        await opened.wait(after: 0, timeout: .seconds(3600), clock: ContinuousClock())
        self.owner.withLock { if $0 == owner { $0 = nil } }
    }

    func openReleases() { opened.bump() }
}
