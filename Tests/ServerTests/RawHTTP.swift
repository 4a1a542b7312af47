import Foundation

/// HTTP/1.1 sent byte for byte (through `Wire`), for requests URLSession will not send as
/// written (it adds a `Content-Type` to every POST without one), answered as an `HTTPResult`
/// like the other API tests' requests.
enum RawHTTP {
    /// Sends `method path` with `headers` and `body` (always with its `Content-Length`) to
    /// 127.0.0.1:`port`.
    static func send(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: Data = Data()
    ) async throws -> HTTPResult {
        try await Wire.request(port: port, method, path, headers: headers, body: body).result
    }
}
