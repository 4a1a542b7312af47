import Foundation
import Testing

/// One server (`urumi serve`'s application, in process) on one fresh database, shared by every
/// test of a suite that carries the `.sharedServer(...)` trait. Tests that share it use unique
/// domains and look only at their own stores, so they may run in parallel.
struct SharedServer: Sendable {
    let database: ServerDatabase
    let baseURL: URL

    var client: HTTPClient { HTTPClient(base: baseURL) }
    var port: Int { baseURL.port! }

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
        try await withoutActuallyEscaping(function) { function in
            try await ServerDatabase.with { database in
                try await InProcessServer.run(databaseURL: database.url, arguments: arguments) { server in
                    try await SharedServer.$current.withValue(SharedServer(database: database, baseURL: server.baseURL)) {
                        try await function()
                    }
                }
            }
        }
    }
}

extension Trait where Self == SharedServerTrait {
    /// One server, started with `arguments`, for every test of the suite.
    static func sharedServer(_ arguments: [String]) -> Self { SharedServerTrait(arguments: arguments) }
}
