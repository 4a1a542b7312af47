import Foundation
import TestSupport
import Testing

/// A real `urumi serve` process (the binary built next to this test bundle) on its own port.
final class UrumiProcess: @unchecked Sendable {
    /// How the server authenticates (`--auth`).
    enum Auth: Sendable {
        /// Everyone is admin: the default of these tests, which are not about security.
        case none
        /// Bearer tokens and session cookies, as in production.
        case tokens
        /// No `--auth` flag: whatever `urumi serve` does by default.
        case serverDefault

        var arguments: [String] {
            switch self {
            case .none: ["--auth", "none"]
            case .tokens: ["--auth", "tokens"]
            case .serverDefault: []
            }
        }
    }

    let process = Process()
    /// Standard error (the log).
    let logURL: URL
    /// Standard output (the "listening" line, and anything else the server prints there).
    let outputURL: URL
    private(set) var baseURL = URL(string: "http://127.0.0.1:0")!

    /// The directory holding the built products (the `urumi` binary among them).
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var binary: URL { productsDirectory.appendingPathComponent("urumi") }

    /// Starts `urumi serve --port 0 --auth <auth> ...` and waits until it prints its address.
    /// Whatever address it listens on (`--host 0.0.0.0` too), tests reach it on 127.0.0.1.
    init(
        databaseURL: String, auth: Auth = .none, arguments: [String] = [], timeout: Duration = .seconds(30)
    ) async throws {
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-serve-\(UUID())")
        logURL = stem.appendingPathExtension("log")
        outputURL = stem.appendingPathExtension("out")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = Self.binary
        // A small pool: dozens of servers run at once in the suite, all on one PostgreSQL.
        let pool = arguments.contains("--db-pool-size") ? [] : ["--db-pool-size", "4"]
        process.arguments = ["serve", "--port", "0", "--database-url", databaseURL] + pool + auth.arguments + arguments
        // Files, not pipes: nobody has to keep draining them, and tests can read all of both.
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let range = stdout.range(of: #"http://[0-9.:\[\]a-z]+:\d+"#, options: .regularExpression),
                let port = stdout[range].split(separator: ":").last.flatMap({ Int($0) })
            {
                baseURL = URL(string: "http://127.0.0.1:\(port)")!
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw ProcessFailure.didNotStart(log: log)
    }

    /// SIGKILL: no shutdown of any kind.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, and the wait for the exit on a thread of its own (never on Swift's cooperative
    /// pool, where in-process servers of other tests run): for `defer`. A server still running
    /// after `grace` gets SIGKILL.
    func stop(grace: Duration = .seconds(20)) {
        guard process.isRunning else { return }
        process.terminate()
        let process = self.process
        Thread.detachNewThread {
            let deadline = ContinuousClock.now + grace
            while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// SIGTERM and wait for the exit; a server still running after `grace` is a failure (and
    /// gets SIGKILL), never a test that hangs for good.
    func stopAndWait(grace: Duration = .seconds(20)) async {
        guard process.isRunning else { return }
        process.terminate()
        let start = ContinuousClock.now
        while process.isRunning && ContinuousClock.now - start < grace { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            Issue.record("urumi serve did not exit within \(grace) of SIGTERM")
            kill()
        }
    }

    /// Standard error so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Standard output so far.
    var stdout: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    var port: Int { baseURL.port! }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
        try? FileManager.default.removeItem(at: outputURL)
    }
}

enum ProcessFailure: Error, CustomStringConvertible {
    case didNotStart(log: String)
    case failed(String)

    var description: String {
        switch self {
        case .didNotStart(let log): "urumi serve did not start:\n\(log.suffix(2000))"
        case .failed(let message): message
        }
    }
}

/// Runs the `urumi` binary to completion; returns its exit status and output. `environment`
/// replaces the inherited environment when given. The blocking waits run on a thread of their own.
func runUrumi(_ arguments: [String], environment: [String: String]? = nil) async throws -> (
    status: Int32, stdout: String, stderr: String
) {
    try await offPool { try runUrumiBlocking(arguments, environment: environment) }
}

private func runUrumiBlocking(_ arguments: [String], environment: [String: String]?) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let process = Process()
    process.executableURL = UrumiProcess.binary
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
