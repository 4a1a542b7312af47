import Foundation
import Testing

/// Every REST route over real HTTP against the built `urumi serve`, with exact statuses,
/// content types, problem types and field names.
///
/// The nested suites share one server (fast simulated steps) and use their own domains;
/// tests that need a fault, a restart or an exact store count start their own server on
/// their own database.
@Suite("REST API", .sharedServer(["--sim-latency", "20ms"]), .timeLimit(.minutes(3)))
struct APITests {}

extension APITests {
    @Suite("Routes and health")
    struct Routes {
        @Test func anUnknownRouteIsANotFoundProblem() async throws {
            let client = try SharedServer.required.client
            for path in ["/nope", "/stores/x/y/z", "/health"] {
                let body = expectProblem(try await client.get(path), 404, "not-found")
                #expect(body["instance"] as? String == path)
            }
        }

        @Test func aWrongMethodOnAStoreIsAProblem() async throws {
            let client = try SharedServer.required.client
            let id = try await client.createdStoreID(domain: uniqueDomain("method"))
            for (method, path) in [("PUT", "/stores/\(id)"), ("PATCH", "/stores"), ("DELETE", "/stores")] {
                let response = try await client.request(method, path)
                #expect([404, 405].contains(response.status), "\(method) \(path): \(response.status)")
                expectProblem(response, response.status, response.status == 405 ? "method-not-allowed" : "not-found")
            }
        }

        @Test func healthLiveAndReadyAnswerJSON() async throws {
            let client = try SharedServer.required.client
            let live = expectJSON(try await client.get("/health/live"), 200)
            #expect(live["status"] as? String == "ok")
            #expect((live["cluster"] as? [String: Any])?["simulated"] as? Bool == true)
            let ready = expectJSON(try await client.get("/health/ready"), 200)
            #expect(ready["status"] as? String == "ready")
            #expect((ready["cluster"] as? [String: Any])?["kind"] as? String == "simulated")
        }
    }
}
