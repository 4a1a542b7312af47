import Foundation

/// The saga runtime's control loop, as a pure state machine: it asks a `SagaPlan` what to
/// do, gathers the events to record, and says what the host must do next (append, call the
/// cluster, or stop). The live host is `SagaCoordinator`; tests drive the same runner with a
/// scripted cluster and an injected clock, so both run the very same loop.
///
/// Events that need no cluster call (the next step's `StepStarted`, `Ready`, ...) are merged
/// into the append of the outcome before them: one round trip instead of two.
public struct SagaRunner: Sendable {
    /// What the host must do.
    public enum Effect: Sendable, Hashable {
        /// Append `record` (if any) on the state's version, call `appended(version:now:)`,
        /// then make the call and report its outcome with `performed`.
        case perform(SagaCall, deadline: Duration, record: [StoreEvent])
        /// Append `record` (if any), then stop: the saga rests until `until` (nil: until a
        /// command changes the store).
        case finish(record: [StoreEvent], until: Date?)
    }

    public let plan: any SagaPlan
    /// The store's state as this runner knows it (what is appended so far).
    public private(set) var state: StoreState
    private var pending: [StoreEvent] = []
    private var inFlight: SagaCall?

    public init(plan: any SagaPlan, state: StoreState) {
        self.plan = plan
        self.state = state
    }

    /// What to do first, or after the host reloaded the state (an interrupt, a conflict).
    public mutating func resume(_ state: StoreState, now: Date) -> Effect {
        self.state = state
        pending = []
        inFlight = nil
        return decide(now: now)
    }

    /// The events of the last effect were appended; the stream is now at `version`.
    public mutating func appended(version: Int64, now: Date) {
        state = Self.fold(state, pending, at: now)
        state.version = version
        pending = []
    }

    /// The call ended: record its outcome and decide what follows.
    public mutating func performed(_ outcome: StepOutcome, now: Date, random: Double) -> Effect {
        guard let call = inFlight else { return decide(now: now) }
        inFlight = nil
        pending = plan.outcome(of: call, outcome, on: state, now: now, random: random)
        return decide(now: now)
    }

    /// Replaces the state with a newer one read from the stream (a command landed meanwhile);
    /// a call in flight stays in flight.
    public mutating func refresh(_ state: StoreState) {
        self.state = state
    }

    private mutating func decide(now: Date) -> Effect {
        var next = Self.fold(state, pending, at: now)
        // A plan records a few events between calls; a plan that kept recording would be a
        // bug, and must not spin here: it rests instead (its events are recorded).
        for _ in 0..<64 {
            switch plan.next(next, now: now) {
            case .record(let more):
                pending += more
                next = Self.fold(next, more, at: now)
            case .call(let call):
                pending += plan.started(call, on: next, now: now)
                inFlight = call
                return .perform(call, deadline: plan.deadline(of: call), record: pending)
            case .wait(let until):
                return .finish(record: pending, until: until)
            case .idle:
                return .finish(record: pending, until: nil)
            }
        }
        return .finish(record: pending, until: nil)
    }

    static func fold(_ state: StoreState, _ events: [StoreEvent], at: Date) -> StoreState {
        events.reduce(state) { StoreState.evolve($0, $1, at: at) ?? $0 }
    }
}
