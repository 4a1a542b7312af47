import Foundation
import Testing

/// One `urumi serve` on one fresh database, shared by every test of a suite that carries the
/// `.sharedServer(...)` trait. Tests that share it use unique domains and look only at their
/// own stores, so they may run in parallel.
struct SharedServer: Sendable {
    let database: ServerDatabase
    let server: UrumiProcess

    var client: HTTPClient { HTTPClient(base: server.baseURL) }
    var port: Int { server.baseURL.port! }

    @TaskLocal static var current: SharedServer?

    /// The server of the enclosing `.sharedServer` suite.
    static var required: SharedServer {
        get throws {
            guard let current else { throw ProcessFailure.failed("this test needs the .sharedServer suite trait") }
            return current
        }
    }
}

/// Starts one server for a whole suite (its nested suites included) and stops it after.
struct SharedServerTrait: SuiteTrait, TestScoping {
    let arguments: [String]

    /// Scoped once around the suite, not around each test.
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { server.stop() }
            try await SharedServer.$current.withValue(SharedServer(database: database, server: server)) {
                try await function()
            }
        }
    }
}

extension Trait where Self == SharedServerTrait {
    /// One server, started with `arguments`, for every test of the suite.
    static func sharedServer(_ arguments: [String]) -> Self { SharedServerTrait(arguments: arguments) }
}
