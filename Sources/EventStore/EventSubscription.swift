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

    public init(
        after start: LogCursor, signal: WakeSignal, pollInterval: Duration = .seconds(2), batchSize: Int = 500,
        isTransient: @escaping @Sendable (any Error) -> Bool = { _ in false }, reader: @escaping Reader
    ) {
        self.start = start
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
            while index >= buffer.count {
                if Task.isCancelled { return nil }
                let seen = subscription.signal.generation
                do {
                    let page = try await subscription.reader(cursor, subscription.batchSize)
                    failures = 0
                    if !page.isEmpty {
                        buffer = page
                        index = 0
                        break
                    }
                } catch where subscription.isTransient(error) {
                    failures += 1
                    let backoff = Duration.milliseconds(Swift.min(5_000, 50 << Swift.min(failures, 7)))
                    try? await Task.sleep(for: backoff)
                    continue
                }
                await subscription.signal.wait(after: seen, timeout: subscription.pollInterval)
            }
            let event = buffer[index]
            index += 1
            cursor = event.cursor
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(subscription: self, cursor: start)
    }
}
