import Foundation
import Postgres
import Testing

extension APITests {
    /// `POST /stores`: the answer, idempotency, and every way a request is refused.
    @Suite("Creating a store")
    struct Creating {
        @Test func creatingAStoreAnswers202WithLocationIdStatusAndPosition() async throws {
            let client = try SharedServer.required.client
            let domain = uniqueDomain("create")
            let response = try await client.post("/stores", json: storeBody(domain: domain, ["name": "Corner Shop"]))
            let body = expectJSON(response, 202)
            let id = try #require(body["id"] as? String)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())
            #expect(response.header("Location") == "/stores/\(id)")
            #expect(body["status"] as? String == "provisioning")
            #expect(body["replayed"] as? Bool == false)
            let position = try #require(body["position"] as? String)
            #expect(position.wholeMatch(of: /[0-9]+-[0-9]+/) != nil, "position \(position) is a log cursor TXID-POS")
            let store = try #require(body["store"] as? [String: Any])
            #expect(store["id"] as? String == id)
            #expect(store["name"] as? String == "Corner Shop")
            #expect(store["domain"] as? String == domain)
            #expect(store["adminEmail"] as? String == "admin@\(domain)")
            #expect(store["plan"] as? String == "small")
            #expect(store["status"] as? String == "provisioning")
            #expect((body["cluster"] as? [String: Any])?["simulated"] as? Bool == true)
        }

        @Test func theSameIdempotencyKeyAndBodyReturnTheSameStore() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let domain = uniqueDomain("idem")
            let key = "key-\(UUID())"
            let first = try await client.post(
                "/stores", json: storeBody(domain: domain), headers: ["Idempotency-Key": key])
            let firstBody = expectJSON(first, 202)
            #expect(firstBody["replayed"] as? Bool == false)
            let second = try await client.post(
                "/stores", json: storeBody(domain: domain), headers: ["Idempotency-Key": key])
            let secondBody = expectJSON(second, 200)
            #expect(secondBody["replayed"] as? Bool == true)
            #expect(secondBody["id"] as? String == firstBody["id"] as? String)
            #expect(secondBody["position"] as? String == firstBody["position"] as? String)
            #expect(second.header("Location") == first.header("Location"))
            #expect(try await shared.database.storesRequested(domain: domain) == 1)
        }

        @Test func fiveConcurrentCreatesWithOneIdempotencyKeyMakeOneStore() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let domain = uniqueDomain("race")
            let key = "race-\(UUID())"
            let responses = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await client.post(
                            "/stores", json: storeBody(domain: domain), headers: ["Idempotency-Key": key])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.map(\.status).sorted() == [200, 200, 200, 200, 202], "\(responses.map(\.text))")
            #expect(Set(responses.map { $0.json["id"] as? String }).count == 1)
            #expect(responses.filter { $0.json["replayed"] as? Bool == true }.count == 4)
            #expect(try await shared.database.storesRequested(domain: domain) == 1)
            // Once the read model has the store, the list shows it once.
            let id = try #require(responses.first { $0.status == 202 }?.json["id"] as? String)
            try await client.waitForStore(id) { _ in true }
            let listed = try await client.allStores().filter { $0["domain"] as? String == domain }
            #expect(listed.count == 1)
        }

        @Test func theSameIdempotencyKeyWithAnotherBodyIsAConflict() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let domain = uniqueDomain("reuse")
            let key = "reuse-\(UUID())"
            expectJSON(
                try await client.post("/stores", json: storeBody(domain: domain), headers: ["Idempotency-Key": key]),
                202)
            let other = storeBody(domain: domain, ["plan": "large"])
            expectProblem(
                try await client.post("/stores", json: other, headers: ["Idempotency-Key": key]), 409,
                "idempotency-key-reused")
            #expect(try await shared.database.storesRequested(domain: domain) == 1)
        }

        @Test func anIdempotencyKeyOver200CharactersIsABadRequest() async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("longkey")
            let key = String(repeating: "k", count: 201)
            let response = try await shared.client.post(
                "/stores", json: storeBody(domain: domain), headers: ["Idempotency-Key": key])
            expectProblem(response, 400, "bad-parameter", fields: ["Idempotency-Key"])
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test(arguments: ["{\"name\": ", "not json", "", "{\"name\" \"a\"}", "{'name': 'a'}"])
        func aBodyThatIsNotJSONIsMalformed(body: String) async throws {
            let client = try SharedServer.required.client
            let response = try await client.request(
                "POST", "/stores", body: Data(body.utf8), headers: ["Content-Type": "application/json"])
            expectProblem(response, 400, "malformed-json")
        }

        @Test(arguments: ["[]", "[{\"name\":\"a\"}]", "\"shop\"", "42", "null"])
        func aBodyThatIsNotAJSONObjectIsABadRequest(body: String) async throws {
            let client = try SharedServer.required.client
            let response = try await client.request(
                "POST", "/stores", body: Data(body.utf8), headers: ["Content-Type": "application/json"])
            expectProblem(response, 400, "malformed-json")
        }

        @Test func aBodyWithoutContentTypeIsUnsupported() async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("notype")
            let json = try JSONSerialization.data(withJSONObject: storeBody(domain: domain))
            let response = try await RawHTTP.send(port: shared.port, "POST", "/stores", body: json)
            expectProblem(response, 415, "unsupported-media-type")
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test(arguments: [
            "text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonx",
            "application/json-patch+json",
        ])
        func aBodyOfAnotherContentTypeIsUnsupported(contentType: String) async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("texttype")
            let json = try JSONSerialization.data(withJSONObject: storeBody(domain: domain))
            let response = try await shared.client.request(
                "POST", "/stores", body: json, headers: ["Content-Type": contentType])
            expectProblem(response, 415, "unsupported-media-type")
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test func jsonWithACharsetIsAccepted() async throws {
            let client = try SharedServer.required.client
            let json = try JSONSerialization.data(withJSONObject: storeBody(domain: uniqueDomain("charset")))
            let response = try await client.request(
                "POST", "/stores", body: json, headers: ["Content-Type": "application/json; charset=utf-8"])
            expectJSON(response, 202)
        }

        @Test func anUnknownFieldIsRejectedByName() async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("unknown")
            let response = try await shared.client.post("/stores", json: storeBody(domain: domain, ["plna": "small"]))
            let body = expectProblem(response, 422, "validation", fields: ["plna"])
            #expect((body["detail"] as? String)?.contains("plna") == true)
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test(arguments: [
            FieldCase("name", 5), FieldCase("domain", 42), FieldCase("adminEmail", ["a@b.com"]),
            FieldCase("plan", true), FieldCase("name", ["first": "x"]),
        ])
        func aFieldOfTheWrongTypeIsRejectedByName(_ field: FieldCase) async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("type")
            let response = try await shared.client.post(
                "/stores", json: storeBody(domain: domain, [field.field: field.value]))
            expectProblem(response, 422, "validation", fields: [field.field])
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test(arguments: [
            FieldCase("name", ""), FieldCase("name", "   "), FieldCase("name", String(repeating: "n", count: 61)),
            FieldCase("name", "tab\tname"), FieldCase("name", NSNull()),
            FieldCase("domain", "localhost"), FieldCase("domain", "bad_domain.example.com"),
            FieldCase("domain", "-shop.example.com"), FieldCase("domain", "shop..example.com"),
            FieldCase("domain", "shop.example.123"), FieldCase("domain", "shop.example.com."),
            FieldCase("domain", String(repeating: "a", count: 64) + ".example.com"), FieldCase("domain", ""),
            FieldCase("adminEmail", "no-at-sign"), FieldCase("adminEmail", "a@b"),
            FieldCase("adminEmail", "@example.com"),
            FieldCase("adminEmail", "a b@example.com"), FieldCase("adminEmail", "a@@example.com"),
            FieldCase("adminEmail", NSNull()),
            FieldCase("plan", "huge"), FieldCase("plan", "smal"), FieldCase("plan", ""), FieldCase("plan", NSNull()),
        ])
        func eachInvalidFieldIsNamedAlone(_ field: FieldCase) async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("invalid")
            var body = storeBody(domain: domain, [field.field: field.value])
            if field.field == "domain" { body["adminEmail"] = "admin@example.com" }
            let response = try await shared.client.post("/stores", json: body)
            let problem = expectProblem(response, 422, "validation", fields: [field.field])
            let message = ((problem["errors"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
            #expect(!message.isEmpty)
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }

        @Test func aNameOf60CharactersIsAccepted() async throws {
            let client = try SharedServer.required.client
            let body = storeBody(domain: uniqueDomain("sixty"), ["name": String(repeating: "n", count: 60)])
            expectJSON(try await client.post("/stores", json: body), 202)
        }

        @Test func severalInvalidFieldsAreAllNamed() async throws {
            let client = try SharedServer.required.client
            let body: [String: Any] = ["name": "", "domain": "nodots", "adminEmail": "nobody", "plan": "xl"]
            expectProblem(
                try await client.post("/stores", json: body), 422, "validation",
                fields: ["name", "domain", "adminEmail", "plan"])
            expectProblem(
                try await client.post("/stores", json: [String: Any]()), 422, "validation",
                fields: ["name", "domain", "adminEmail", "plan"])
        }

        @Test func aDomainUsedByALiveStoreIsAConflict() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let domain = uniqueDomain("taken")
            _ = try await client.createdStoreID(domain: domain)
            let again = try await client.post("/stores", json: storeBody(domain: domain, ["name": "Other"]))
            expectProblem(again, 409, "domain-in-use", fields: ["domain"])
            // Domains are case-insensitive: the upper-case spelling is the same domain.
            let upper = try await client.post("/stores", json: storeBody(domain: domain.uppercased()))
            expectProblem(upper, 409, "domain-in-use", fields: ["domain"])
            #expect(try await shared.database.storesRequested(domain: domain) == 1)
        }

        @Test func concurrentCreatesOfOneDomainMakeOneStore() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let domain = uniqueDomain("contested")
            let responses = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for index in 0..<5 {
                    group.addTask {
                        try await client.post("/stores", json: storeBody(domain: domain, ["name": "Rival \(index)"]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.map(\.status).sorted() == [202, 409, 409, 409, 409], "\(responses.map(\.text))")
            for response in responses where response.status == 409 {
                expectProblem(response, 409, "domain-in-use", fields: ["domain"])
            }
            #expect(try await shared.database.storesRequested(domain: domain) == 1)
        }

        @Test func aDeletedStoresDomainCanBeUsedAgain() async throws {
            let client = try SharedServer.required.client
            let domain = uniqueDomain("reused")
            let first = try await client.createdStoreID(domain: domain)
            try await client.waitForStatus(first, "ready")
            expectJSON(try await client.request("DELETE", "/stores/\(first)"), 202)
            try await client.waitForStatus(first, "deleted")
            let second = try await client.createdStoreID(domain: domain)
            #expect(second != first)
            try await client.waitForStatus(second, "ready")
        }

        @Test func aBodyOver64KiBIsTooLarge() async throws {
            let shared = try SharedServer.required
            let domain = uniqueDomain("large")
            let json = try JSONSerialization.data(
                withJSONObject: storeBody(domain: domain, ["name": String(repeating: "x", count: 70 * 1024)]))
            let response = try await RawHTTP.send(
                port: shared.port, "POST", "/stores", headers: [("Content-Type", "application/json")], body: json)
            expectProblem(response, 413, "payload-too-large")
            #expect(try await shared.database.storesRequested(domain: domain) == 0)
        }
    }
}

/// One field and a value for it, for parameterised validation tests.
struct FieldCase: @unchecked Sendable, CustomTestStringConvertible {
    let field: String
    let value: Any

    init(_ field: String, _ value: Any) {
        self.field = field
        self.value = value
    }

    var testDescription: String { "\(field) = \(value is NSNull ? "absent" : "\(value)")" }
}

extension ServerDatabase {
    /// How many stores were ever requested with `domain` (in the log, not the read model).
    func storesRequested(domain: String) async throws -> Int {
        let rows = try await pool.query(
            "select count(*) as n from events where type = 'store.requested.v2' and data->>'domain' = \(domain)")
        return try rows.first!.decode(Int.self, "n")
    }
}
