import EventStore
import PostgresEvents
import PostgresReadModels

/// The implementations the conformance suite runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store of this kind.
    func with<T>(_ body: (any EventStore) async throws -> T) async throws -> T {
        switch self {
        case .memory:
            return try await body(InMemoryEventStore())
        case .postgres:
            return try await TestDatabase.with { database in
                try await body(database.makeStore(pollInterval: .milliseconds(200)))
            }
        }
    }
}

import Testing
