import Foundation
import HummingbirdTesting
import Testing

/// `GET /stores?q=` over the routes: name or domain, any case, with `status`; a search that is
/// too long or holds control characters is a 400 problem naming `q`, like the other parameters.
@Suite("Store search over HTTP", .timeLimit(.minutes(1)))
struct StoreSearchRouteTests {
    @Test func qNarrowsTheListByNameOrDomainAndCombinesWithStatus() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            for (name, domain) in [("Corner Bakery", "bread.example.com"), ("Tea House", "tea.example.org"), ("Bike Shop", "bikes.example.com")] {
                let created = try await client.json(
                    .post, "/stores", ["name": name, "domain": domain, "adminEmail": "a@example.com", "plan": "small"])
                #expect(created.status == 202, "\(created.body)")
                _ = try await app.event("store.ready.v1", of: try #require(created.body["id"] as? String))
            }
            func names(_ query: String) async throws -> [String] {
                let list = try await client.json(.get, "/stores?\(query)")
                #expect(list.status == 200, "\(query): \(list.body)")
                return (list.body["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(try await names("q=BAKERY") == ["Corner Bakery"])
            #expect(try await names("q=example.com") == ["Corner Bakery", "Bike Shop"])
            #expect(try await names("q=%20tea%20") == ["Tea House"], "spaces around it are ignored")
            #expect(try await names("q=") == ["Corner Bakery", "Tea House", "Bike Shop"])
            #expect(try await names("q=shop&status=ready") == ["Bike Shop"])
            #expect(try await names("q=shop&status=failed") == [])
            let first = try await client.json(.get, "/stores?q=example&limit=1")
            let next = try #require(first.body["next"] as? String)
            #expect(try await names("q=example&limit=5&after=\(next)") == ["Tea House", "Bike Shop"])
        }
    }

    @Test func aTooLongOrControlCharacterSearchIsABadParameter() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            for query in ["q=" + String(repeating: "a", count: 101), "q=a%0Ab", "q=%7F", "q=tab%09"] {
                let refused = try await client.json(.get, "/stores?\(query)")
                #expect(refused.status == 400, "\(query)")
                #expect(refused.headers[.contentType] == "application/problem+json")
                let fields = (refused.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields == ["q"], "\(query): \(refused.body)")
            }
            let longest = try await client.json(.get, "/stores?q=" + String(repeating: "%C3%A9", count: 100))
            #expect(longest.status == 200, "100 characters are allowed, whatever their bytes")
        }
    }
}
