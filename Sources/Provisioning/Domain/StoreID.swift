import EventStore
import Foundation

/// A store's identity: a UUID, written in lower case. Its stream is `store-<id>`.
public struct StoreID: Hashable, Sendable, Codable, Comparable, LosslessStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID = UUID()) {
        self.uuid = uuid
    }

    public init?(_ text: String) {
        guard let uuid = Self.uuid(text) else { return nil }
        self.uuid = uuid
    }

    /// A UUID's 36-character text (hex digits in either case, dashes at 8, 13, 18 and 23), read
    /// by hand: `UUID(uuidString:)` scans with `sscanf` on Linux, and a fold reads a store id
    /// from every event's stream name. Stricter than `sscanf` (no signs, spaces or `0x`).
    static func uuid(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let complete = withUnsafeMutableBytes(of: &value) { bytes -> Bool in
                var index = 0
                for offset in 0..<16 {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard utf8[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                    }
                    guard let high = hexDigit(utf8[index]), let low = hexDigit(utf8[index + 1]) else { return false }
                    bytes[offset] = high << 4 | low
                    index += 2
                }
                return true
            }
            return complete ? UUID(uuid: value) : nil
        }
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public var description: String { uuid.uuidString.lowercased() }

    /// The event stream that holds this store's history.
    public var streamID: StreamID { try! StreamID("store-\(description)") }

    /// The store id of a `store-<id>` stream, or nil for other streams.
    public init?(streamID: StreamID) {
        guard streamID.rawValue.hasPrefix("store-") else { return nil }
        self.init(String(streamID.rawValue.dropFirst(6)))
    }

    /// The order of the ids' text (lower-case hex, dashes at fixed places), compared as the
    /// bytes it spells, without making the text: a rebuild sorts thousands.
    public static func < (lhs: StoreID, rhs: StoreID) -> Bool {
        withUnsafeBytes(of: lhs.uuid.uuid) { left in
            withUnsafeBytes(of: rhs.uuid.uuid) { right in left.lexicographicallyPrecedes(right) }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = StoreID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a store id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
