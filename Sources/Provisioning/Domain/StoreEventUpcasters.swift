import EventStore
import Foundation

/// Reads superseded wire formats as today's: every old `type` (name + version) has an upcaster
/// to the next version, and a chain of them brings any old event to today's shape before it
/// is decoded. Events in the log are never rewritten; old formats are read forever (their
/// fixtures, `Tests/ProvisioningTests/Fixtures/*.v1.*.json`, are decoded by the tests).
public enum StoreEventUpcasters {
    /// One step: from a version to the next, with the payload's change (nil: the next
    /// version reads the old payload as it is, so it is not even parsed).
    public struct Upcaster: Sendable {
        public let to: String
        public let transform: (@Sendable ([String: JSONValue]) throws -> [String: JSONValue])?
    }

    static let requestedV1 = "store.requested.v1"

    /// The registry: old type → its upcaster.
    public static let registry: [String: Upcaster] = [
        // v2 seals the admin e-mail with the store's key (`{"key","sealed"}`). A v1 e-mail was
        // written in clear, and stays so: it is read as a clear `PersonalText` (v2's field
        // takes a JSON string as text in clear), which marks the store as holding personal
        // data in the log (forgetting it needs `urumi events seal-legacy` first).
        requestedV1: Upcaster(to: StoreEvent.Kind.requested.rawValue, transform: nil)
    ]

    /// The old types this version reads.
    public static var supersededTypes: Set<String> { Set(registry.keys) }

    /// `type` and `data` brought to today's version (unchanged when already current).
    public static func upcast(type: String, data: String) throws -> (type: String, data: String) {
        var type = type
        var data = data
        var steps = 0
        while let upcaster = registry[type] {
            steps += 1
            precondition(steps <= registry.count, "the upcasters of \(type) form a cycle")
            if let transform = upcaster.transform {
                let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(data.utf8))
                data = String(decoding: try StoreEvent.encoder.encode(try transform(object)), as: UTF8.self)
            }
            type = upcaster.to
        }
        return (type, data)
    }
}
