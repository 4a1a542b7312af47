import Foundation
import Testing

/// Bodies and headers built to hurt: huge, deep, wide. Each gets a 4xx (or a closed
/// connection for headers), never a 500, and the server stays up and small.
@Suite("Security: hostile input", .timeLimit(.minutes(3)))
struct SecurityHostileInputTests {
    private func withServer(_ body: (UrumiProcess, _ admin: String) async throws -> Void) async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms"])
            defer { server.stop() }
            let admin = try await issueToken(database, name: "hostile-admin", role: "admin")
            try await body(server, admin)
            // Still alive and answering.
            #expect(server.process.isRunning, "the server died:\n\(server.log.suffix(2000))")
            let live = try await Wire.request(port: server.port, "GET", "/health/live")
            #expect(live.status == 200)
            #expect(!server.log.contains("unexpected error"), "\(server.log.suffix(2000))")
        }
    }

    private func post(
        _ server: UrumiProcess, _ path: String, _ body: Data, headers: [(String, String)], chunked: Bool = false
    )
        async throws -> Wire.Outcome
    {
        try await Wire.send(
            port: server.port, "POST", path, headers: headers + [("Content-Type", "application/json")], body: body,
            chunked: chunked)
    }

    /// Asserts a 4xx problem (not a 500) and returns its status.
    @discardableResult
    private func expectClientError(
        _ outcome: Wire.Outcome, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    )
        -> Int?
    {
        guard case .answered(let response) = outcome else {
            Issue.record("\(what): the connection closed without an answer", sourceLocation: sourceLocation)
            return nil
        }
        #expect(
            (400...499).contains(response.status), "\(what): \(response.status) \(response.text.prefix(300))",
            sourceLocation: sourceLocation)
        #expect(
            response.header("Content-Type") == "application/problem+json", "\(what)", sourceLocation: sourceLocation)
        return response.status
    }

    @Test func aTenMebibyteBodyIsRefusedWithoutGrowingTheServer() async throws {
        try await withServer { server, admin in
            let huge = Data(repeating: UInt8(ascii: " "), count: 10 * 1024 * 1024)
            // Warm up (first requests allocate pools and caches), then measure from here.
            for _ in 0..<3 { _ = try await post(server, "/stores", Data("{}".utf8), headers: [bearer(admin)]) }
            let before = residentKiB(server.pid)
            #expect(resetPeakResident(server.pid), "clear_refs")
            for (path, chunked) in [("/stores", false), ("/stores", true), ("/session", false), ("/session", true)] {
                let outcome = try await post(server, path, huge, headers: [bearer(admin)], chunked: chunked)
                if case .answered(let response) = outcome {
                    expectProblem(response.result, 413, "payload-too-large")
                } else {
                    Issue.record("\(path) chunked=\(chunked): closed without a 413")
                }
            }
            // Without a token, refused before the body is read.
            let anonymous = try await post(server, "/stores", huge, headers: [])
            if case .answered(let response) = anonymous {
                expectUnauthorized(response, "10 MiB without a token")
            } else {
                Issue.record("10 MiB without a token: closed without a 401")
            }
            let peak = residentKiB(server.pid, "VmHWM")
            #expect(before > 0 && peak > 0)
            #expect(peak - before < 20 * 1024, "resident set grew by \((peak - before) / 1024) MiB")
        }
    }

    @Test func deeplyNestedJSONIsAClientError() async throws {
        try await withServer { server, admin in
            let depth = 10_000
            let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            let inField =
                #"{"name":"# + arrays
                + #","domain":"deep.example.com","adminEmail":"a@deep.example.com","plan":"small"}"#
            for (name, body) in [("arrays", arrays), ("objects", objects), ("in a field", inField)] {
                let status = expectClientError(
                    try await post(server, "/stores", Data(body.utf8), headers: [bearer(admin)]), name)
                #expect(status == 400 || status == 422, "\(name): \(status ?? 0)")
            }
            // The sign-in form has a smaller limit: deep but within it.
            let shallower = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
            expectClientError(try await post(server, "/session", Data(shallower.utf8), headers: []), "sign-in")
        }
    }

    @Test func aBodyWithAHundredThousandKeysIsAClientError() async throws {
        try await withServer { server, admin in
            func keys(_ count: Int) -> Data {
                Data(("{" + (0..<count).map { #""k\#($0)":0"# }.joined(separator: ",") + "}").utf8)
            }
            expectClientError(
                try await post(server, "/stores", keys(100_000), headers: [bearer(admin)]), "100,000 keys")
            // Within the size limit: every unknown field is named, and it is still a 422.
            let outcome = try await post(server, "/stores", keys(5_000), headers: [bearer(admin)])
            #expect(expectClientError(outcome, "5,000 keys") == 422)
            // Repeated keys.
            let repeated = Data(
                ("{" + Array(repeating: #""name":"x""#, count: 5_000).joined(separator: ",") + "}").utf8)
            expectClientError(
                try await post(server, "/stores", repeated, headers: [bearer(admin)]), "5,000 repeated keys")
        }
    }

    @Test func oversizedHeadersAreRefusedOrCutOffAndTheServerStaysUp() async throws {
        try await withServer { server, admin in
            let big = String(repeating: "x", count: 64 * 1024)
            let cases: [(String, [(String, String)])] = [
                ("a 64 KiB header value", [("X-Padding", big)]),
                ("a 64 KiB Authorization", [("Authorization", "Bearer " + big)]),
                ("a 64 KiB Cookie", [("Cookie", "urumi_session=" + big)]),
                ("a 1 MiB header value", [("X-Padding", String(repeating: "y", count: 1024 * 1024))]),
                ("10,000 headers", (0..<10_000).map { ("X-H\($0)", "v") }),
            ]
            for (name, headers) in cases {
                for path in ["/health/live", "/stores"] {
                    let outcome = try await Wire.send(
                        port: server.port, "GET", path, headers: headers + [bearer(admin)])
                    if case .answered(let response) = outcome {
                        #expect((400...499).contains(response.status), "\(name) on \(path): \(response.status)")
                    }
                    // .closed: the server hung up on it, which is also fine.
                    #expect(server.process.isRunning, "\(name) killed the server")
                }
            }
            // What the server parses, it refuses as a problem, before authentication.
            let refused = try await Wire.request(port: server.port, "GET", "/stores", headers: [("X-Padding", big)])
            expectProblem(refused.result, 431, "headers-too-large")
            // Headers of a size real clients send still pass.
            let modest = try await Wire.request(
                port: server.port, "GET", "/stores",
                headers: [bearer(admin), ("X-Padding", String(repeating: "z", count: 8 * 1024))])
            #expect(modest.status == 200)
        }
    }
}
