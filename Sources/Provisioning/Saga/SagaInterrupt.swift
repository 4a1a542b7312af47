import Synchronization

/// Tells a running saga to drop its current step: `interrupt` (something changed on its
/// stream, e.g. a deletion: reload and carry on) or `stop` (the lease is lost or the process
/// shuts down: leave the saga to be resumed).
final class SagaInterrupt: Sendable {
    private struct State {
        var interrupted = false
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// Clears a handled interruption (a stop stays).
    func reset() {
        state.withLock { $0.interrupted = false }
    }

    func interrupt() { fire { $0.interrupted = true } }

    func stop() { fire { $0.stopped = true } }

    private func fire(_ change: (inout State) -> Void) {
        let waiters = state.withLock { state in
            change(&state)
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once interrupted or stopped (immediately if already); cancellable.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.interrupted || state.stopped || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiters = state.withLock { state in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
