import Foundation
import HummingbirdTesting
import Logging
import UrumiApp

@testable import urumi

/// `urumi serve` in the test process: the same flags parsed by the same command, the same
/// `buildApplication` over `.live` dependencies (PostgreSQL, the simulated cluster), served by
/// HummingbirdTesting's live mode on a free port. No process to spawn: for the tests that are
/// about routes, not about a process (crashes, restarts, signals and the CLI keep `UrumiProcess`).
enum InProcessServer {
    static let logger: Logger = {
        var logger = Logger(label: "urumi.test")
        logger.logLevel = ProcessInfo.processInfo.environment["URUMI_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }()

    /// Where a running in-process server answers.
    struct Handle: Sendable {
        let baseURL: URL
        var port: Int { baseURL.port! }
    }

    /// Runs `body` with a server started with `urumi serve` flags.
    static func run<T: Sendable>(
        databaseURL: String, auth: UrumiProcess.Auth = .none, arguments: [String] = [],
        timeout: Duration = .seconds(30), _ body: @escaping @Sendable (Handle) async throws -> T
    ) async throws -> T {
        let pool = arguments.contains("--db-pool-size") ? [] : ["--db-pool-size", "4"]
        let serve = try Serve.parse(["--port", "0", "--database-url", databaseURL] + pool + auth.arguments + arguments)
        let settings = try serve.settings()
        let dependencies = try await Dependencies.live(settings, logger: logger)
        let application = buildApplication(dependencies, settings: settings.application, logger: logger)
        do {
            let result = try await application.test(.live) { client in
                try await body(Handle(baseURL: URL(string: "http://127.0.0.1:\(client.port!)")!))
            }
            await dependencies.close()
            return result
        } catch {
            await dependencies.close()
            throw error
        }
    }
}

/// Where a test server answers, in process or not.
protocol ServerEndpoint: Sendable {
    var baseURL: URL { get }
    var port: Int { get }
}

extension InProcessServer.Handle: ServerEndpoint {}
extension UrumiProcess: ServerEndpoint {}
