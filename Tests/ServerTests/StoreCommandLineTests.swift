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
                let first = try await runUrumi(["stores", "show", id, "--version", "1"] + db)
                #expect(first.stdout.contains("\tprovisioning"), "the store as it was at its first event: \(first.stdout)")
                let show = try await runUrumi(["stores", "show", id] + db)
                #expect(show.stdout.contains("\tready"), "\(show.stdout)")
                #expect(show.stdout.contains("resume succeeded"), "\(show.stdout)")
                // Create, list and delete from the command line too.
                let created = try await runUrumi(
                    ["stores", "create", "--name", "From CLI", "--domain", "from-cli.example.com", "--admin-email", "a@example.com"] + db)
                #expect(created.status == 0, "\(created.stderr)")
                let newID = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try await client.waitForStatus(newID, "ready")
                let listed = try await runUrumi(["stores", "list", "--status", "ready", "--search", "from-cli"] + db)
                #expect(listed.stdout.hasPrefix("\(newID)\tready\tsmall\tfrom-cli.example.com\tFrom CLI"), "\(listed.stdout)")
                let taken = try await runUrumi(
                    ["stores", "create", "--name", "Dup", "--domain", "from-cli.example.com", "--admin-email", "a@example.com"] + db)
                #expect(taken.status != 0)
                #expect(taken.stderr.contains("already used by another store"), "\(taken.stderr)")
                let protect = try await runUrumi(["stores", "update", newID, "--deletion-protection", "on"] + db)
                #expect(protect.status == 0, "\(protect.stderr)")
                #expect(protect.stdout.contains("(deletion protection on)"), "\(protect.stdout)")
                let refused = try await runUrumi(["stores", "delete", newID] + db)
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("deletion protection"), "\(refused.stderr)")
                #expect(try await runUrumi(["stores", "update", newID, "--deletion-protection", "off"] + db).status == 0)
                let deleted = try await runUrumi(["stores", "delete", newID] + db)
                #expect(deleted.status == 0, "\(deleted.stderr)")
                _ = try await client.waitForStatus(newID, "deleted")
                let badStatus = try await runUrumi(["stores", "list", "--status", "happy"] + db)
                #expect(badStatus.status != 0)
                #expect(badStatus.stderr.contains("happy is not one of"), "\(badStatus.stderr)")

                let missing = try await runUrumi(["stores", "show", "00000000-0000-4000-8000-000000000000"] + db)
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("not found"), "\(missing.stderr)")
            }
        }
    }
}
