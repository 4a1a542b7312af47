import Foundation
import Testing

extension APITests {
    /// `GET /stores/{id}` and `GET /stores`: shapes, read-your-writes, paging, filters, bad parameters.
    @Suite("Reading stores")
    struct Reading {
        static let zeroID = "00000000-0000-0000-0000-000000000000"

        @Test func aStoreShowsItsFiveStepsInOrderAndTheSimulatedCluster() async throws {
            let client = try SharedServer.required.client
            let domain = uniqueDomain("show")
            let response = try await client.post(
                "/stores", json: storeBody(domain: domain.uppercased(), ["adminEmail": "a@example.com"]))
            let id = try #require(expectJSON(response, 202)["id"] as? String)
            try await client.waitForStore(id) { _ in true }
            let store = expectJSON(try await client.get("/stores/\(id)"), 200)
            #expect(store["id"] as? String == id)
            #expect(store["domain"] as? String == domain, "domains are stored in lower case")
            #expect(
                (store["steps"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                    "namespace", "helm", "mysql", "wordpress", "woocommerce",
                ])
            let cluster = try #require(store["cluster"] as? [String: Any])
            #expect(cluster["simulated"] as? Bool == true)
            #expect(cluster["kind"] as? String == "simulated")
            #expect(store["upToDate"] as? Bool == true)

            let ready = try await client.waitForStatus(id, "ready")
            #expect((ready["urls"] as? [String: Any])?["shop"] as? String == "https://\(domain)/")
            #expect((ready["urls"] as? [String: Any])?["admin"] as? String == "https://\(domain)/wp-admin/")
            #expect(ready["currentStep"] == nil && ready["readyAt"] is String)
            #expect(
                (ready["steps"] as? [[String: Any]])?.allSatisfy {
                    $0["status"] as? String == "succeeded" && $0["attempts"] as? Int == 1
                } == true)
        }

        @Test func anUnknownStoreIsNotFound() async throws {
            let client = try SharedServer.required.client
            let id = UUID().uuidString.lowercased()
            let body = expectProblem(try await client.get("/stores/\(id)"), 404, "not-found")
            #expect(body["instance"] as? String == "/stores/\(id)")
        }

        @Test(arguments: [
            "nope", "123", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
            "00000000000000000000000000000000", "zzzzzzzz-0000-0000-0000-000000000000", "store-\(zeroID)",
        ])
        func aMalformedStoreIDIsNotFound(id: String) async throws {
            let client = try SharedServer.required.client
            expectProblem(try await client.get("/stores/\(id)"), 404, "not-found")
            expectProblem(try await client.request("DELETE", "/stores/\(id)"), 404, "not-found")
            expectProblem(try await client.request("POST", "/stores/\(id)/retry"), 404, "not-found")
        }

        @Test func minPositionRightAfterACommandReadsThatWrite() async throws {
            let client = try SharedServer.required.client
            try await DatabaseDDLGate.shared.quiet { try await Self.readYourWrites(client) }
        }

        static func readYourWrites(_ client: HTTPClient) async throws {
            for index in 0..<8 {
                let created = expectJSON(
                    try await client.post("/stores", json: storeBody(domain: uniqueDomain("ryw\(index)"))), 202)
                let id = try #require(created["id"] as? String)
                let position = try #require(created["position"] as? String)
                let shown = try await client.get("/stores/\(id)?min_position=\(position)")
                let store = expectJSON(shown, 200)
                #expect(store["id"] as? String == id)
                #expect(store["upToDate"] as? Bool == true)
            }
            // A delete's position too: the store shows the deletion, never the state before it.
            let id = try await client.createdStoreID(domain: uniqueDomain("rywdel"))
            let deleted = expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202)
            let position = try #require(deleted["position"] as? String)
            let store = expectJSON(try await client.get("/stores/\(id)?min_position=\(position)"), 200)
            #expect(["deleting", "deleted"].contains(store["status"] as? String ?? "?"))
            #expect(store["upToDate"] as? Bool == true)
        }

        @Test func aMinPositionTheLogHasNotReachedAnswersNotUpToDateAfterTwoSeconds() async throws {
            let client = try SharedServer.required.client
            let id = try await client.createdStoreID(domain: uniqueDomain("future"))
            try await client.waitForStatus(id, "ready")
            let started = ContinuousClock.now
            let response = try await client.get("/stores/\(id)?min_position=\(UInt64(Int64.max))-1")
            let waited = ContinuousClock.now - started
            let store = expectJSON(response, 200)
            #expect(store["id"] as? String == id)
            #expect(store["upToDate"] as? Bool == false)
            #expect(waited >= .milliseconds(1900) && waited < .seconds(15), "waited \(waited)")
        }

        @Test(arguments: ["abc", "1-", "-1", "1-2-3", "1--2", "", "1-x", "123456789012345678901-1", "1-2 "])
        func aMalformedMinPositionIsABadRequest(value: String) async throws {
            let client = try SharedServer.required.client
            let id = try await client.createdStoreID(domain: uniqueDomain("minpos"))
            let query = value.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? value
            let response = try await client.get("/stores/\(id)?min_position=\(query)")
            expectProblem(response, 400, "bad-parameter", fields: ["min_position"])
        }

        @Test(arguments: ["nope", "", "READY", "ready,bogus", "!"])
        func anInvalidStatusFilterIsABadRequest(status: String) async throws {
            let client = try SharedServer.required.client
            let query = status.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? status
            expectProblem(try await client.get("/stores?status=\(query)"), 400, "bad-parameter", fields: ["status"])
        }

        @Test(arguments: ["0", "501", "abc", "-1", "1.5", "", "99999999999999999999"])
        func anInvalidLimitIsABadRequest(limit: String) async throws {
            let client = try SharedServer.required.client
            expectProblem(try await client.get("/stores?limit=\(limit)"), 400, "bad-parameter", fields: ["limit"])
        }

        @Test(arguments: [
            "abc", "123", "123_", "_\(zeroID)", "123_not-a-uuid", "x_\(zeroID)", "1_2_3", "1_\(zeroID)_1",
            // Well-formed numbers outside any timestamp PostgreSQL can hold.
            "9223372036854775807_\(zeroID)", "-9223372036854775807_\(zeroID)", "99999999999999999999_\(zeroID)",
        ])
        func aGarbageAfterCursorIsABadRequest(after: String) async throws {
            let client = try SharedServer.required.client
            expectProblem(try await client.get("/stores?after=\(after)"), 400, "bad-parameter", fields: ["after"])
        }
    }
}

/// Characters sent as they are in a query value; the rest is percent-encoded.
private let queryAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))

/// Paging and filtering need to know every store there is: each test has its own server.
@Suite("Store list", .timeLimit(.minutes(3)))
struct StoreListTests {
    @Test func pagesWalkEveryStoreOnceInCreationOrder() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "20ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                var created: [String] = []
                for index in 0..<7 { created.append(try await client.createdStoreID(domain: "page\(index).example.com")) }
                // The list is a projection: read it once it has every store.
                _ = try await client.waitForStores { $0.count == 7 }

                var walked: [String] = []
                var sizes: [Int] = []
                var path = "/stores?limit=3"
                while true {
                    let page = expectJSON(try await client.get(path), 200)
                    let items = try #require(page["items"] as? [[String: Any]])
                    sizes.append(items.count)
                    walked += items.map { $0["id"] as? String ?? "?" }
                    #expect((page["cluster"] as? [String: Any])?["simulated"] as? Bool == true)
                    guard let next = page["next"] as? String else {
                        #expect(page["next"] is NSNull, "the last page says next: null")
                        break
                    }
                    #expect(sizes.count < 5, "paging ends")
                    if sizes.count >= 5 { break }
                    path = "/stores?limit=3&after=\(next)"
                }
                #expect(sizes == [3, 3, 1])
                #expect(walked == created, "every store once, oldest first")

                // A page exactly as long as the list has no next page.
                let whole = expectJSON(try await client.get("/stores?limit=7"), 200)
                #expect((whole["items"] as? [[String: Any]])?.map { $0["id"] as? String ?? "?" } == created)
                #expect(whole["next"] is NSNull)
                // The default limit covers them all.
                let all = expectJSON(try await client.get("/stores"), 200)
                #expect((all["items"] as? [[String: Any]])?.count == 7)
            }
        }
    }

    @Test func theStatusFilterReturnsOnlyStoresOfThatStatus() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                var created: [String] = []
                for index in 0..<5 { created.append(try await client.createdStoreID(domain: "status\(index).example.com")) }
                for id in created { try await client.waitForStatus(id, "ready") }
                let deleted = [created[1], created[3]]
                for id in deleted { expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202) }
                for id in deleted { try await client.waitForStatus(id, "deleted") }

                func ids(_ path: String) async throws -> [String] {
                    let page = expectJSON(try await client.get(path), 200)
                    return (page["items"] as? [[String: Any]])?.map { $0["id"] as? String ?? "?" } ?? []
                }
                #expect(try await ids("/stores?status=deleted") == deleted)
                #expect(try await ids("/stores?status=ready") == [created[0], created[2], created[4]])
                #expect(try await ids("/stores?status=failed") == [])
                #expect(try await ids("/stores?status=provisioning") == [])
                // Paging within a filter.
                let first = expectJSON(try await client.get("/stores?status=ready&limit=2"), 200)
                #expect(
                    (first["items"] as? [[String: Any]])?.map { $0["id"] as? String ?? "?" } == [created[0], created[2]])
                let next = try #require(first["next"] as? String)
                #expect(try await ids("/stores?status=ready&limit=2&after=\(next)") == [created[4]])
            }
        }
    }
}
