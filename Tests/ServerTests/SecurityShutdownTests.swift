import Foundation
import Testing

/// SIGTERM (a rolling deploy, a scale-down) while steps run: the process leaves promptly and
/// the next one finishes every store, with no step done twice.
@Suite("Security: graceful shutdown", .timeLimit(.minutes(3)))
struct SecurityShutdownTests {
    @Test func sigtermWhileStepsRunExitsWithinTenSecondsAndTheNextServerFinishesEveryStore() async throws {
        try await ServerDatabase.with { database in
            let arguments = ["--sim-latency", "2s", "--concurrency", "16"]
            let first = try await UrumiProcess(databaseURL: database.url, auth: .tokens, arguments: arguments)
            let admin = try await issueToken(database, name: "deploy-admin", role: "admin")
            var ids: [String] = []
            for index in 0..<8 {
                let response = try await Wire.request(
                    port: first.port, "POST", "/stores",
                    headers: [bearer(admin), ("Content-Type", "application/json")],
                    body: try JSONSerialization.data(withJSONObject: storeBody(domain: uniqueDomain("sigterm\(index)")))
                )
                #expect(response.status == 202, "\(response.text)")
                ids.append(try #require(response.json["id"] as? String))
            }
            // Midway: every store has a step running, some have finished one, none is done.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let succeeded = try await database.stepEventCounts("store.step-succeeded.v1").values.reduce(0, +)
                let started = try await database.stepEventCounts("store.step-started.v1").values.reduce(0, +)
                if succeeded >= 8 && started > succeeded { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let doneBefore = try await database.stepEventCounts("store.step-succeeded.v1").values.reduce(0, +)
            #expect(doneBefore < 40, "the signal came while steps were still to run")

            let took = await first.terminate(within: .seconds(10))
            #expect(took != nil, "the server did not exit within 10 s of SIGTERM:\n\(first.log.suffix(3000))")
            #expect(first.process.terminationReason == .exit, "it exited, not killed by the signal")
            #expect(first.process.terminationStatus == 0, "a graceful exit is a clean one:\n\(first.log.suffix(2000))")

            let second = try await UrumiProcess(databaseURL: database.url, auth: .tokens, arguments: arguments)
            defer { second.stop() }
            let resumed = ContinuousClock.now
            let finish = ContinuousClock.now + .seconds(60)
            var statuses: [String: String] = [:]
            while ContinuousClock.now < finish {
                for id in ids {
                    let response = try await Wire.request(
                        port: second.port, "GET", "/stores/\(id)", headers: [bearer(admin)])
                    statuses[id] = response.json["status"] as? String ?? "?"
                }
                if statuses.values.allSatisfy({ terminalStatuses.contains($0) }) { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(statuses.values.allSatisfy { $0 == "ready" }, "\(statuses)")
            // The work was handed over, not waited out: the lease of a gracefully stopped
            // server does not have to expire (30 s) first. At most five 2 s steps remain.
            #expect(ContinuousClock.now - resumed < .seconds(25), "resumed only after \(ContinuousClock.now - resumed)")

            let succeeded = try await database.stepEventCounts("store.step-succeeded.v1")
            #expect(
                succeeded.count == 40 && succeeded.values.allSatisfy { $0 == 1 },
                "each step succeeded once: \(succeeded)")
            #expect(try await database.streamsAreContiguous())
            let inventory = try await database.inventory()
            #expect(
                inventory.namespaces.count == 8 && inventory.namespaces.values.allSatisfy { $0 == 1 },
                "\(inventory.namespaces)")
            #expect(
                inventory.releases.count == 8 && inventory.releases.values.allSatisfy { $0 == 1 },
                "\(inventory.releases)")
        }
    }
}
