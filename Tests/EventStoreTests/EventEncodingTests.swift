import EventStore
import Foundation
import Testing

@testable import PostgresEvents
import PostgresReadModels

/// The PostgreSQL store writes the events' JSON by hand (it is on the append path); it must mean
/// exactly what `JSONEncoder` would have written, whatever the strings hold.
@Suite("Event encoding for urumi_append", .timeLimit(.minutes(1)))
struct EventEncodingTests {
    static let awkward = [
        "plain", "", "quote \" and backslash \\ and slash /", "line\nfeed\rreturn\ttab", "\u{1}\u{1F}\u{7F}",
        "é e\u{301} 中文 🎉👩‍👩‍👧", "\\u0041 is not an escape here", "</script>",
    ]

    @Test func handWrittenJSONMeansWhatJSONEncoderWrites() throws {
        var events: [NewEvent] = []
        for (index, text) in Self.awkward.enumerated() {
            let metadata = EventMetadata(
                actor: text.isEmpty ? "x" : text, correlationID: index.isMultiple(of: 2) ? UUID() : nil,
                causationID: index.isMultiple(of: 3) ? UUID() : nil, requestID: index.isMultiple(of: 2) ? text : nil)
            events.append(NewEvent(type: #"t"\.v1"#, data: #"{"i":\#(index)}"#, metadata: metadata))
        }
        let text = try PostgresEventStore.encodeEvents(events)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == events.count)
        let encoder = JSONEncoder()
        for (index, (object, event)) in zip(parsed, events).enumerated() {
            #expect(object["id"] as? String == event.id.uuidString.lowercased())
            #expect(object["type"] as? String == event.type)
            #expect((object["data"] as? [String: Any])?["i"] as? Int == index)
            let expected = try JSONSerialization.jsonObject(with: encoder.encode(event.metadata)) as? NSDictionary
            #expect((object["metadata"] as? NSDictionary)?.isEqual(expected) == true, "\(event.metadata)")
            let decoded = try JSONDecoder().decode(
                EventMetadata.self, from: JSONSerialization.data(withJSONObject: object["metadata"]!))
            #expect(decoded == event.metadata)
        }
    }

    @Test func awkwardMetadataSurvivesTheDatabase() async throws {
        try await TestDatabase.with { database in
            let store = database.makeStore()
            let id = stream()
            let events = Self.awkward.map { text in
                NewEvent(
                    type: #"t"\.v1"#, data: "{}",
                    metadata: EventMetadata(actor: text.isEmpty ? "x" : text, correlationID: UUID(), requestID: text))
            }
            try await store.append(to: id, expected: .noStream, events: events)
            let read = try await store.readStream(id)
            #expect(read.map(\.metadata) == events.map(\.metadata))
            #expect(read.map(\.type) == events.map(\.type))
        }
    }
}
