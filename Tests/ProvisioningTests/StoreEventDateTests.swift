import Foundation
@testable import Provisioning
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

    /// Foundation's way, as `formatDate` and `parseDate` did it before `MillisecondTime`.
    static func foundationFormat(_ date: Date) -> String {
        let millis = (date.timeIntervalSinceReferenceDate * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let whole = Date(timeIntervalSinceReferenceDate: seconds).formatted(.iso8601)
        return "\(whole.dropLast()).\(String(format: "%03d", Int(millis - seconds * 1000)))Z"
    }

    static func foundationParse(_ text: String) -> Date? {
        guard let date = try? Date(text, strategy: .iso8601) else { return nil }
        return Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate * 1000).rounded() / 1000)
    }

    @Test func theCalendarArithmeticWritesAndReadsWhatFoundationDoes() throws {
        var generator = SystemRandomNumberGenerator()
        // Leap days, year ends and century years, then instants spread over 1970-9999.
        var instants: [Double] = [0, 951_782_400, 951_868_799.999, 4_107_542_400, 4_107_628_799.5, 253_402_300_799.999]
        for _ in 0..<20_000 { instants.append(Double.random(in: 0..<253_402_300_800, using: &generator)) }
        for _ in 0..<5_000 { instants.append(Double(Int64.random(in: 0..<4_102_444_800_000, using: &generator)) / 1000) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            let fast = try #require(MillisecondTime.format(date), "\(seconds)")
            let slow = Self.foundationFormat(date)
            #expect(fast == slow, "\(seconds)")
            let parsed = try #require(MillisecondTime.parse(slow), "\(slow)")
            #expect(parsed == Self.foundationParse(slow), "\(slow)")
            #expect(MillisecondTime.parse(String(slow.prefix(19)) + "Z") == Self.foundationParse(String(slow.prefix(19)) + "Z"))
        }
    }

    @Test func anythingButTheDomainsOwnFormIsLeftToFoundation() {
        for text in [
            "2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "1969-12-31T23:59:59.000Z",
            "2026-01-01T00:00:00.000+02:00", "2026-01-01T00:00:00.12Z", "2026-01-01 00:00:00.000Z", "2026-01-01T00:00:60.000Z",
        ] {
            #expect(MillisecondTime.parse(text) == nil, "\(text)")
        }
        #expect(StoreEvent.parseDate("2026-01-01T02:00:00.000+02:00") == StoreEvent.parseDate("2026-01-01T00:00:00.000Z"))
        #expect(MillisecondTime.format(Date(timeIntervalSince1970: -0.25)) == nil)
        #expect(StoreEvent.formatDate(.distantPast) == Self.foundationFormat(.distantPast))
    }
}
