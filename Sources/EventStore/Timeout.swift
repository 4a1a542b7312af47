/// Runs `operation`, giving up after `timeout` on `clock`: nil when the time ran out first.
/// The operation is cancelled then, and must end promptly on cancellation.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, clock: any Clock<Duration>, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await clock.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
