import Foundation
import Testing

/// `urumi rollouts`: the real binary as a client of a real server's `/rollouts` API; what the
/// API refuses is a readable reason on standard error and a non-zero exit.
@Suite("urumi rollouts", .timeLimit(.minutes(3)))
struct RolloutCommandLineTests {
    @Test func aRolloutIsPlannedStartedPausedResumedAbortedAndShownFromTheCommandLine() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--health-interval", "0"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await FleetTests.readyStores(client, 3, prefix: "cli-rollout")
                let api = ["--api-url", server.baseURL.absoluteString]

                // A dry run prints each store's wave and change, and starts nothing.
                let dry = try await runUrumi(
                    ["rollouts", "create", "--plan", "medium", "--select-plan", "small", "--waves", "1,100%", "--dry-run"] + api)
                #expect(dry.status == 0, "\(dry.stderr)")
                #expect(dry.stdout.hasPrefix("dry run: update of 3 store(s) in waves of 1, 2\n"), "\(dry.stdout)")
                for id in ids { #expect(dry.stdout.contains("\t\(id)\t"), "\(dry.stdout)") }
                #expect(dry.stdout.contains("plan small → medium"), "\(dry.stdout)")
                #expect((expectJSON(try await client.get("/rollouts"), 200)["items"] as? [Any])?.isEmpty == true)

                // What the API refuses comes back field by field.
                let invalid = try await runUrumi(["rollouts", "create", "--plan", "tiny", "--waves", "0"] + api)
                #expect(invalid.status != 0)
                #expect(invalid.stderr.contains("(422)"), "\(invalid.stderr)")
                #expect(invalid.stderr.contains("  change.plan: "), "\(invalid.stderr)")
                #expect(invalid.stderr.contains("  waves: must be 1-20 steps"), "\(invalid.stderr)")
                let unnamed = try await runUrumi(["rollouts", "create", "--action", "delete"] + api)
                #expect(unnamed.status != 0)
                #expect(unnamed.stderr.contains("a deletion names its stores"), "\(unnamed.stderr)")
                let nothing = try await runUrumi(["rollouts", "create"] + api)
                #expect(nothing.status != 0)
                #expect(nothing.stderr.contains("an update names what to change"), "\(nothing.stderr)")

                // Started: its first wave runs, the hour's pause between waves holds the rest.
                let created = try await runUrumi(
                    ["rollouts", "create", "--plan", "medium", "--store", ids[0], "--store", ids[1], "--waves", "1,100%",
                     "--pause-between", "1h"] + api)
                #expect(created.status == 0, "\(created.stderr)")
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(UUID(uuidString: id) != nil, "\(created.stdout)")
                #expect(created.stderr.contains("rollout \(id) running: update of 2 store(s)"), "\(created.stderr)")

                let paused = try await runUrumi(["rollouts", "pause", id] + api)
                #expect(paused.status == 0, "\(paused.stderr)")
                #expect(paused.stdout.hasPrefix("\(id)\tpaused\tupdate\t"), "\(paused.stdout)")
                let resumed = try await runUrumi(["rollouts", "resume", id] + api)
                #expect(resumed.stdout.hasPrefix("\(id)\trunning\tupdate\t"), "\(resumed.stdout)")
                try await client.waitForStore(ids[0]) { FleetTests.applied($0)["plan"] as? String == "medium" }
                let aborted = try await runUrumi(["rollouts", "abort", id] + api)
                #expect(aborted.status == 0, "\(aborted.stderr)")
                let ended = try await FleetTests.waitForRollout(client, id)
                #expect(ended["status"] as? String == "aborted")

                let shown = try await runUrumi(["rollouts", "show", id] + api)
                #expect(shown.status == 0, "\(shown.stderr)")
                let lines = shown.stdout.split(separator: "\n").map(String.init)
                #expect(lines.first?.hasPrefix("\(id)\taborted\tupdate\twaves 1/2\tfailures 0/0\t") == true, "\(shown.stdout)")
                #expect(lines.contains("wave 0\tpassed\t1 store(s)\t1 succeeded\t0 failed"), "\(shown.stdout)")
                #expect(lines.contains("wave 1\tpending\t1 store(s)\t0 succeeded\t0 failed"), "\(shown.stdout)")
                #expect(lines.contains("store \(ids[0])\twave 0\tsucceeded"), "\(shown.stdout)")
                let json = try await runUrumi(["rollouts", "show", id, "--json"] + api)
                let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
                #expect(object?["id"] as? String == id)
                let listed = try await runUrumi(["rollouts", "list"] + api)
                #expect(listed.stdout.hasPrefix("\(id)\taborted\t"), "\(listed.stdout)")

                // Refusals and mistakes read as such.
                let again = try await runUrumi(["rollouts", "resume", id] + api)
                #expect(again.status != 0)
                #expect(again.stderr.hasPrefix("urumi: Conflict (409): "), "\(again.stderr)")
                let missing = try await runUrumi(["rollouts", "show", UUID().uuidString] + api)
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("Rollout not found (404)"), "\(missing.stderr)")
                let notAnID = try await runUrumi(["rollouts", "show", "yesterday's"] + api)
                #expect(notAnID.status != 0)
                #expect(notAnID.stderr.contains("is not a rollout id"), "\(notAnID.stderr)")
                let away = try await runUrumi(["rollouts", "list", "--api-url", "http://127.0.0.1:1"])
                #expect(away.status != 0)
                #expect(away.stderr.hasPrefix("urumi: cannot reach the Urumi API at http://127.0.0.1:1"), "\(away.stderr)")
            }
        }
    }

    @Test func withTokensTheCommandSendsItsTokenAndTheServerRecordsWhoStartedTheRollout() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "0", "--health-interval", "0"]
            ) { server in
                let admin = try await issueToken(database, name: "ops-admin", role: "admin")
                let viewer = try await issueToken(database, name: "ops-viewer", role: "viewer")
                let api = ["--api-url", server.baseURL.absoluteString]
                let created = try await runUrumi(
                    ["stores", "create", "--name", "Token Shop", "--domain", "token-cli.example.com", "--admin-email",
                     "a@example.com", "--database-url", database.url])
                let store = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await !runUrumi(["stores", "show", store, "--database-url", database.url]).stdout.contains("\tready"),
                    ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let start = ["rollouts", "create", "--plan", "medium", "--store", store] + api

                let anonymous = try await runUrumi(start)
                #expect(anonymous.status != 0)
                #expect(anonymous.stderr.contains("(401)"), "\(anonymous.stderr)")
                let refused = try await runUrumi(start + ["--token", viewer])
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("(403)"), "a viewer may look, not start: \(refused.stderr)")
                let listed = try await runUrumi(["rollouts", "list", "--token", viewer] + api)
                #expect(listed.status == 0, "\(listed.stderr)")

                // The token from the environment, as an operator's shell would hold it.
                let started = try await runUrumi(
                    start, environment: ProcessInfo.processInfo.environment.merging(["URUMI_TOKEN": admin]) { $1 })
                #expect(started.status == 0, "\(started.stderr)")
                let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let shown = try await runUrumi(["rollouts", "show", id, "--json", "--token", admin] + api)
                let rollout = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
                #expect(rollout?["requestedBy"] as? String == "ops-admin", "\(shown.stdout) \(shown.stderr)")
            }
        }
    }
}
