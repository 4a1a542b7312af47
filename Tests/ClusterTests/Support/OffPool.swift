import Dispatch

/// Runs blocking work (a child process, a synchronous wait) on a Dispatch thread, never on one
/// of the cooperative pool's threads: the Kubernetes API test server runs in this process and
/// needs that pool, which has only two threads on a two-core machine.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
