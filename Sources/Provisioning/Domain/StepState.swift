import Foundation

/// One step of one store, as the events tell it.
public struct StepState: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case pending
        case running
        case succeeded
        case failed
        /// Undone by compensation or deletion.
        case compensated
    }

    public var status: Status = .pending
    /// Attempts of the current run (reset by a retry of the store).
    public var attempts = 0
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int?
    public var deadline: Date?
    public var lastError: String?
    public var retryable = false
    public var nextAttemptAt: Date?
    public var details: [String: String] = [:]
    /// Undo attempts in the current compensation round.
    public var undoAttempts = 0
    public var undoNextAttemptAt: Date?
    /// Undoing this step failed for good in the current round; deleting the namespace (which
    /// removes everything in it) is the fallback.
    public var undoGaveUp = false
    /// The last attempt (or undo attempt) could not reach the cluster: the step waits for it.
    /// Cleared by an outcome from a cluster that answered.
    public var waitingForCluster: ClusterWait?
    /// Attempts of the current run that could not reach the cluster: they do not use up the
    /// retry budget, which is for failures of a cluster that answered (nil: none).
    public var unreachableAttempts: Int?
    /// The same for the undo attempts of the current compensation round.
    public var undoUnreachableAttempts: Int?

    public init() {}

    /// Attempts up to `attempt` that reached the cluster (what the retry budget counts).
    func reachedAttempts(_ attempt: Int) -> Int { attempt - (unreachableAttempts ?? 0) }

    /// Undo attempts up to `attempt` that reached the cluster.
    func reachedUndoAttempts(_ attempt: Int) -> Int { attempt - (undoUnreachableAttempts ?? 0) }

    /// An attempt started at `at`, to end by `deadline`.
    mutating func start(attempt: Int, at: Date, deadline: Date) {
        status = .running
        attempts = attempt
        startedAt = at
        finishedAt = nil
        self.deadline = deadline
        nextAttemptAt = nil
    }

    /// The attempt succeeded at `at`.
    mutating func succeed(at: Date, durationMs: Int, details: [String: String]) {
        status = .succeeded
        finishedAt = at
        self.durationMs = durationMs
        self.details = details
        lastError = nil
        nextAttemptAt = nil
        waitingForCluster = nil
    }

    /// The attempt failed at `at`; retried at `nextAttemptAt` when `retryable`. `waiting`:
    /// it could not reach the cluster.
    mutating func fail(at: Date, error: String, retryable: Bool, nextAttemptAt: Date?, waiting: ClusterWait? = nil) {
        status = .failed
        finishedAt = at
        lastError = error
        self.retryable = retryable
        self.nextAttemptAt = nextAttemptAt
        waitingForCluster = waiting
        if waiting != nil { unreachableAttempts = (unreachableAttempts ?? 0) + 1 }
    }
}
