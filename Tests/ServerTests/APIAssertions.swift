import Foundation
import Postgres
import Testing

/// The problem types of the API, as clients match them.
enum ProblemType {
    static func uri(_ name: String) -> String { "https://urumi.dev/problems/\(name)" }
}

/// Asserts a JSON (not problem) response with `status`; returns its body.
@discardableResult
func expectJSON(_ response: HTTPResult, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation)
    -> [String: Any]
{
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
    return response.json
}

/// Asserts an RFC 9457 problem: status, `application/problem+json`, its `type` URI, the body's
/// `status`, and, when given, exactly the fields named in `errors` (in order).
@discardableResult
func expectProblem(
    _ response: HTTPResult, _ status: Int, _ type: String, fields: [String]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [String: Any] {
    let body = response.json
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
    #expect(body["type"] as? String == ProblemType.uri(type), "\(response.text)", sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == status, sourceLocation: sourceLocation)
    #expect((body["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(
        (body["requestId"] as? String)?.isEmpty == false, "a problem names its request", sourceLocation: sourceLocation)
    if let fields {
        let named = (body["errors"] as? [[String: Any]])?.map { $0["field"] as? String ?? "?" } ?? []
        #expect(named == fields, "\(response.text)", sourceLocation: sourceLocation)
    }
    return body
}

/// A domain no other test uses, e.g. `create-3f9a2c1b.example.com`.
func uniqueDomain(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased()).example.com"
}

/// A valid create body for `domain`, with `changes` applied (NSNull removes a field).
func storeBody(domain: String, _ changes: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = [
        "name": "Shop \(domain.prefix(12))", "domain": domain, "adminEmail": "admin@\(domain)", "plan": "small",
    ]
    for (key, value) in changes {
        if value is NSNull { body.removeValue(forKey: key) } else { body[key] = value }
    }
    return body
}

extension HTTPClient {
    func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> HTTPResult {
        try await request("POST", path, json: json, headers: headers)
    }

    /// Creates a store and returns its id (fails the test unless the answer is 202).
    func createdStoreID(domain: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await post("/stores", json: storeBody(domain: domain))
        let body = expectJSON(response, 202, sourceLocation: sourceLocation)
        return try #require(body["id"] as? String, sourceLocation: sourceLocation)
    }

    /// Polls `GET /stores/{id}` until `done` holds, or fails after `timeout`.
    @discardableResult
    func waitForStore(
        _ id: String, timeout: Duration = .seconds(30), _ done: @escaping ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let response = try await get("/stores/\(id)")
            if response.status == 200, done(response.json) { return response.json }
            if ContinuousClock.now > deadline {
                throw ProcessFailure.failed("timed out waiting for store \(id): \(response.status) \(response.text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until the store has `status`.
    @discardableResult
    func waitForStatus(_ id: String, _ status: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        try await waitForStore(id, timeout: timeout) { $0["status"] as? String == status }
    }
}

/// The steps of a store body by name.
func steps(_ store: [String: Any]) -> [String: [String: Any]] {
    Dictionary(
        uniqueKeysWithValues: ((store["steps"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "?", $0) })
}

extension ServerDatabase {
    /// The types of the events of store `id`'s stream, in stream order.
    func eventTypes(ofStore id: String) async throws -> [String] {
        let rows = try await pool.query(
            "select type from events where stream_id = \("store-" + id) order by stream_version")
        return try rows.map { try $0.decode(String.self, "type") }
    }

    /// The data of the events of `type` on store `id`'s stream, as JSON objects.
    func eventData(ofStore id: String, type: String) async throws -> [[String: Any]] {
        let rows = try await pool.query(
            """
            select data::text as data from events
            where stream_id = \("store-" + id) and type = \(type) order by stream_version
            """)
        return try rows.map {
            try JSONSerialization.jsonObject(with: Data(try $0.decode(String.self, "data").utf8)) as! [String: Any]
        }
    }

    /// Every row of `table` as `to_jsonb(row)::text`, ordered by `store_id`.
    func dump(_ table: String) async throws -> [String] {
        precondition(["store_view", "saga_queue"].contains(table))
        let rows = try await pool.query(
            PostgresQuery(unsafeSQL: "select to_jsonb(t)::text as row from \(table) t order by store_id"))
        return try rows.map { try $0.decode(String.self, "row") }
    }
}
