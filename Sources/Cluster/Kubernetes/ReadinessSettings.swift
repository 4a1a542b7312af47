/// How patient the readiness waits are with pods that look wrong.
public struct ReadinessSettings: Sendable, Hashable {
    /// An image that still cannot be pulled after this long fails the step for good.
    public var imagePullGrace: Duration
    /// A container that cannot be created (missing Secret key, ...) for this long fails it for good.
    public var configurationGrace: Duration
    /// A container in CrashLoopBackOff for this long, with at least `crashLoopRestarts`
    /// restarts, fails the attempt (transient: the saga retries the wait, then gives up).
    public var crashLoopGrace: Duration
    public var crashLoopRestarts: Int
    /// `timeoutSeconds` of one watch request; the watch reconnects after it.
    public var watchSeconds: Int
    /// A wait ends on its own this long after it began, with what it last saw (a pod that
    /// cannot be scheduled, replicas not ready...), a moment before the saga's deadline for
    /// the step would end it with nothing but "deadline passed". nil: no limit of its own.
    public var giveUpAfter: Duration?

    public init(
        imagePullGrace: Duration = .seconds(120), configurationGrace: Duration = .seconds(120),
        crashLoopGrace: Duration = .seconds(180), crashLoopRestarts: Int = 3, watchSeconds: Int = 240,
        giveUpAfter: Duration? = nil
    ) {
        self.giveUpAfter = giveUpAfter
        self.imagePullGrace = imagePullGrace
        self.configurationGrace = configurationGrace
        self.crashLoopGrace = crashLoopGrace
        self.crashLoopRestarts = crashLoopRestarts
        self.watchSeconds = watchSeconds
    }
}
