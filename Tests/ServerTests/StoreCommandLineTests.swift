import Foundation
import Testing

/// `urumi stores`: operations appended from the command line are carried out by the running
/// server; bad input is a readable one-line refusal and appends nothing.
@Suite("urumi stores", .timeLimit(.minutes(3)))
struct StoreCommandLineTests {
    @Test func updateSuspendAndResumeFromTheCommandLine() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "20ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "cli-ops.example.com")
                _ = try await client.waitForStatus(id, "ready")
                let db = ["--database-url", database.url]

                let update = try await runUrumi(
                    ["stores", "update", id, "--plan", "medium", "--plugin", "akismet@5.3.3", "--plugin", "jetpack", "--wait"] + db)
                #expect(update.status == 0, "\(update.stderr)")
                #expect(update.stderr.contains("operation ") && update.stderr.contains(" succeeded"), "\(update.stderr)")
                #expect(update.stdout.contains("plan medium"), "\(update.stdout)")
                #expect(update.stdout.contains("plugins akismet@5.3.3, jetpack"), "\(update.stdout)")

                let shrink = try await runUrumi(["stores", "update", id, "--plan", "small"] + db)
                #expect(shrink.status != 0)
                #expect(shrink.stderr.contains("cannot go from medium to small"), "\(shrink.stderr)")
                let bad = try await runUrumi(["stores", "update", id, "--plugin", "Not A Slug"] + db)
                #expect(bad.status != 0)
                #expect(bad.stderr.contains("plugins[0].slug"), "\(bad.stderr)")
                let nothing = try await runUrumi(["stores", "update", id, "--plan", "medium"] + db)
                #expect(nothing.status == 0)
                #expect(nothing.stderr.contains("nothing to change"), "\(nothing.stderr)")

                let suspend = try await runUrumi(["stores", "suspend", id, "--wait", "--json"] + db)
                #expect(suspend.status == 0, "\(suspend.stderr)")
                let shown = try JSONSerialization.jsonObject(with: Data(suspend.stdout.utf8)) as? [String: Any]
                #expect(shown?["status"] as? String == "suspended")
                #expect(try await client.waitForStatus(id, "suspended")["status"] as? String == "suspended")
                let again = try await runUrumi(["stores", "suspend", id] + db)
                #expect(again.status != 0)
                #expect(again.stderr.contains("store is suspended; resume it first"), "\(again.stderr)")
                let resume = try await runUrumi(["stores", "resume", id, "--wait"] + db)
                #expect(resume.status == 0, "\(resume.stderr)")
                let show = try await runUrumi(["stores", "show", id] + db)
                #expect(show.stdout.contains("\tready"), "\(show.stdout)")
                #expect(show.stdout.contains("resume succeeded"), "\(show.stdout)")
                let missing = try await runUrumi(["stores", "show", "00000000-0000-4000-8000-000000000000"] + db)
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("not found"), "\(missing.stderr)")
            }
        }
    }
}
