/// How the saga retries and how long each step may take.
public struct SagaPolicy: Sendable, Hashable {
    public var retry: RetryPolicy
    /// Deadline of one attempt of each step; passing it is a permanent failure.
    public var deadlines: [SagaStep: Duration]
    /// Deadline of one attempt to undo a step.
    public var undoDeadline: Duration
    /// Deadline of one attempt of each step of a day-two operation (and of its rollback).
    public var operationDeadlines: [OperationStep: Duration]

    public static let defaultOperationDeadlines: [OperationStep: Duration] = [
        .apply: .seconds(300), .workloads: .seconds(600), .setup: .seconds(900), .certificate: .seconds(600),
        .rollback: .seconds(300), .recover: .seconds(600), .snapshot: .seconds(3600), .quiesce: .seconds(600),
        .restore: .seconds(3600), .restoreSnapshot: .seconds(3600), .discard: .seconds(600),
    ]

    public static let defaultDeadlines: [SagaStep: Duration] = [
        .namespace: .seconds(60), .helm: .seconds(300), .mysql: .seconds(600),
        .wordpress: .seconds(600), .woocommerce: .seconds(900),
    ]

    public init(
        retry: RetryPolicy = RetryPolicy(), deadlines: [SagaStep: Duration] = SagaPolicy.defaultDeadlines,
        undoDeadline: Duration = .seconds(300),
        operationDeadlines: [OperationStep: Duration] = SagaPolicy.defaultOperationDeadlines
    ) {
        self.operationDeadlines = operationDeadlines
        self.retry = retry
        self.deadlines = deadlines
        self.undoDeadline = undoDeadline
    }

    public func deadline(_ step: SagaStep) -> Duration {
        deadlines[step] ?? Self.defaultDeadlines[step]!
    }

    public func deadline(_ step: OperationStep) -> Duration {
        operationDeadlines[step] ?? Self.defaultOperationDeadlines[step]!
    }
}
