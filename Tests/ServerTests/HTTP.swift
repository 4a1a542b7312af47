import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response as tests look at it.
struct HTTPResult: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:]
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A small HTTP client over URLSession (no caching, no cookies).
struct HTTPClient: Sendable {
    let base: URL

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    func request(
        _ method: String, _ path: String, json: Any? = nil, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return HTTPResult(status: http.statusCode, headers: fields, body: data)
    }

    func get(_ path: String) async throws -> HTTPResult { try await request("GET", path) }

    /// Creates a store; returns the response.
    func createStore(_ name: String, domain: String, plan: String = "small", key: String? = nil) async throws -> HTTPResult {
        try await request(
            "POST", "/stores", json: ["name": name, "domain": domain, "adminEmail": "admin@\(domain)", "plan": plan],
            headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    /// Every store (all pages).
    func allStores() async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var after: String?
        repeat {
            let path = "/stores?limit=500" + (after.map { "&after=\($0)" } ?? "")
            let page = try JSONSerialization.jsonObject(with: try await get(path).body) as! [String: Any]
            items += page["items"] as! [[String: Any]]
            after = page["next"] as? String
        } while after != nil
        return items
    }

    /// Polls the store list until `done` holds for it, or fails after `timeout`.
    func waitForStores(
        timeout: Duration = .seconds(90), _ done: @escaping ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let stores = try await allStores()
            if done(stores) { return stores }
            if ContinuousClock.now > deadline {
                let statuses = stores.map { $0["status"] as? String ?? "?" }
                throw ProcessFailure.failed("timed out waiting for stores; statuses: \(statuses)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

let terminalStatuses: Set<String> = ["ready", "failed", "deleted"]
