import Foundation
import Testing

/// A known event set for audit tests: a real server on the simulated cluster with seeded
/// failures, two batches of stores (some failed, some deleted), and a time that splits them.
struct AuditFixture {
    let database: ServerDatabase
    let server: InProcessServer.Handle
    let client: HTTPClient
    /// Store ids created before and after `split`.
    let firstBatch: [String]
    let secondBatch: [String]
    let failed: [String]
    let deleted: [String]
    /// An instant (ISO 8601, milliseconds) after every event of the first batch and before
    /// every event of the second.
    let split: String

    static let batchSize = 12

    static func with(_ body: @escaping @Sendable (AuditFixture) async throws -> Void) async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url,
                arguments: ["--sim-latency", "0", "--sim-fail", "mysql=0.5", "--sim-seed", "7"]) { server in
                let client = HTTPClient(base: server.baseURL)

                let first = try await client.createStores("audit-a", count: batchSize)
                var stores = try await client.waitUntilSettled(count: batchSize)
                var deleted = try await deleteReady(2, of: stores, client)
                let split = try await splitTime(database)

                let second = try await client.createStores("audit-b", count: batchSize)
                stores = try await client.waitUntilSettled(count: 2 * batchSize)
                deleted += try await deleteReady(1, of: stores.filter { second.contains($0["id"] as! String) }, client)
                stores = try await client.waitUntilSettled(count: 2 * batchSize)

                let failed = stores.filter { $0["status"] as? String == "failed" }.map { $0["id"] as! String }
                try #require(
                    failed.contains { first.contains($0) } && failed.contains { second.contains($0) },
                    "seed 7 fails some stores of each batch")
                try #require(stores.filter { $0["status"] as? String == "deleted" }.count == 3)
                try await body(
                    AuditFixture(
                        database: database, server: server, client: client, firstBatch: first, secondBatch: second,
                        failed: failed, deleted: deleted, split: split))
            }
        }
    }

    /// Deletes the first `count` ready stores of `stores` and waits until they are gone.
    private static func deleteReady(_ count: Int, of stores: [[String: Any]], _ client: HTTPClient) async throws
        -> [String]
    {
        let ready = stores.filter { $0["status"] as? String == "ready" }.prefix(count).map { $0["id"] as! String }
        try #require(ready.count == count)
        for id in ready {
            #expect(try await client.request("DELETE", "/stores/\(id)?final_backup=false").status == 202)
            try await client.waitForStatus(id, "deleted")
        }
        return ready
    }

    /// The next millisecond after the last event, by the database's clock (which stamps
    /// `recorded_at`); returns once that clock has passed it, so later events come after.
    private static func splitTime(_ database: ServerDatabase) async throws -> String {
        let rows = try await database.pool.query(
            """
            select to_char((date_trunc('milliseconds', max(recorded_at)) + interval '1 millisecond') at time zone 'UTC',
                           'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as split
            from events
            """)
        let split = try rows.first!.decode(String.self, "split")
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let passed = try await database.pool.query("select clock_timestamp() > \(split)::timestamptz as passed")
            if try passed.first!.decode(Bool.self, "passed") { return split }
        }
        throw ProcessFailure.failed("the database clock did not pass \(split)")
    }

    /// `GET /audit?query` followed through every page of `limit`; fails on anything but 200.
    func walk(_ query: String, limit: Int) async throws -> (items: [[String: Any]], pages: [[String: Any]]) {
        var items: [[String: Any]] = []
        var pages: [[String: Any]] = []
        var after: String?
        repeat {
            let path = "/audit?\(query)&limit=\(limit)" + (after.map { "&after=\($0)" } ?? "")
            let response = try await client.get(path)
            guard response.status == 200 else {
                throw ProcessFailure.failed("\(path): \(response.status) \(response.text)")
            }
            let page = response.json
            pages.append(page)
            items += page["items"] as! [[String: Any]]
            after = page["next"] as? String
            if pages.count > 10_000 { throw ProcessFailure.failed("\(query): pagination does not end") }
        } while after != nil
        return (items, pages)
    }

    /// One page of at most 1,000 items that must be the whole answer.
    func audit(_ query: String) async throws -> [[String: Any]] {
        let (items, pages) = try await walk(query, limit: 1000)
        #expect(pages.count == 1, "\(query) fits one page")
        return items
    }
}

/// "ID TYPE" of audit items, to compare with the log.
func pairs(_ items: [[String: Any]]) -> [String] {
    items.map { "\($0["id"] as? String ?? "nil") \($0["type"] as? String ?? "nil")" }
}

/// RFC 4180: fields separated by commas, records by CRLF; a quoted field may hold commas,
/// line breaks and doubled quotes. `bareLineFeeds` counts records ended by LF alone.
func parseCSV(_ text: String) -> (records: [[String]], bareLineFeeds: Int) {
    var records: [[String]] = []
    var record: [String] = []
    var field = String.UnicodeScalarView()
    var quoted = false
    var bare = 0
    let scalars = Array(text.unicodeScalars)
    var index = 0
    while index < scalars.count {
        let scalar = scalars[index]
        if quoted {
            if scalar == "\"" {
                if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                    field.append("\"")
                    index += 1
                } else {
                    quoted = false
                }
            } else {
                field.append(scalar)
            }
        } else {
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                record.append(String(field))
                field = .init()
            case "\r" where index + 1 < scalars.count && scalars[index + 1] == "\n", "\n":
                if scalar == "\n" { bare += 1 } else { index += 1 }
                record.append(String(field))
                records.append(record)
                (record, field) = ([], .init())
            default: field.append(scalar)
            }
        }
        index += 1
    }
    if !field.isEmpty || !record.isEmpty {
        record.append(String(field))
        records.append(record)
    }
    return (records, bare)
}

/// Two JSON values are the same (key order aside).
func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
}
