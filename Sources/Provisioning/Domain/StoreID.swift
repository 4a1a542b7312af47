import EventStore
import Foundation

/// A store's identity: a UUID, written in lower case. Its stream is `store-<id>`.
public struct StoreID: Hashable, Sendable, Codable, Comparable, LosslessStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID = UUID()) {
        self.uuid = uuid
    }

    public init?(_ text: String) {
        guard text.count == 36, let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
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
