import Foundation

/// A store as the API and the dashboard show it: the row of the store list.
public struct StoreView: Sendable, Hashable, Codable {
    public struct Step: Sendable, Hashable, Codable {
        public let name: SagaStep
        public let status: StepState.Status
        public let attempts: Int
        public let startedAt: Date?
        public let finishedAt: Date?
        public let durationMs: Int?
        public let lastError: String?
        public let nextAttemptAt: Date?
    }

    public let id: StoreID
    public let name: String
    public let domain: String
    public let plan: Plan
    public let adminEmail: String
    public let status: StoreStatus
    public let currentStep: SagaStep?
    public let steps: [Step]
    public let urls: StoreURLs?
    public let lastError: String?
    /// The step that failed for good (its own status may since be `compensated`).
    public let failedStep: SagaStep?
    /// Compensation could not clean up: an operator must look at `leftovers`.
    public let needsAttention: Bool
    public let leftovers: [SagaStep]
    public let requestedBy: String
    public let createdAt: Date
    public let updatedAt: Date
    public let readyAt: Date?
    /// The store stream's version.
    public let version: Int64

    public init(_ state: StoreState) {
        id = state.id
        name = state.spec.name
        domain = state.spec.domain
        plan = state.spec.plan
        adminEmail = state.spec.adminEmail
        status = state.status
        currentStep = state.status == .ready || state.status == .deleted ? nil : state.currentStep
        steps = SagaStep.allCases.map { step in
            let s = state[step]
            return Step(
                name: step, status: s.status, attempts: s.attempts, startedAt: s.startedAt, finishedAt: s.finishedAt,
                durationMs: s.durationMs, lastError: s.lastError, nextAttemptAt: s.nextAttemptAt ?? s.undoNextAttemptAt)
        }
        urls = state.status == .ready ? state.urls : nil
        lastError = state.failureReason ?? SagaStep.allCases.compactMap { state[$0].lastError }.first
        failedStep = state.failedStep
        needsAttention = state.needsAttention
        leftovers = state.leftovers
        requestedBy = state.requestedBy
        createdAt = state.createdAt
        updatedAt = state.updatedAt
        readyAt = state.readyAt
        version = state.version
    }
}
