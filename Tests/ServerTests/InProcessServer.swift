import Foundation
import ServiceLifecycle
import Logging
import Provisioning
import UrumiApp

@testable import urumi

/// `urumi serve` in the test process: the same flags parsed by the same command, the same
/// `buildApplication` over `.live` dependencies (PostgreSQL, the simulated cluster), served on
/// a free port of 127.0.0.1. No process to spawn: for the tests that are
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
        /// The cluster the server drives (the simulated one unless the flags say otherwise):
        /// a test can cut it off (`SimulatedCluster.setReachable`).
        let cluster: any ClusterDriver
        var port: Int { baseURL.port! }
    }

    /// Runs `body` with a server started with `urumi serve` flags.
    static func run<T: Sendable>(
        databaseURL: String, auth: UrumiProcess.Auth = .none, arguments: [String] = [],
        _ body: @escaping @Sendable (Handle) async throws -> T
    ) async throws -> T {
        let pool = arguments.contains("--db-pool-size") ? [] : ["--db-pool-size", "4"]
        let serve = try Serve.parse(["--port", "0", "--database-url", databaseURL] + pool + auth.arguments + arguments)
        let settings = try serve.settings()
        let dependencies = try await Dependencies.live(settings, logger: logger)
        // Served on the address the flags give (127.0.0.1), not through HummingbirdTesting's
        // live mode, which rebinds to "localhost": that can be ::1, where the raw-socket
        // clients of these tests (AF_INET) cannot reach it.
        let (ports, portReady) = AsyncStream.makeStream(of: Int.self)
        let application = buildApplication(
            dependencies, settings: settings.application, logger: logger, onListening: { portReady.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        do {
            let result = try await withThrowingTaskGroup(of: T?.self) { tasks in
                tasks.addTask {
                    defer { portReady.finish() }
                    try await group.run()
                    return nil
                }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else {
                    try await tasks.waitForAll()
                    throw ProcessFailure.failed("the in-process server did not start")
                }
                do {
                    let value = try await body(
                        Handle(baseURL: URL(string: "http://127.0.0.1:\(port)")!, cluster: dependencies.driver))
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    return value
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
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
