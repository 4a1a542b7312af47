import EventStore
import Synchronization
import Testing

/// Collects what a concurrent task produces; the test awaits a count with a deadline.
///
/// This is how tests observe concurrent work: through what it delivers, never by sleeping.
final class Inbox<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    private let signal = WakeSignal()

    init() {}

    var contents: [Element] { items.withLock { $0 } }

    func append(_ item: Element) {
        items.withLock { $0.append(item) }
        signal.bump()
    }

    /// Everything received once at least `count` items arrived; throws after `timeout`.
    @discardableResult
    func waitFor(count: Int, timeout: Duration = .seconds(30), _ what: String = "items") async throws -> [Element] {
        try await waitUntil(timeout: timeout, "\(count) \(what) (have \(self.contents.count))") { $0.count >= count }
    }

    /// Everything received once `condition` holds for it; throws after `timeout`.
    @discardableResult
    func waitUntil(
        timeout: Duration = .seconds(30), _ what: @autoclosure () -> String = "a condition",
        _ condition: ([Element]) -> Bool
    ) async throws -> [Element] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = signal.generation
            let now = contents
            if condition(now) { return now }
            let left = deadline - ContinuousClock.now
            if left <= .zero || Task.isCancelled { throw TestSetupError.timedOut("waited \(timeout) for \(what())") }
            await signal.wait(after: seen, timeout: left, clock: ContinuousClock())
        }
    }
}

/// A one-shot gate that concurrent tasks wait on until the test opens it.
final class Gate: Sendable {
    private let opened = Mutex(false)
    private let signal = WakeSignal()

    init() {}

    func open() {
        opened.withLock { $0 = true }
        signal.bump()
    }

    func wait() async {
        while !Task.isCancelled {
            let seen = signal.generation
            if opened.withLock({ $0 }) { return }
            await signal.wait(after: seen, timeout: .seconds(60), clock: ContinuousClock())
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes, for state that has no stream to
/// observe (e.g. a pool's waiter count). Throws on timeout; the caller then asserts exactly.
func eventually(
    timeout: Duration = .seconds(10), _ what: @autoclosure () -> String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw TestSetupError.timedOut("waited \(timeout) for \(what())") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Follows `subscription` in a child task into an inbox, for as long as `body` runs.
func following<T>(
    _ subscription: EventSubscription, _ body: (Inbox<RecordedEvent>) async throws -> T
) async throws -> T {
    let inbox = Inbox<RecordedEvent>()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                for try await event in subscription { inbox.append(event) }
            } catch {
                // Otherwise the waiting test would only see a timeout.
                Issue.record(error, "the subscription failed")
            }
        }
        defer { group.cancelAll() }
        return try await body(inbox)
    }
}

/// A value behind a lock that escaping closures can share (a `Mutex` cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    @discardableResult
    func withLock<T: Sendable>(_ body: (inout sending Value) throws -> T) rethrows -> T {
        try mutex.withLock { try body(&$0) }
    }
}
