import EventStore
import Foundation
import Testing

@testable import Provisioning

/// Hosts the saga runtime (`SagaRunner`, the same control loop `SagaCoordinator` hosts)
/// purely, so tests can read the exact events a saga records.
///
/// It does what the coordinator does with the runner's effects: append the events to
/// record, make the call on the scripted cluster, report its outcome; a wait moves the
/// injected clock there. Every event goes through the codec on its way into the stream, as
/// it would through the event store. Commands sent during a cluster call land before the
/// call's outcome is recorded, and the outcome is computed on the state folded after them
/// (the runner is refreshed with it).
struct SagaDriver {
    let id: StoreID
    var policy: SagaPolicy
    var cluster: ScriptedCluster
    var random: FixedRandom
    /// The injected clock: only waits and the cluster's scripted durations move it.
    var now: Date
    /// The store's stream as the runtime reads it back.
    private(set) var stream: [Recorded] = []
    /// Every instant the planner asked to wait until, in order.
    private(set) var waits: [Date] = []

    init(
        id: StoreID = Fixtures.id, policy: SagaPolicy = Fixtures.policy, cluster: ScriptedCluster = ScriptedCluster(),
        random: FixedRandom = FixedRandom(0.5), now: Date = Fixtures.t0, history: [Recorded] = []
    ) {
        self.id = id
        self.policy = policy
        self.cluster = cluster
        self.random = random
        self.now = now
        self.stream = history
    }

    /// A driver whose store was just requested by alice, at the clock's origin.
    static func created(
        spec: StoreSpec = Fixtures.spec, policy: SagaPolicy = Fixtures.policy,
        cluster: ScriptedCluster = ScriptedCluster(), random: FixedRandom = FixedRandom(0.5)
    ) -> SagaDriver {
        var driver = SagaDriver(policy: policy, cluster: cluster, random: random)
        do {
            try driver.send(.create(id: driver.id, spec: spec, by: "alice"))
        } catch {
            Issue.record("creating the store failed: \(error)")
        }
        return driver
    }

    var state: StoreState? { StoreState.fold(stream.map { ($0.event, $0.at) }) }

    /// Decides a command on the current state and records its events now.
    @discardableResult
    mutating func send(_ command: StoreCommand) throws(ProvisioningError) -> [StoreEvent] {
        let events = try StoreDecider.decide(command, id: id, state: state)
        for event in events { record(event) }
        return events
    }

    /// Runs the saga until it is at rest (or the scripted process crashes, or, with
    /// `stoppingAtWait`, until it would wait) and returns what it recorded meanwhile.
    @discardableResult
    mutating func run(stoppingAtWait: Bool = false, sourceLocation: SourceLocation = #_sourceLocation)
        -> [Recorded]
    {
        let start = stream.count
        guard let state else {
            Issue.record("there is no store to run", sourceLocation: sourceLocation)
            return []
        }
        let plan = StoreSagaPlan(policy: policy)
        var runner = SagaRunner(plan: plan, state: state)
        var effect = runner.resume(state, now: now)
        for _ in 0..<500 {
            switch effect {
            case .finish(let events, let until):
                append(events, to: &runner)
                guard let until else { return Array(stream[start...]) }
                #expect(until > now, "a wait lies in the future", sourceLocation: sourceLocation)
                if stoppingAtWait { return Array(stream[start...]) }
                waits.append(until)
                now = until
                effect = runner.resume(self.state!, now: now)
            case .perform(let call, let deadline, let events):
                append(events, to: &runner)
                let (script, takes) =
                    switch call {
                    case .run(let step, let attempt): cluster.run(step, attempt: attempt)
                    case .undo(let step, let attempt): cluster.undo(step, attempt: attempt)
                    case .change(let step, let attempt): cluster.change(step, attempt: attempt)
                    }
                guard let outcome = perform(script, takes: takes, limit: deadline) else {
                    return Array(stream[start...])
                }
                runner.refresh(self.state!)
                effect = runner.performed(outcome, now: now, random: random.next())
            }
        }
        Issue.record("the saga did not come to rest in 500 decisions", sourceLocation: sourceLocation)
        return Array(stream[start...])
    }

    private mutating func append(_ events: [StoreEvent], to runner: inout SagaRunner) {
        guard !events.isEmpty else { return }
        for event in events { record(event) }
        runner.appended(version: Int64(stream.count), now: now)
    }

    /// Plays one cluster call on the clock; nil when the process "crashes" during it.
    private mutating func perform(_ script: Script, takes: Duration, limit: Duration) -> StepOutcome? {
        if case .crash = script.ending { return nil }
        let duration = if case .hang = script.ending { limit } else { takes }
        now = now.adding(duration / 2)
        if let command = script.meanwhile {
            do {
                try send(command)
            } catch {
                Issue.record("the command sent during a cluster call failed: \(error)")
            }
        }
        now = now.adding(duration - duration / 2)
        switch script.ending {
        case .succeed(let details): return .succeeded(details: details)
        case .fail(let error): return .failed(error)
        case .hang: return .deadlineExceeded(limit)
        case .crash: return nil
        }
    }

    /// Appends one event at the clock's time, through the codec as the event store would.
    private mutating func record(_ event: StoreEvent) {
        let version = Int64(stream.count + 1)
        let new = event.newEvent(metadata: EventMetadata(actor: "system"))
        let recorded = RecordedEvent(
            id: new.id, streamID: id.streamID, version: version,
            cursor: LogCursor(transactionID: UInt64(version), position: version), type: new.type, data: new.data,
            metadata: new.metadata, recordedAt: now)
        do {
            guard let decoded = try StoreEvent(recorded) else {
                Issue.record("\(new.type) does not decode")
                return
            }
            stream.append(Recorded(event: decoded, at: now))
        } catch {
            Issue.record("\(new.type) does not decode: \(error)")
        }
    }
}
