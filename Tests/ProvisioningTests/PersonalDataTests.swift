import EventStore
import Foundation
import Testing

@testable import Provisioning

/// A key ring for the domain's tests: "opens" a sealed text by reversing it (the domain never
/// sees a cipher; the real AES-GCM ring is tested in `AppTests/StoreKeyRingTests`).
private struct ReversingRing: PersonalKeyRing {
    /// The stores loaded, and whether their key still exists.
    let keys: [StoreID: Bool]

    func open(_ sealed: SealedText, of store: StoreID) throws -> String? {
        guard let exists = keys[store] else { throw PersonalDataError.keyNotLoaded(store) }
        return exists ? String(sealed.sealed.reversed()) : nil
    }
}

private let sealedEmail = SealedText(key: Fixtures.id.description, sealed: String("owner@example.com".reversed()))

private func request(_ email: PersonalText) -> StoreEvent {
    var payload = StoreEvent.Requested(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "alice")
    payload.adminEmail = email
    return .requested(payload)
}

private func recorded(_ event: StoreEvent, version: Int64 = 1) -> RecordedEvent {
    let new = event.newEvent(metadata: EventMetadata(actor: "alice"))
    return RecordedEvent(
        id: new.id, streamID: Fixtures.id.streamID, version: version, cursor: LogCursor(transactionID: 1, position: version),
        type: new.type, data: new.data, metadata: new.metadata, recordedAt: at(Double(version)))
}

private let ready = StoreEvent.ready(.init(urls: StoreURLs(domain: "shop.example.com"), totalDurationMs: 1))

@Suite("Personal data: sealed, opened, upcast, forgotten")
struct PersonalDataTests {
    @Test func aSealedRequestIsWrittenAsV2WithoutTheEmailAndAClearOneAsV1() {
        let sealed = recorded(request(.sealed(sealedEmail)))
        #expect(sealed.type == "store.requested.v2")
        #expect(!sealed.data.contains("owner@example.com"))
        #expect(sealed.data.contains(#""adminEmail":{"key":"0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e","sealed":"#))
        let clear = recorded(request(.clear("owner@example.com")))
        #expect(clear.type == "store.requested.v1")
        #expect(clear.data.contains(#""adminEmail":"owner@example.com""#))
    }

    @Test func aV1RequestIsUpcastToTodaysRequestWithTheEmailInClear() throws {
        let v1 = #"{"adminEmail":"owner@example.com","domain":"shop.example.com","name":"Demo Shop","plan":"small","requestedBy":"alice","storeId":"0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e"}"#
        let upcast = try StoreEventUpcasters.upcast(type: "store.requested.v1", data: v1)
        #expect(upcast.type == "store.requested.v2")
        let event = RecordedEvent(
            id: UUID(), streamID: Fixtures.id.streamID, version: 1, cursor: LogCursor(transactionID: 1, position: 1),
            type: "store.requested.v1", data: v1, metadata: EventMetadata(actor: "alice"), recordedAt: at(0))
        let decoded = try #require(try StoreEvent(event, keys: NoPersonalKeys()))
        #expect(decoded.kind == .requested)
        #expect(decoded == request(.clear("owner@example.com")))
        let state = try #require(try StoreProjection.fold([event], keys: NoPersonalKeys()))
        #expect(state.spec.adminEmail == "owner@example.com")
        #expect(state.personalDataSealed == false)
    }

    @Test func todaysTypesAreNotUpcast() throws {
        for type in StoreEvent.Kind.allCases.map(\.rawValue) {
            #expect(try StoreEventUpcasters.upcast(type: type, data: "{}") == (type, "{}"))
        }
    }

    @Test func foldingOpensTheEmailWithItsKeyOrReadsErasedWithoutIt() throws {
        let stream = [recorded(request(.sealed(sealedEmail)))]
        let opened = try #require(try StoreProjection.fold(stream, keys: ReversingRing(keys: [Fixtures.id: true])))
        #expect(opened.spec.adminEmail == "owner@example.com")
        #expect(opened.personalDataSealed == true)
        #expect(StoreView(opened).adminEmail == "owner@example.com")
        let erased = try #require(try StoreProjection.fold(stream, keys: ReversingRing(keys: [Fixtures.id: false])))
        #expect(erased.spec.adminEmail == "[erased]")
        #expect(StoreView(erased).adminEmail == "[erased]")
    }

    @Test func aRingNotLoadedForTheStoreIsAnErrorNeverErased() {
        let stream = [recorded(request(.sealed(sealedEmail)))]
        #expect(throws: PersonalDataError.keyNotLoaded(Fixtures.id)) {
            try StoreProjection.fold(stream, keys: NoPersonalKeys())
        }
        #expect(throws: PersonalDataError.keyNotLoaded(Fixtures.id)) {
            try StoreProjection.fold(stream, keys: ReversingRing(keys: [StoreID(): true]))
        }
    }

    @Test func anOpenedFieldIsNeverWrittenBack() {
        #expect(throws: EncodingError.self) { try StoreEvent.encoder.encode(PersonalText.opened("owner@example.com")) }
        #expect(throws: EncodingError.self) { try StoreEvent.encoder.encode(PersonalText.erased) }
    }

    @Test func theForgottenEventErasesWhatWasOpenedBeforeIt() throws {
        let stream = [
            recorded(request(.sealed(sealedEmail))), recorded(ready, version: 2),
            recorded(.forgotten(.init(by: "alice")), version: 3),
        ]
        // Even with the key still there (a replica that read it just before), the event wins.
        let state = try #require(try StoreProjection.fold(stream, keys: ReversingRing(keys: [Fixtures.id: true])))
        #expect(state.spec.adminEmail == "[erased]")
        #expect(state.forgottenAt == at(3))
        #expect(state.version == 3)
        #expect(state.status == .ready)
    }

    @Test func aReadyStoreIsForgottenOnceAndARepeatChangesNothing() {
        let opened = request(.opened("owner@example.com"))
        given(opened, ready).when(.forget(by: "bob")).then([.forgotten(.init(by: "bob"))])
        given(opened, ready, .forgotten(.init(by: "bob"))).when(.forget(by: "carol")).then([])
    }

    @Test func aStoreWhoseRequestHoldsTheEmailInClearIsRefused() {
        given(request(.clear("owner@example.com")), ready).when(.forget(by: "bob")).thenThrows(.legacyPersonalData(Fixtures.id))
    }

    @Test func aStoreWithARunningSagaIsRefused() {
        let opened = request(.opened("owner@example.com"))
        given(opened).when(.forget(by: "bob"))
            .thenThrows(.conflict(Fixtures.id, "store is provisioning; forget it once its saga has ended"))
        given(opened, ready, .deletionRequested(.init(by: "bob"))).when(.forget(by: "bob"))
            .thenThrows(.conflict(Fixtures.id, "store is deleting; forget it once its saga has ended"))
        given(opened, ready, .deletionRequested(.init(by: "bob")), .deleted(.init(domain: "shop.example.com")))
            .when(.forget(by: "bob")).then([.forgotten(.init(by: "bob"))])
        given().when(.forget(by: "bob")).thenThrows(.storeNotFound(Fixtures.id))
    }
}
