/// Follows the global log from a cursor: reads pages until caught up, then waits for a wake-up
/// (a local append, a NOTIFY from another process, a reconnect of the listener) or for the
/// safety-net poll interval, and reads again. Data always comes from the log itself.
///
/// Pull-based: all work happens inside `next()`, so cancelling the consuming task ends it and
/// no background task is left behind. Transient read errors (database restarting) are retried
/// with backoff; the cursor only moves past events that were delivered, so nothing is lost
/// or repeated across errors.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    public typealias Reader = @Sendable (LogCursor, Int) async throws -> [RecordedEvent]

    let start: LogCursor
    let reader: Reader
    let signal: WakeSignal
    let pollInterval: Duration
    let batchSize: Int
    let isTransient: @Sendable (any Error) -> Bool
    let clock: any Clock<Duration>

    public init(
        after start: LogCursor, signal: WakeSignal, pollInterval: Duration = .seconds(2), batchSize: Int = 500,
        clock: any Clock<Duration>, isTransient: @escaping @Sendable (any Error) -> Bool = { _ in false },
        reader: @escaping Reader
    ) {
        self.start = start
        self.clock = clock
        self.reader = reader
        self.signal = signal
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.isTransient = isTransient
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: EventSubscription
        /// The cursor of the last event handed out.
        public private(set) var cursor: LogCursor
        var buffer: [RecordedEvent] = []
        var index = 0
        var failures = 0

        public mutating func next() async throws -> RecordedEvent? {
            if index >= buffer.count {
                guard let page = try await nextBatch() else { return nil }
                buffer = page
                index = 0
            }
            let event = buffer[index]
            index += 1
            cursor = event.cursor
            return event
        }

        /// The next page of events (never empty), or nil when cancelled. Don't mix with `next()`
        /// on the same iterator while `next()` still holds a page.
        public mutating func nextBatch() async throws -> [RecordedEvent]? {
            while true {
                if Task.isCancelled { return nil }
                let seen = subscription.signal.generation
                do {
                    let page = try await subscription.reader(cursor, subscription.batchSize)
                    failures = 0
                    if let last = page.last {
                        cursor = last.cursor
                        return page
                    }
                } catch where subscription.isTransient(error) {
                    failures += 1
                    await Backoff.reconnect.sleep(afterAttempt: failures, on: subscription.clock)
                    continue
                }
                await subscription.signal.wait(after: seen, timeout: subscription.pollInterval, clock: subscription.clock)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(subscription: self, cursor: start)
    }
}
