import Foundation

/// The domain's one time format, `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), written and
/// read by arithmetic on the calendar instead of Foundation's ISO 8601 styles.
///
/// Every event, state and view holds several times, and a projection rebuild writes and reads
/// hundreds of thousands of them: Foundation's format styles cost microseconds each, this
/// costs tens of nanoseconds. It covers years 1970 to 9999 in exactly this form;
/// `StoreEvent.formatDate` and `parseDate` fall back to Foundation for anything else, and a test
/// compares the two over many instants, so the text and the `Date` are the same either way.
enum MillisecondTime {
    /// Seconds from 1970-01-01 to 2001-01-01 (Foundation's reference date).
    private static let referenceOffset: Int64 = 978_307_200
    /// Milliseconds from 1970-01-01 to 10000-01-01 (the first instant outside four digits).
    private static let end: Int64 = 253_402_300_800_000

    /// The text of `date` rounded to the millisecond; nil outside 1970...9999.
    static func format(_ date: Date) -> String? {
        let millis = (date.timeIntervalSinceReferenceDate * 1000).rounded()
        guard millis.isFinite, millis.magnitude < 1e15 else { return nil }
        let total = Int64(millis) + referenceOffset * 1000
        guard total >= 0, total < end else { return nil }
        let seconds = total / 1000
        let (year, month, day) = civil(days: seconds / 86_400)
        let time = seconds % 86_400
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int64, digits: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
            }
            put(year, digits: 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, digits: 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, digits: 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(time / 3600, digits: 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(time / 60 % 60, digits: 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(time % 60, digits: 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(total % 1000, digits: 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The instant of `text` in exactly this form (or without the fraction), rounded to the
    /// millisecond as `parseDate` rounds; nil for anything else (Foundation reads it then).
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24 || bytes.count == 20 else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int64? {
                var value: Int64 = 0
                for index in offset..<offset + digits {
                    let digit = bytes[index] &- 0x30
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            let fraction = bytes.count == 24
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                !fraction || bytes[19] == UInt8(ascii: "."),
                let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), let millis = fraction ? number(20, 3) : 0,
                year >= 1970, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24,
                minute < 60, second < 60
            else { return nil }
            let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            let sinceReference = (seconds - referenceOffset) * 1000 + millis
            return Date(timeIntervalSinceReferenceDate: Double(sinceReference) / 1000)
        }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year >= 1970),
    /// counting in 400-year eras that begin on 1 March (the leap day ends a year).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = shifted / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01 (days >= 0): the inverse of `days(year:month:day:)`.
    private static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
