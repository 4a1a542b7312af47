import Logging
import ServiceLifecycle

/// The one reader of the log in a process: follows it from a start cursor and hands each
/// page to every consumer (projector, broadcaster, coordinator) at once, so the log is read
/// once per process instead of once per consumer. Waits for the slowest consumer before the
/// next page, so no consumer falls behind without bound.
public final class LogFollower: Service {
    let events: any EventStore
    let consumers: [any LogConsumer]
    let start: @Sendable () async throws -> LogCursor
    let clock: any Clock<Duration>
    let logger: Logger

    /// `start` says where to begin (e.g. the projector's checkpoint, the oldest any consumer needs).
    public init(
        events: any EventStore, consumers: [any LogConsumer], clock: any Clock<Duration>, logger: Logger,
        start: @escaping @Sendable () async throws -> LogCursor
    ) {
        self.events = events
        self.consumers = consumers
        self.start = start
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.follow()
        }
    }

    private func follow() async {
        var failures = 0
        var cursor: LogCursor
        while true {
            do {
                cursor = try await start()
                break
            } catch {
                failures += 1
                if failures == 1 { logger.warning("log follower cannot find where to start; retrying", metadata: ["error": "\(error)"]) }
                guard await Backoff.reconnect.sleep(afterAttempt: failures, on: clock) else { return }
            }
        }
        let from = cursor
        await withDiscardingTaskGroup { group in
            for consumer in consumers { group.addTask { await consumer.followerStarted(after: from) } }
        }
        var pages = events.subscribe(after: cursor).makeAsyncIterator()
        while !Task.isCancelled {
            let batch: [RecordedEvent]
            do {
                guard let page = try await pages.nextBatch() else { return }
                batch = page
            } catch {
                // Not transient (the subscription retries those itself): start over from where
                // we are, after a pause.
                failures += 1
                logger.error("log follower could not read the log", metadata: ["error": "\(error)"])
                guard await Backoff.reconnect.sleep(afterAttempt: failures, on: clock) else { return }
                pages = events.subscribe(after: cursor).makeAsyncIterator()
                continue
            }
            cursor = batch.last!.cursor
            failures = 0
            await withDiscardingTaskGroup { group in
                for consumer in consumers { group.addTask { await consumer.consume(batch) } }
            }
        }
    }
}
