import EventStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs sagas: leases due stores from the queue, drives each with a `SagaRunner` over its
/// `SagaPlan`, calls the cluster, and records every transition on the store's stream. As a
/// `LogConsumer` it sees the log (from the process's one `LogFollower`) and interrupts a
/// running saga when its plan says an event from elsewhere must stop the current call.
///
/// It keeps no saga state of its own: each saga is loaded from its stream, and every append
/// carries the expected stream version, so a stale owner (lease lost, replica paused) is
/// fenced off and a crash loses nothing: the next owner resumes from the last event.
public final class SagaCoordinator: Service, LogConsumer {
    public struct Configuration: Sendable {
        /// Sagas run at once by this process; beyond it, due sagas wait in the queue.
        public var concurrency: Int
        public var policy: SagaPolicy
        public var leaseTTL: Duration
        /// Safety-net poll of the queue (due retries, leases of dead replicas).
        public var pollInterval: Duration
        /// This replica's name in leases.
        public var owner: String

        public init(
            concurrency: Int = 16, policy: SagaPolicy = SagaPolicy(), leaseTTL: Duration = .seconds(30),
            pollInterval: Duration = .seconds(1), owner: String = "urumi-\(UUID().uuidString.prefix(8).lowercased())"
        ) {
            self.concurrency = concurrency
            self.policy = policy
            self.leaseTTL = leaseTTL
            self.pollInterval = pollInterval
            self.owner = owner
        }
    }

    let events: any EventStore
    /// Opens the personal fields the cluster calls need (the chart's admin e-mail).
    let vault: any PersonalDataVault
    let queue: any SagaQueue
    let driver: any ClusterDriver
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    let clock: any Clock<Duration>
    let plan: any SagaPlan

    private let running = Mutex<[StoreID: SagaInterrupt]>([:])
    /// Bumped when a saga ends, so the leasing loop can fill the free slot at once.
    private let slotFreed = WakeSignal()
    private let shuttingDown = Atomic<Bool>(false)

    public init(
        events: any EventStore, vault: any PersonalDataVault, queue: any SagaQueue, driver: any ClusterDriver, configuration: Configuration,
        logger: Logger, clock: any Clock<Duration>, now: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.events = events
        self.vault = vault
        self.queue = queue
        self.driver = driver
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.now = now
        self.random = random
        self.plan = StoreSagaPlan(policy: configuration.policy)
    }

    /// The sagas running here now.
    public var runningCount: Int { running.withLock { $0.count } }

    public func run() async throws {
        logger.info(
            "saga coordinator started",
            metadata: [
                "owner": "\(configuration.owner)", "concurrency": "\(configuration.concurrency)",
                "cluster": "\(driver.description)",
            ])
        await withDiscardingTaskGroup { helpers in
            helpers.addTask { await self.renewLeases() }
            await withDiscardingTaskGroup { sagas in
                await withGracefulShutdownHandler {
                    await self.leaseLoop(group: &sagas)
                } onGracefulShutdown: {
                    self.shuttingDown.store(true, ordering: .relaxed)
                    self.slotFreed.bump()
                }
                // Shutting down: stop every saga where it is (each is resumable from its
                // stream). They are not cancelled: each still gives its lease back, so another
                // replica takes over at once instead of after the lease expires.
                self.running.withLock { for interrupt in $0.values { interrupt.stop() } }
            }
            helpers.cancelAll()
        }
        logger.info("saga coordinator stopped")
    }

    private func leaseLoop(group: inout DiscardingTaskGroup) async {
        while !Task.isCancelled && !shuttingDown.load(ordering: .relaxed) {
            let queueSeen = queue.changes.generation
            let slotSeen = slotFreed.generation
            let busy = running.withLock { Set($0.keys) }
            let free = configuration.concurrency - busy.count
            var leased: [SagaLease] = []
            if free > 0 {
                do {
                    leased = try await queue.leaseDue(
                        owner: configuration.owner, limit: free, ttl: configuration.leaseTTL, excluding: busy)
                } catch {
                    logger.warning("could not lease sagas", metadata: ["error": "\(error)"])
                }
            }
            for lease in leased {
                let interrupt = SagaInterrupt()
                running.withLock { $0[lease.id] = interrupt }
                group.addTask {
                    await self.drive(lease.id, interrupt: interrupt)
                    // Release before the saga leaves `running`: until then the leasing loop
                    // excludes it. The other order let the loop lease it again (the lease is
                    // ours, and the queue may still show it due) while this release was in
                    // flight; the release then deleted the *new* run's lease, the next renewal
                    // found it lost and stopped that run mid-step (its attempt started twice).
                    try? await self.queue.release(lease.id, owner: self.configuration.owner)
                    self.running.withLock { _ = $0.removeValue(forKey: lease.id) }
                    self.slotFreed.bump()
                }
            }
            if !leased.isEmpty && leased.count == free { continue }
            // Wait for new work, a free slot, or the safety-net poll.
            await withTaskGroup(of: Void.self) { waits in
                let (poll, clock) = (self.configuration.pollInterval, self.clock)
                waits.addTask { await self.queue.changes.wait(after: queueSeen, timeout: poll, clock: clock) }
                waits.addTask { await self.slotFreed.wait(after: slotSeen, timeout: poll, clock: clock) }
                await waits.next()
                waits.cancelAll()
            }
        }
    }

    /// Interrupts a running saga when its stream gets an event, from elsewhere, that its
    /// plan says must stop the current call (a deletion).
    public func consume(_ batch: [RecordedEvent]) async {
        let interrupted = running.withLock { running -> [SagaInterrupt] in
            guard !running.isEmpty else { return [] }
            return batch.compactMap { recorded in
                guard let id = StoreID(streamID: recorded.streamID), let interrupt = running[id],
                    let event = try? StoreEvent(recorded), plan.interrupts(event)
                else { return nil }
                return interrupt
            }
        }
        for interrupt in interrupted { interrupt.interrupt() }
    }

    /// Renews this replica's leases; a saga whose lease was lost stops at once.
    private func renewLeases() async {
        let every = configuration.leaseTTL / 3
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: every)
            } catch { return }
            // The sagas as they run now: one that ends meanwhile releases its lease, and may be
            // leased and run again before the renewal answers; that new run is not the one
            // whose lease was "lost", and must not be stopped (it would run its step twice).
            let snapshot = running.withLock { $0 }
            guard !snapshot.isEmpty else { continue }
            do {
                let lost = try await queue.renew(Set(snapshot.keys), owner: configuration.owner, ttl: configuration.leaseTTL)
                for id in lost {
                    guard let interrupt = snapshot[id], running.withLock({ $0[id] === interrupt }) else { continue }
                    logger.warning("saga lease lost; stopping", metadata: ["store": "\(id)"])
                    interrupt.stop()
                }
            } catch {
                logger.warning("could not renew saga leases", metadata: ["error": "\(error)"])
            }
        }
    }
}
