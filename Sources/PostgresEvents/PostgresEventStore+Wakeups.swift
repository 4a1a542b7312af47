import EventStore
import Logging
import Postgres
import ServiceLifecycle

extension PostgresEventStore {
    /// Runs the LISTEN loop and the NOTIFY loop until cancelled or shut down gracefully.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listenLoop() }
                group.addTask { await self.notifyLoop() }
                await group.waitForAll()
            }
        }
    }

    /// LISTENs on a dedicated connection and wakes local subscriptions on every NOTIFY.
    /// After every (re)connect it wakes them too: whatever was appended while the listener was
    /// away is then read from the table (a full catch-up), since NOTIFYs sent meanwhile are lost.
    func listenLoop() async {
        var failures = 0
        while !Task.isCancelled {
            var connection: PostgresConnection?
            do {
                let listening = try await pool.openDedicatedConnection()
                connection = listening
                let notifications = try await listening.listen([Self.channel])
                if failures > 0 { logger.info("log listener reconnected") }
                failures = 0
                signal.bump()
                for try await _ in notifications {
                    signal.bump()
                }
                await listening.close()
            } catch {
                await connection?.close()
                failures += 1
                if failures == 1 { logger.warning("log listener lost its connection", metadata: ["error": "\(error)"]) }
                signal.bump()
                await Backoff.reconnect.sleep(afterAttempt: failures, on: clock)
            }
        }
    }

    /// Sends one NOTIFY per burst of local appends, after they committed.
    func notifyLoop() async {
        var connection: PostgresConnection?
        for await _ in pokesStream {
            for attempt in 1...2 {
                do {
                    if connection == nil || connection!.isBroken {
                        let fresh = try await pool.openDedicatedConnection()
                        // A wake-up needs no durability; never wait for a WAL flush for it.
                        try await fresh.query("set synchronous_commit = off")
                        connection = fresh
                    }
                    try await connection!.query("select pg_notify(\(Self.channel), '')")
                    break
                } catch {
                    if attempt == 2 {
                        logger.debug("notify failed; other processes will poll", metadata: ["error": "\(error)"])
                    }
                    await connection?.close()
                    connection = nil
                }
            }
        }
        await connection?.close()
    }
}
