import Foundation
import Testing

/// Issues a token with the real `urumi tokens create`; returns it (the last line of stdout).
func issueToken(
    _ database: ServerDatabase, name: String, role: String, by: String = "security-tests",
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> String {
    let result = try await runUrumi([
        "tokens", "create", "--database-url", database.url, "--name", name, "--role", role, "--by", by,
    ])
    #expect(result.status == 0, "tokens create: \(result.stderr)", sourceLocation: sourceLocation)
    let token = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
    #expect(isTokenShaped(token, name: name), "\(result.stdout)", sourceLocation: sourceLocation)
    return token
}

/// Revokes a token with the real `urumi tokens revoke`.
func revokeToken(
    _ database: ServerDatabase, name: String, by: String = "security-tests",
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let result = try await runUrumi(["tokens", "revoke", "--database-url", database.url, name, "--by", by])
    #expect(result.status == 0, "tokens revoke: \(result.stderr)", sourceLocation: sourceLocation)
}

/// `urumi_<name>_<64 lowercase hex>`.
func isTokenShaped(_ token: String, name: String) -> Bool {
    let prefix = "urumi_\(name)_"
    guard token.hasPrefix(prefix) else { return false }
    let secret = token.dropFirst(prefix.count)
    return secret.utf8.count == 64
        && secret.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
}

/// The random part of a token (what is hashed).
func tokenSecret(_ token: String) -> String { String(token.suffix(64)) }

func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }

/// Reads the process's resident set (`VmRSS`) or its peak (`VmHWM`) in KiB from /proc.
func residentKiB(_ pid: Int32, _ field: String = "VmRSS") -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}

/// Resets the process's peak resident set to its current one (Linux: `clear_refs` 5).
func resetPeakResident(_ pid: Int32) -> Bool {
    FileManager.default.createFile(atPath: "/proc/\(pid)/clear_refs", contents: Data("5".utf8))
        || (try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil
}

extension UrumiProcess {
    /// SIGTERM, then waits up to `limit` for the exit; returns how long it took (nil: still
    /// running at the limit, then it is killed).
    func terminate(within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        Foundation.kill(process.processIdentifier, SIGTERM)
        while process.isRunning {
            if ContinuousClock.now - start > limit {
                Foundation.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return ContinuousClock.now - start
    }

}

/// Asserts the 401 every unauthenticated request gets: problem+json and a Bearer challenge.
func expectUnauthorized(_ response: WireResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectProblem(response.result, 401, "unauthorized", sourceLocation: sourceLocation)
    #expect(
        response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(what): \(response.fields)",
        sourceLocation: sourceLocation)
}
