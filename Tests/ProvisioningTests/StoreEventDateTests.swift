import Foundation
import Provisioning
import Testing

/// Event and read-model timestamps survive any number of decode-and-encode rounds.
@Suite("Event dates")
struct StoreEventDateTests {
    @Test func aFormattedDateParsesAndFormatsToTheSameText() throws {
        // Every millisecond of one second: a truncating formatter turned some .xyz into .xy(z-1).
        for millisecond in 0..<1000 {
            let text = "2026-11-27T15:45:44.\(String(format: "%03d", millisecond))Z"
            let date = try #require(StoreEvent.parseDate(text))
            #expect(StoreEvent.formatDate(date) == text)
        }
    }

    @Test func datesAreRoundedToTheNearestMillisecondInUTC() {
        #expect(StoreEvent.formatDate(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(StoreEvent.formatDate(Date(timeIntervalSince1970: 1_795_794_344.737_6)) == "2026-11-27T15:45:44.738Z")
        #expect(StoreEvent.formatDate(Date(timeIntervalSince1970: 1_795_794_344.737_4)) == "2026-11-27T15:45:44.737Z")
        #expect(StoreEvent.formatDate(Date(timeIntervalSince1970: 1_795_794_344.999_7)) == "2026-11-27T15:45:45.000Z")
        #expect(StoreEvent.formatDate(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
    }
}
