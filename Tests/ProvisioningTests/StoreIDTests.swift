import EventStore
import Foundation
import Testing

@testable import Provisioning

@Suite("Store ids")
struct StoreIDTests {
    @Test func anIdIsWrittenInLowerCaseAndNamesItsStream() throws {
        let id = try #require(StoreID("0B7E2F4C-1D2A-4E5B-9C8D-7F6A5B4C3D2E"))
        #expect(id == Fixtures.id)
        #expect(id.description == "0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e")
        #expect(id.streamID.rawValue == "store-0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e")
        #expect(StoreID(streamID: id.streamID) == id)
    }

    @Test(arguments: [
        "", "store", "0b7e2f4c1d2a4e5b9c8d7f6a5b4c3d2e", "{0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e}", "not-a-uuid",
    ])
    func aStringThatIsNotAUUIDIsNoId(text: String) {
        #expect(StoreID(text) == nil)
    }

    @Test func anIdIsReadAsFoundationReadsAUUID() {
        for _ in 0..<2000 {
            let uuid = UUID()
            #expect(StoreID(uuid.uuidString)?.uuid == uuid)
            #expect(StoreID(uuid.uuidString.lowercased())?.uuid == uuid)
        }
        for text in ["0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2g", "0b7e2f4c-1d2a-4e5b-9c8d_7f6a5b4c3d2e", "0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2", " b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e"] {
            #expect(StoreID(text) == nil, "\(text)")
        }
    }

    @Test func idsSortAsTheirText() {
        let ids = (0..<2000).map { _ in StoreID() }
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted())
    }

    @Test func onlyStoreStreamsHoldAStoreId() throws {
        #expect(StoreID(streamID: try StreamID("tokens-0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e")) == nil)
        #expect(StoreID(streamID: try StreamID("store-nope")) == nil)
    }

    @Test func anIdIsEncodedAsItsString() throws {
        let json = try JSONEncoder().encode([Fixtures.id])
        #expect(String(decoding: json, as: UTF8.self) == #"["0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e"]"#)
        #expect(try JSONDecoder().decode([StoreID].self, from: json) == [Fixtures.id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([StoreID].self, from: Data(#"["x"]"#.utf8)) }
    }
}
