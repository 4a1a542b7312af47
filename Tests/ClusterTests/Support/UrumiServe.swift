import Foundation
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The `urumi` binary built next to this test bundle.
enum UrumiBinary {
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("urumi").path
    }

    /// The source checkout (for helm/store).
    static var checkout: String {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { directory.deleteLastPathComponent() }
        return directory.path
    }

    /// Runs the binary to completion (for commands that must fail fast). It never blocks a
    /// thread of the cooperative pool: the binary talks to the test server in this process,
    /// whose handlers need that pool (two threads on two cores).
    static func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> (status: Int32, stderr: String) {
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-run-\(UUID()).err").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw UrumiServeFailure(log: "urumi \(arguments.first ?? "") did not finish in \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (process.terminationStatus, (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}

/// A running `urumi serve`, stopped with SIGTERM at the end.
final class UrumiServe: @unchecked Sendable {
    let process = Process()
    let logPath: String
    let outputPath: String
    private(set) var base = ""

    init(_ arguments: [String]) async throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-k8s-serve-\(UUID()).log").path
        outputPath = logPath + ".out"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: UrumiBinary.path)
        process.arguments = ["serve", "--port", "0"] + arguments
        // Files, not pipes, polled with Task.sleep: a blocking read would hold one of the
        // cooperative pool's two threads while urumi calls the test server in this process.
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                base = String(text[range])
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await stop()
        throw UrumiServeFailure(log: log)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits (without blocking a thread) for the exit.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    func request(_ method: String, _ path: String, json: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Polls the store until its status is one of `statuses` (or fails after `timeout`).
    func waitForStore(_ id: String, in statuses: Set<String>, timeout: Duration = .seconds(45)) async throws -> [String: Any] {
        try await waitForStore(id, until: "its status is one of \(statuses)", timeout: timeout) {
            statuses.contains($0["status"] as? String ?? "")
        }
    }

    /// Polls the store until `done` holds (or fails after `timeout`, saying `what` it waited for).
    func waitForStore(
        _ id: String, until what: String, timeout: Duration = .seconds(45), _ done: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var store: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            store = try await request("GET", "/stores/\(id)")
            if done(store) { return store }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("store \(id): timed out waiting until \(what): \(store)\n\(log.suffix(3000))")
        return store
    }
}

struct UrumiServeFailure: Error, CustomStringConvertible {
    let log: String
    var description: String { "urumi serve did not start:\n\(log.suffix(3000))" }
}
