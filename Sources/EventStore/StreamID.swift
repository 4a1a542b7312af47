/// The name of an event stream, e.g. `store-7f3c…`.
///
/// Non-empty, at most 200 characters, printable ASCII letters, digits and `-_.:`; anything
/// else is rejected at construction so a bad name never reaches a store.
public struct StreamID: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let maxLength = 200
    public let rawValue: String

    public init(_ rawValue: String) throws(EventStoreError) {
        guard !rawValue.isEmpty else { throw .invalidStreamID(rawValue, reason: "must not be empty") }
        guard rawValue.utf8.count <= Self.maxLength else {
            throw .invalidStreamID(rawValue, reason: "longer than \(Self.maxLength) characters")
        }
        let allowed = rawValue.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
        }
        guard allowed else {
            throw .invalidStreamID(rawValue, reason: "only letters, digits and - _ . : are allowed")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
