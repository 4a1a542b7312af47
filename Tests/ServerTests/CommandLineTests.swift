import Foundation
import Testing

/// The `urumi` binary's own answers and maintenance commands.
@Suite("Command line", .timeLimit(.minutes(3)))
struct CommandLineTests {
    @Test func serveWithoutAKubeconfigRefusesTheKubernetesClusterWithOneLine() async throws {
        // No database is needed to refuse, and none is reachable at this URL.
        let result = try await runUrumi([
            "serve", "--cluster", "kubernetes", "--kubeconfig", "/nonexistent/kubeconfig", "--port", "0",
            "--database-url", "postgres://nobody@127.0.0.1:1/none",
        ])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("cannot read kubeconfig") == true, "\(result.stderr)")
        #expect(lines.first?.contains("/nonexistent/kubeconfig") == true, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func rebuildingTheProjectionsReproducesTheReadModelsExactly() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url,
                arguments: ["--sim-latency", "10ms", "--sim-fail", "mysql=0.5", "--sim-seed", "11"])
            let client = HTTPClient(base: server.baseURL)
            var ids: [String] = []
            for index in 0..<16 { ids.append(try await client.createdStoreID(domain: "rebuild\(index).example.com")) }
            var stores: [[String: Any]] = []
            for id in ids {
                stores.append(
                    try await client.waitForStore(id) { terminalStatuses.contains($0["status"] as? String ?? "") })
            }
            let ready = stores.filter { $0["status"] as? String == "ready" }.map { $0["id"] as! String }
            let failed = stores.filter { $0["status"] as? String == "failed" }.map { $0["id"] as! String }
            #expect(ready.count >= 2 && !failed.isEmpty, "with p = 0.5 over 16 stores both outcomes occur")
            // Some deleted: two ready ones and a failed one.
            let doomed = Array(ready.prefix(2)) + Array(failed.prefix(1))
            for id in doomed { expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202) }
            for id in doomed { try await client.waitForStatus(id, "deleted") }
            // Every event is projected before the dump (the checkpoint is at the log's head),
            // and the stopped server adds none after it.
            try await waitUntilProjected(database)
            await server.stopAndWait()
            try await waitUntilProjected(database)

            let viewBefore = try await database.dump("store_view")
            let queueBefore = try await database.dump("saga_queue")
            let result = try await runUrumi(["projections", "rebuild", "--database-url", database.url])
            #expect(result.status == 0, "\(result.stderr)")
            let viewAfter = try await database.dump("store_view")
            let queueAfter = try await database.dump("saga_queue")

            #expect(viewBefore.count == 16 && queueBefore.count == 16)
            #expect(viewAfter == viewBefore)
            #expect(queueAfter == queueBefore)
            for (before, after) in zip(viewBefore, viewAfter) where before != after {
                Issue.record("store_view row differs after rebuild:\n\(before)\n\(after)")
            }
        }
    }

    /// Waits until no event lies beyond the store list's checkpoint.
    private func waitUntilProjected(_ database: ServerDatabase) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let rows = try await database.pool.query(
                """
                select not exists (
                    select 1 from events e, projection_checkpoints c
                    where c.name = 'store_view' and (e.transaction_id, e.position) > (c.txid, c.position)
                ) as done
                """)
            if try rows.first!.decode(Bool.self, "done") { return }
            if ContinuousClock.now > deadline { throw ProcessFailure.failed("the projector did not catch up") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
