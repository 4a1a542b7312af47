import Foundation
import Testing

/// A real `urumi serve` process (the binary built next to this test bundle) on its own port.
final class UrumiProcess: @unchecked Sendable {
    let process = Process()
    let output = Pipe()
    let logURL: URL
    private(set) var baseURL = URL(string: "http://127.0.0.1:0")!

    /// The directory holding the built products (the `urumi` binary among them).
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var binary: URL { productsDirectory.appendingPathComponent("urumi") }

    /// Starts `urumi serve --port 0 ...` and waits until it prints its address.
    init(databaseURL: String, arguments: [String] = [], timeout: Duration = .seconds(30)) async throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-serve-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--database-url", databaseURL, "--auth", "none"] + arguments
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while ContinuousClock.now < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                baseURL = URL(string: String(text[range]))!
                return
            }
        }
        process.terminate()
        throw ProcessFailure.didNotStart(log: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
    }

    /// SIGKILL: no shutdown of any kind.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for the exit; a server still running after `grace` is a failure (and
    /// gets SIGKILL), never a test that hangs for good.
    func stop(grace: Duration = .seconds(20)) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("urumi serve did not exit within \(grace) of SIGTERM")
            kill()
        } else {
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
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

/// Runs the `urumi` binary to completion; returns its exit status and output.
func runUrumi(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = UrumiProcess.binary
    process.arguments = arguments
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
