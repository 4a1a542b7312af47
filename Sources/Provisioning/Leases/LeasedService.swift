import Logging
import ServiceLifecycle

/// Runs a schedule (a `Service`: the health sweep, the drift sweep, the backup scheduler)
/// only while this process holds the schedule's lease. It tries to take the lease every
/// `ttl / 3`; once it holds it, it starts the schedule and renews the lease every `ttl / 3`.
/// When a renewal fails (another replica has the lease, or the database cannot say) the
/// schedule is cancelled at once, and taken up again when the lease is. On graceful shutdown
/// it stops the schedule and gives the lease up, so another replica need not wait out the TTL;
/// a replica that dies without that stops renewing, and another takes over once the lease has
/// expired: within `ttl` (plus one try, `ttl / 3`).
///
/// The lease saves duplicate work; it is not what keeps the schedules correct (their appends
/// are fenced on versions and their operations idempotent by key): a holder whose renewal is
/// slower than the TTL may overlap with the next one for a moment, as two replicas always did.
public final class LeasedService: Service {
    let inner: any Service
    let lease: any ScheduleLease
    let name: String
    let holder: String
    let ttl: Duration
    let clock: any Clock<Duration>
    let logger: Logger

    public init(
        _ inner: any Service, lease: any ScheduleLease, name: String, holder: String, ttl: Duration,
        clock: any Clock<Duration>, logger: Logger
    ) {
        self.inner = inner
        self.lease = lease
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self.logger = logger
    }

    /// How often the lease is tried for, and renewed while held.
    var renewEvery: Duration { ttl / 3 }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.lead() }
        // Cancelled: the schedule has stopped. Best effort; the expiry frees it anyway.
        try? await lease.release(name, holder: holder)
    }

    private func lead() async {
        while !Task.isCancelled {
            if await take() {
                logger.info("schedule lease taken: this replica runs the \(name)", metadata: ["holder": "\(holder)"])
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { [inner, logger, name] in
                        do {
                            try await inner.run()
                        } catch {
                            logger.error("the \(name) stopped", metadata: ["error": "\(error)"])
                        }
                    }
                    group.addTask { await self.renewWhileHeld() }
                    // The renewal failed (or the schedule ended): stop the other.
                    _ = await group.next()
                    group.cancelAll()
                }
                if Task.isCancelled { return }
                logger.notice("schedule lease lost: another replica runs the \(name)", metadata: ["holder": "\(holder)"])
            }
            do {
                try await clock.sleep(for: renewEvery)
            } catch {
                return
            }
        }
    }

    /// Returns when a renewal fails, or on cancellation.
    private func renewWhileHeld() async {
        while true {
            do {
                try await clock.sleep(for: renewEvery)
            } catch {
                return
            }
            guard await take() else { return }
        }
    }

    private func take() async -> Bool {
        do {
            return try await lease.acquire(name, holder: holder, ttl: ttl)
        } catch is CancellationError {
            return false
        } catch {
            logger.warning("schedule lease: cannot reach the lease store", metadata: ["lease": "\(name)", "error": "\(error)"])
            return false
        }
    }
}
