import ArgumentParser
import AsyncHTTPClient
import EventStore
import Foundation
import NIOCore
import NIOHTTP1

/// `--api-url` and `--token`: for the subcommands that are clients of a running server's API
/// (`urumi rollouts`), rather than writers of the log.
struct APIOptions: ParsableArguments {
    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp("The Urumi API, e.g. http://127.0.0.1:8080 (default: $URUMI_API_URL, else that).", valueName: "url"))
    var apiURL: String?

    @Option(help: ArgumentHelp("An API token (default: $URUMI_TOKEN; none with --auth none).", valueName: "token"))
    var token: String?

    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        let base = apiURL ?? environment["URUMI_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--api-url must be an http(s) URL such as http://127.0.0.1:8080, got \(base)")
        }
        let token = token ?? environment["URUMI_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return APIClient(base: base.hasSuffix("/") ? String(base.dropLast()) : base, token: token)
    }
}

/// What the API refused, or why it could not be asked: one readable reason for the CLI.
struct APIClientError: Error, CustomStringConvertible {
    let description: String

    /// From an `application/problem+json` answer: its title and detail, then each field's problem.
    init(status: Int, body: Data) {
        guard let problem = try? JSONValue.parse(body), let title = problem["title"]?.string else {
            let text = String(decoding: body.prefix(300), as: UTF8.self)
            description = "the API answered \(status)\(text.isEmpty ? "" : ": \(text)")"
            return
        }
        var lines = ["\(title) (\(status))" + (problem["detail"]?.string.map { ": \($0)" } ?? "")]
        for error in problem["errors"]?.array ?? [] {
            lines.append("  \(error["field"]?.string ?? "?"): \(error["message"]?.string ?? "")")
        }
        description = lines.joined(separator: "\n")
    }

    init(_ description: String) {
        self.description = description
    }
}

/// A small JSON client of the Urumi API.
struct APIClient: Sendable {
    let base: String
    let token: String?

    /// Sends `body` (if any) and returns the answer's JSON; a non-2xx answer throws its problem.
    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "urumi-cli")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.encoded()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 32 << 20)
        } catch {
            throw APIClientError("cannot reach the Urumi API at \(base): \(error)")
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw APIClientError(status: Int(response.status.code), body: data)
        }
        do {
            return try JSONValue.parse(data)
        } catch {
            throw APIClientError("the API's answer to \(method) \(path) is not JSON")
        }
    }
}
