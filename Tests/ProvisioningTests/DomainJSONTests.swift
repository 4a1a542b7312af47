import EventStore
import Foundation
import Testing

@testable import Provisioning

/// The hand-written JSON of states and views (`StoreState+JSON.swift`, `StoreView+JSON.swift`)
/// is `JSONEncoder`'s, byte for byte, and decodes back to the very value, for states of every
/// shape: folded from the frozen sample of every event type (`Fixtures/`), one after another, in
/// stories that reach every field, with personal data opened, in clear and erased.
@Suite("Hand-written domain JSON")
struct DomainJSONTests {
    /// The frozen samples by file name (without `.json`), decoded.
    static func fixtures() throws -> [String: StoreEvent] {
        let directory = WireFormatFixtureTests.directory
        var events: [String: StoreEvent] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            let type = name.split(separator: ".").dropLast().joined(separator: ".")
            let text = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
            let recorded = RecordedEvent(
                id: UUID(), streamID: Fixtures.id.streamID, version: 1, cursor: LogCursor(transactionID: 1, position: 1),
                type: type, data: text, metadata: EventMetadata(actor: "alice"), recordedAt: Fixtures.t0)
            events[name] = try #require(try StoreEvent(recorded), "\(file)")
        }
        return events
    }

    /// A sealed request as it reads once opened (or once its key is gone), with awkward text.
    static func request(_ email: PersonalText, name: String) -> StoreEvent {
        var requested = StoreEvent.Requested(
            storeId: Fixtures.id,
            spec: StoreSpec(name: name, domain: "shop.example.com", adminEmail: "unused@example.com", plan: .large),
            requestedBy: "carol \"the admin\" / ops\\team")
        requested.adminEmail = email
        return .requested(requested)
    }

    static let stories: [[String]] = [
        [
            "store.requested.v1.1", "store.step-started.v1.1", "store.step-succeeded.v1.1", "store.step-failed.v1.1",
            "store.step-failed.v1.3", "store.step-failed.v1.2", "store.compensation-started.v1.1",
            "store.compensation-step-failed.v1.2", "store.compensation-step-failed.v1.1",
            "store.step-compensated.v1.1", "store.compensation-failed.v1.1", "store.retry-requested.v1.1",
            "store.step-started.v1.1", "store.ready.v1.1", "store.deletion-protection-changed.v1.1",
            "store.health-checked.v1.1", "store.drift-detected.v1.1", "store.change-requested.v1.1", "store.change-step-started.v1.1",
            "store.change-step-succeeded.v1.1", "store.change-step-failed.v1.2", "store.change-step-failed.v1.1", "store.rollback-started.v1.1",
            "store.change-failed.v1.1", "store.change-requested.v1.2", "store.backup-completed.v1.1", "store.restored.v1.1",
            "store.changed.v1.1", "store.suspended.v1.1", "store.resumed.v1.1", "store.backup-failed.v1.1",
            "store.backup-deleted.v1.1", "store.backup-expired.v1.1", "store.credentials-viewed.v1.1",
            "store.compensation-started.v1.2", "store.forgotten.v1.1", "store.deletion-requested.v1.1", "store.deleted.v1.1",
            "store.deleted.v1.2",
        ],
        ["store.requested.v1.2", "store.step-started.v1.1", "store.failed.v1.1", "store.deletion-requested.v1.1"],
    ]

    /// Every state of every story, and of sealed requests opened and erased.
    static func states() throws -> [StoreState] {
        let fixtures = try fixtures()
        var openings: [[StoreEvent]] = stories.map { $0.map { fixtures[$0]! } }
        let awkward = "Zoë's \"best\" shop \\ 100% / ½ — \u{2028}\u{7F}\t\n\u{1}"
        for email in [PersonalText.opened("owner+shop@example.com"), .erased] {
            openings.append(
                [request(email, name: awkward), fixtures["store.step-started.v1.1"]!, fixtures["store.step-succeeded.v1.1"]!]
                    + ["store.ready.v1.1", "store.forgotten.v1.1"].map { fixtures[$0]! })
        }
        var states: [StoreState] = []
        for story in openings {
            var state: StoreState?
            for (index, event) in story.enumerated() {
                state = StoreState.evolve(state, event, at: Fixtures.t0.addingTimeInterval(Double(index) * 1.001))
                state?.version = Int64(index + 1)
                if let state { states.append(state) }
            }
        }
        return states
    }

    @Test func aStateIsWrittenAsTheEncoderWritesItAndDecodesBackToItself() throws {
        let states = try Self.states()
        #expect(states.count > 40)
        for state in states {
            let hand = try StoreProjection.encode(state)
            #expect(hand == (try StoreProjection.encodeJSON(state)), "v\(state.version) \(state.status)")
            #expect(try StoreProjection.decode(hand) == state)
        }
        #expect(states.contains { $0.spec.adminEmail == PersonalText.erasedMarker && $0.personalDataSealed == true })
        #expect(states.contains { $0.operation != nil } && states.contains { !$0.backups.isEmpty })
        #expect(states.contains { $0.health != nil } && states.contains { $0.spec.cloneOf != nil })
        #expect(states.contains { $0.drift != nil } && states.contains { $0.waitingForCluster != nil })
    }

    /// The encoders are written field by field: a field added to the state or the view is
    /// missed unless a state that has it is compared. Every frozen sample is in a story, so a
    /// new event (and what it sets) is compared as soon as its fixture exists.
    @Test func everyFrozenEventIsInAStory() throws {
        let told = Set(Self.stories.joined())
        // The sealed request: the stories' requests are opened or erased (see `states()`).
        let untold = try Self.fixtures().keys.filter { !told.contains($0) && $0 != "store.requested.v2.1" }
        #expect(untold.sorted() == [], "add these to a story in DomainJSONTests.stories")
    }

    @Test func aViewIsWrittenAsTheEncoderWritesItAndDecodesBackToItself() throws {
        for state in try Self.states() {
            let view = StoreView(state)
            let hand = try StoreProjection.encode(view)
            #expect(hand == (try StoreProjection.encodeJSON(view)), "v\(state.version) \(state.status)")
            #expect(try StoreProjection.decodeView(hand) == view)
        }
    }

    @Test func stepDetailsOfAnyShapeAreWrittenAsTheEncoderWritesThem() throws {
        for details in [[:], ["revision": "3"], ["b": "1", "a": "2", "B": "3", "a10": "x", "a9": "y"], ["\"k\"": "v\n"]] {
            var step = StepState()
            step.details = details
            var json = DomainJSONWriter()
            try step.writeJSON(to: &json)
            #expect(json.text == (try StoreProjection.encodeJSON(step)))
        }
    }
}
