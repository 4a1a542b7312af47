/// Something in this process that needs every new event of the log: the projector, the SSE
/// broadcaster, the saga coordinator. One `LogFollower` reads the log and feeds them all.
public protocol LogConsumer: Sendable {
    /// Called once, before the first batch, with the cursor the follower starts after.
    func followerStarted(after cursor: LogCursor) async
    /// The next events of the log, in log order, never empty; every event exactly once.
    /// Returns when the consumer is done with them (the follower reads on meanwhile).
    func consume(_ batch: [RecordedEvent]) async
}

extension LogConsumer {
    public func followerStarted(after cursor: LogCursor) async {}
}
