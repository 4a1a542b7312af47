import Foundation
import Postgres

/// A real `urumi serve` (the binary beside this one) on a bench database, on a free port,
/// ended when the body returns.
struct BenchServer: Sendable {
    let process: UncheckedBox<Process>
    let port: Int

    /// The server's resident memory now.
    var residentKiB: Int { urumi_bench.residentKiB(of: process.value.processIdentifier) ?? 0 }

    static func with<T: Sendable>(
        _ database: BenchDatabase, arguments: [String] = [], _ body: (BenchServer) async throws -> T
    ) async throws -> T {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("urumi")
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "serve", "--port", "0", "--auth", "none", "--database-url", database.url, "--log-level", "warning",
        ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        let started = ContinuousClock.now
        while !text.contains("Urumi listening on"), ContinuousClock.now - started < .seconds(60) {
            text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last ?? "")
        else { throw BenchError.unexpected("urumi serve did not start: \(text.suffix(500))") }
        return try await body(BenchServer(process: UncheckedBox(value: process), port: port))
    }

    /// Waits until the server's projector has put `count` stores in the store list.
    func waitForProjection(_ count: Int, pool: PostgresPool, timeout: Duration = .seconds(600)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let rows = try await pool.query("select count(*) as n from store_view")
            if try rows.first?.decode(Int.self, "n") ?? 0 >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError.timedOut("the store list did not reach \(count) stores")
    }
}
