/// A point in the global log, in commit-safe order.
///
/// The log is read in order of (transaction id, position): positions come from a sequence
/// and are not commit-ordered, but a reader only goes past a transaction id once every
/// older transaction has ended (see docs/decisions/gap-free-reading.md). The cursor of an
/// event is that pair; its text form `TXID-POSITION` is what clients see (SSE `id:`).
public struct LogCursor: Hashable, Comparable, Sendable, Codable, LosslessStringConvertible {
    public let transactionID: UInt64
    public let position: Int64

    /// Before the first event.
    public static let start = LogCursor(transactionID: 0, position: 0)

    public init(transactionID: UInt64, position: Int64) {
        self.transactionID = transactionID
        self.position = position
    }

    public static func < (lhs: LogCursor, rhs: LogCursor) -> Bool {
        (lhs.transactionID, lhs.position) < (rhs.transactionID, rhs.position)
    }

    public var description: String { "\(transactionID)-\(position)" }

    /// Parses `TXID-POSITION` (or `0` for the start); nil for anything else.
    public init?(_ text: String) {
        if text == "0" {
            self = .start
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 20 }),
            let transactionID = UInt64(parts[0]), let position = Int64(parts[1]), position >= 0
        else { return nil }
        self.init(transactionID: transactionID, position: position)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let cursor = LogCursor(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad cursor"))
        }
        self = cursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
