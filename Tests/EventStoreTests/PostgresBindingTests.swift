import Foundation
import Postgres
import Testing

/// Values travel as bound parameters and come back exactly as they went in.
@Suite("Postgres parameter binding", .timeLimit(.minutes(1)))
struct PostgresBindingTests {
    static let hostileStrings = [
        "it's", "'; drop table events; --", "\"; drop table events; --", "back\\slash", "\\", "\\\\x41",
        "E'\\x41'", "$1", "?", "NULL", "", " padded ", "tab\tnew\nline\rreturn", "{a,b}", "\"quoted\"",
        "é (composed) vs e\u{301} (decomposed)", "中文 русский العربية", "emoji 🎉👩‍👩‍👧‍👦🏳️‍🌈", "\u{7F}\u{1}",
        "-- comment", "/* comment */", String(repeating: "long 'x' ", count: 20_000),
    ]

    @Test func hostileStringsArriveVerbatim() async throws {
        try await TestDatabase.with { database in
            try await database.pool.query("create table notes (id int primary key, body text not null)")
            for (index, text) in Self.hostileStrings.enumerated() {
                let row = try #require(
                    try await database.pool.query(
                        "select \(text)::text as echoed, octet_length(\(text)::text) as bytes"
                    ).first)
                // Compare bytes: Swift's String equality would forgive a changed normalisation.
                #expect(Array(try row.decode(String.self, "echoed").utf8) == Array(text.utf8))
                #expect(try row.decode(Int.self, "bytes") == text.utf8.count)
                try await database.pool.query("insert into notes (id, body) values (\(index), \(text))")
            }
            let rows = try await database.pool.query("select id, body from notes order by id")
            #expect(rows.count == Self.hostileStrings.count)
            for row in rows {
                let index = try row.decode(Int.self, "id")
                #expect(Array(try row.decode(String.self, "body").utf8) == Array(Self.hostileStrings[index].utf8))
            }
            // The injection attempts were just text.
            #expect(try await database.pool.query("select 1 from events limit 1").isEmpty)
        }
    }

    @Test func nilBindsAsNull() async throws {
        try await TestDatabase.with { database in
            let none: String? = nil
            let noNumber: Int64? = nil
            let row = try #require(
                try await database.pool.query(
                    "select \(none)::text is null as null_text, \(noNumber)::bigint as n, \("x" as String?)::text as some"
                ).first)
            #expect(try row.decode(Bool.self, "null_text"))
            #expect(try row.decode(Int64?.self, "n") == nil)
            #expect(try row.text("n") == nil)
            #expect(try row.decode(String?.self, "some") == "x")
            #expect(throws: PostgresError.self) { try row.decode(Int64.self, "n") }
        }
    }

    @Test func arraysOfAwkwardStringsKeepEveryElement() async throws {
        try await TestDatabase.with { database in
            let elements = [
                "a\"b", "c,d", "{e}", "}{", "\\", "\\\"", "NULL", "null", "", " ", "'q'", "x y", "é🎉", "a,\"b\",{c}\\",
            ]
            let rows = try await database.pool.query(
                "select x, cardinality(\(elements)::text[]) as n from unnest(\(elements)::text[]) with ordinality as t(x, i) order by i"
            )
            #expect(rows.count == elements.count)
            #expect(try rows.map { Array(try $0.decode(String.self, "x").utf8) } == elements.map { Array($0.utf8) })
            #expect(try rows.first?.decode(Int.self, "n") == elements.count)
            // "NULL" is a string, not a null element.
            let nulls = try await database.pool.query(
                "select count(*) as n from unnest(\(elements)::text[]) as x where x is null")
            #expect(try nulls.first?.decode(Int.self, "n") == 0)
            let empty = try await database.pool.query("select cardinality(\([String]())::text[]) as n")
            #expect(try empty.first?.decode(Int.self, "n") == 0)
            let numbers: [Int64] = [.min, -1, 0, .max]
            let sum = try await database.pool.query(
                "select array_to_string(\(numbers)::bigint[], ' ') as s")
            #expect(try sum.first?.decode(String.self, "s") == numbers.map(String.init).joined(separator: " "))
        }
    }

    @Test func numbersBooleansAndUUIDsRoundTrip() async throws {
        try await TestDatabase.with { database in
            let id = UUID()
            let row = try #require(
                try await database.pool.query(
                    """
                    select \(Int64.min)::bigint as min, \(Int64.max)::bigint as max, \(Int64.max)::bigint - 1 as below,
                           \(Int32.min)::int as i32, \(Int.max)::bigint as int, \(UInt64(1) << 62)::numeric as u64,
                           \(true)::bool as yes, \(false)::bool as no, not \(true)::bool as negated,
                           \(id)::uuid as id, \(id)::uuid = \(id.uuidString.lowercased())::uuid as same,
                           \(0.1)::float8 as tenth, \(-1e-300)::float8 as tiny, \(Double.greatestFiniteMagnitude)::float8 as huge,
                           \(Double.infinity)::float8 as inf, \(-Double.infinity)::float8 as neginf, \(Double.nan)::float8 as nan
                    """
                ).first)
            #expect(try row.decode(Int64.self, "min") == .min)
            #expect(try row.decode(Int64.self, "max") == .max)
            #expect(try row.decode(Int64.self, "below") == .max - 1)
            #expect(try row.decode(Int32.self, "i32") == .min)
            #expect(try row.decode(Int.self, "int") == .max)
            #expect(try row.decode(UInt64.self, "u64") == 1 << 62)
            #expect(try row.decode(Bool.self, "yes") == true)
            #expect(try row.decode(Bool.self, "no") == false)
            #expect(try row.decode(Bool.self, "negated") == false)
            #expect(try row.decode(UUID.self, "id") == id)
            #expect(try row.decode(Bool.self, "same"))
            #expect(try row.decode(Double.self, "tenth") == 0.1)
            #expect(try row.decode(Double.self, "tiny") == -1e-300)
            #expect(try row.decode(Double.self, "huge") == .greatestFiniteMagnitude)
            #expect(try row.decode(String.self, "inf") == "Infinity")
            #expect(try row.decode(String.self, "neginf") == "-Infinity")
            #expect(try row.decode(String.self, "nan") == "NaN")
            // Out of range is the server's error, not a silent truncation.
            await #expect(throws: PostgresError.self) {
                try await database.pool.query("select \(Int64.max)::bigint + 1")
            }
        }
    }

    @Test func datesRoundTripToTheMicrosecond() async throws {
        try await TestDatabase.with { database in
            let dates = [
                Date(timeIntervalSince1970: 1_700_000_000.123456),
                Date(timeIntervalSince1970: 1_700_000_000.000001),
                Date(timeIntervalSince1970: 1_700_000_000.999999),
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: -0.5),  // before 1970, with a fraction
                Date(timeIntervalSince1970: -2_208_988_800.25),  // 1900-01-01
                Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29
                Date(timeIntervalSince1970: 4_102_444_799.999999),  // 2099-12-31
            ]
            for date in dates {
                let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
                let row = try #require(
                    try await database.pool.query(
                        """
                        select \(date)::timestamptz as t,
                               (extract(epoch from \(date)::timestamptz) * 1000000)::bigint as micros
                        """
                    ).first)
                // The server got the right instant...
                #expect(try row.decode(Int64.self, "micros") == micros, "\(date)")
                // ...and it reads back as the same instant.
                let back = try row.decode(Date.self, "t")
                #expect(Int64((back.timeIntervalSince1970 * 1_000_000).rounded()) == micros, "\(date)")
            }
            // A date the server stored reads back as that date.
            let stored = try #require(
                try await database.pool.query("select '2024-02-29 23:59:59.000007+00'::timestamptz as t").first)
            let parsed = try stored.decode(Date.self, "t")
            #expect(Int64((parsed.timeIntervalSince1970 * 1_000_000).rounded()) == 1_709_251_199_000_007)
        }
    }
}
