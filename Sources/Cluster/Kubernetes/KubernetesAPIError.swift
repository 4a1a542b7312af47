/// The API server answered with an error status. `status` is the decoded `Status` object when
/// the body was one (its `message` is the server's own words and carries no credential).
public struct KubernetesAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let reason: String?
    public let message: String?
    /// What we were doing, e.g. "create namespace store-1234".
    public let operation: String

    public init(code: Int, reason: String? = nil, message: String? = nil, operation: String) {
        self.code = code
        self.reason = reason
        self.message = message
        self.operation = operation
    }

    /// Builds the error from a response body (a `kind: Status` object, or anything else).
    init(code: Int, body: [UInt8], operation: String) {
        let status = try? JSONValue.parse(body)
        let isStatus = status?["kind"]?.string == "Status"
        self.init(
            code: code, reason: isStatus ? status?["reason"]?.string : nil,
            message: isStatus ? status?["message"]?.string : Self.snippet(body), operation: operation)
    }

    private static func snippet(_ body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    public var description: String {
        "\(operation): \(code)\(reason.map { " \($0)" } ?? "")\(message.map { ": \($0)" } ?? "")"
    }
}
