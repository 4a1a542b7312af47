import Foundation
import Synchronization

/// A clock that moves only when a test says so, with a rendezvous: a test awaits "a sleep
/// until at least T was scheduled", checks what it expects, then advances. No real sleeps,
/// no yield loops. `date` is the wall time that moves with it (for code that takes `now`).
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable {
        public let offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
        var scheduled: [Int: (Instant, CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())
    /// The wall time at offset zero.
    public let origin: Date

    public init(origin: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        self.origin = origin
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// The wall time now, by this clock.
    public var date: Date {
        let offset = now.offset.components
        return origin.addingTimeInterval(Double(offset.seconds) + Double(offset.attoseconds) / 1e18)
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (due, woken) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (true, []) }
                    if deadline <= state.now { return (true, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    let ready = state.scheduled.filter { $0.value.0 == deadline }
                    for key in ready.keys { state.scheduled[key] = nil }
                    return (false, ready.values.map(\.1))
                }
                for waiter in woken { waiter.resume() }
                if due {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns once something sleeps until exactly `at` (relative to the origin): tests give
    /// the sleep they wait for a deadline no other sleeper has.
    public func sleepScheduled(until at: Duration) async {
        let target = Instant(offset: at)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.sleepers.values.contains(where: { $0.deadline == target }) { return true }
                state.nextID += 1
                state.scheduled[state.nextID] = (target, continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now.advanced(by: duration)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for key in due.keys { state.sleepers[key] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }
}
