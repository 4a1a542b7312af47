import Foundation

/// Runs blocking work (a socket read, a child process, a synchronous wait) on a thread of its
/// own: never on the cooperative pool, which has two threads on a two-core machine, and not on
/// Dispatch's global queues either, whose threads the Swift runtime shares on Linux: dozens of
/// blocked reads there starved in-process servers of the same test process.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
