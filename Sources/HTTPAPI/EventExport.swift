import EventStore
import Foundation
import Provisioning

/// Events as clients get them, in one place for the HTTP audit and `urumi audit`: the
/// public JSON (a page of `PublicEvent`), RFC 4180 CSV with the same columns, and the check
/// of event-type filters.
public enum EventExport {
    /// A page of the audit: `"next": null` on the last page.
    struct Page: Encodable {
        let items: [PublicEvent]
        let next: String?

        enum CodingKeys: String, CodingKey {
            case items
            case next
        }

        // Written out so that the last page says `"next": null` (as documented) rather than
        // leaving the key out, which is what the synthesized `encodeIfPresent` does.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(next, forKey: .next)
        }
    }

    /// The JSON of an audit page.
    public static func json(_ events: [RecordedEvent], next: String?, keys: any PersonalKeyRing) throws -> String {
        let items = events.map { PublicEvent($0, keys: keys) }
        return String(decoding: try APIJSON.encoder.encode(Page(items: items, next: next)), as: UTF8.self)
    }

    static let csvHeader =
        "id,recorded_at,store_id,stream,version,type,actor,correlation_id,causation_id,request_id,data"

    /// The events as RFC 4180 CSV, header first, CRLF line ends.
    public static func csv(_ events: [RecordedEvent], keys: any PersonalKeyRing) -> String {
        var out = csvHeader + "\r\n"
        for event in events {
            let fields: [String] = [
                event.cursor.description, StoreEvent.formatDate(event.recordedAt),
                StoreID(streamID: event.streamID)?.description ?? "", event.streamID.rawValue, "\(event.version)",
                event.type, event.metadata.actor, event.metadata.correlationID?.uuidString.lowercased() ?? "",
                event.metadata.causationID?.uuidString.lowercased() ?? "", event.metadata.requestID ?? "",
                (try? String(decoding: APIJSON.encoder.encode(PublicEvent(event, keys: keys).data), as: UTF8.self)) ?? "{}",
            ]
            out += fields.map(escape).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func escape(_ field: String) -> String {
        // Quote what needs it; a leading =, +, - or @ is quoted too so spreadsheets don't run it.
        let risky = field.first.map { "=+-@".contains($0) } ?? false
        guard risky || field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + (risky ? "'" : "") + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Nil when every type is known; otherwise the refusal, naming the known ones.
    public static func unknownTypes(_ types: [String]) -> String? {
        let unknown = types.filter { !PublicEvent.knownTypes.contains($0) }
        guard !unknown.isEmpty else { return nil }
        return "unknown event type \(unknown.joined(separator: ", ").prefix(200)); known: "
            + PublicEvent.knownTypes.joined(separator: ", ")
    }
}
