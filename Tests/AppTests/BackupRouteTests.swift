import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Provisioning
import Simulator
import Testing

/// Backups, restores, clones and the final backup over the routes, in memory, on the
/// simulated cluster: its shop data is a text whose backups are real SHA-256-checked copies,
/// so a restore and a clone can be checked by what the shop holds afterwards.
@Suite("Backups over HTTP", .timeLimit(.minutes(1)))
struct BackupRouteTests {
    static func inventory(_ app: InMemoryApp) -> any SimulatedInventory {
        (app.dependencies.driver as! SimulatedCluster).inventory
    }

    static func release(_ id: String) -> String { "store-\(id.prefix(8))" }

    /// Backs `id` up and waits until it is complete; returns the backup's id.
    static func backedUp(_ app: InMemoryApp, _ client: any TestClientProtocol, _ id: String) async throws -> String {
        let response = try await client.json(.post, "/stores/\(id)/backups")
        #expect(response.status == 202, "\(response.body)")
        let completed = try await app.event("store.backup-completed.v1", of: id)
        return try #require(
            (try JSONSerialization.jsonObject(with: Data(completed.data.utf8)) as? [String: Any])?["backup"] as? String)
    }

    /// Waits until the store has no operation running; returns it.
    static func settled(_ client: any TestClientProtocol, _ id: String) async throws -> [String: Any] {
        for _ in 0..<300 {
            let store = try await client.json(.get, "/stores/\(id)").body
            let running = !(store["operation"] == nil || store["operation"] is NSNull)
            if !running, ["ready", "suspended", "deleted"].contains(store["status"] as? String ?? "") { return store }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("store \(id) did not settle")
        return [:]
    }

    @Test func aBackupIsAnOperationWhoseManifestIsListed() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "backup.example.com")
            let started = try await client.json(.post, "/stores/\(id)/backups")
            #expect(started.status == 202, "\(started.body)")
            #expect(started.body["status"] as? String == "backing-up")
            #expect((started.body["operation"] as? [String: Any])?["kind"] as? String == "backup")
            _ = try await app.event("store.backup-completed.v1", of: id)
            _ = try await Self.settled(client, id)

            let list = try await client.json(.get, "/stores/\(id)/backups")
            #expect(list.status == 200)
            let items = try #require(list.body["items"] as? [[String: Any]])
            #expect(items.count == 1)
            let backup = try #require(items.first)
            #expect(backup["status"] as? String == "completed")
            #expect(backup["reason"] as? String == "manual")
            let manifest = try #require(backup["manifest"] as? [String: Any])
            let files = try #require(manifest["files"] as? [[String: Any]])
            #expect((files.first?["sha256"] as? String)?.count == 64)
            #expect(list.body["totalBytes"] as? Int == manifest["totalBytes"] as? Int)
            let backupID = try #require(backup["id"] as? String)
            #expect(try await Self.inventory(app).backups(store: id) == [backupID], "the bucket holds it")
        }
    }

    @Test func aRestoreBringsBackWhatTheShopHeldAndKeepsASafetyBackup() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "restore.example.com")
            let inventory = Self.inventory(app)
            try await inventory.setData(release: Self.release(id), data: "orders 1-40; customer carol@example.org")
            let good = try await Self.backedUp(app, client, id)
            _ = try await Self.settled(client, id)
            try await inventory.setData(release: Self.release(id), data: "orders 1-41; a bad plugin update broke it")

            let restore = try await client.json(
                .post, "/stores/\(id)/restore", ["backup": good], headers: [HTTPField.Name("Idempotency-Key")!: "r-1"])
            #expect(restore.status == 202, "\(restore.body)")
            #expect(restore.body["status"] as? String == "restoring")
            _ = try await app.event("store.restored.v1", of: id)
            let store = try await Self.settled(client, id)
            #expect(store["status"] as? String == "ready")
            #expect(try await inventory.data(release: Self.release(id)) == "orders 1-40; customer carol@example.org")

            let backups = try #require(try await client.json(.get, "/stores/\(id)/backups").body["items"] as? [[String: Any]])
            #expect(backups.map { $0["reason"] as? String } == ["manual", "safety"])
            #expect(backups.first?["restoredAt"] is String)
            // The same key again is the same restore, not a second one.
            let again = try await client.json(
                .post, "/stores/\(id)/restore", ["backup": good], headers: [HTTPField.Name("Idempotency-Key")!: "r-1"])
            #expect(again.status == 200)
            #expect(again.body["replayed"] as? Bool == true)
            #expect((again.body["finished"] as? [String: Any])?["outcome"] as? String == "succeeded")
            #expect(try await app.types(of: id).filter { $0 == "store.restored.v1" }.count == 1)
        }
    }

    @Test func badRestoresAreRefusedWithNothingAppended() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "badrestore.example.com")
            let before = try await app.types(of: id)
            let unknown = try await client.json(.post, "/stores/\(id)/restore", ["backup": "bk-0000000000aaaaaaaaaaaaaaaa"])
            #expect(unknown.status == 404, "\(unknown.body)")
            #expect(unknown.body["type"] as? String == "https://urumi.dev/problems/not-found")
            let malformed = try await client.json(.post, "/stores/\(id)/restore", ["backup": "../etc"])
            #expect(malformed.status == 422)
            #expect((malformed.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "backup")
            let missing = try await client.json(.post, "/stores/\(id)/restore", [:])
            #expect(missing.status == 422)
            let extra = try await client.json(.post, "/stores/\(id)/backups", ["when": "now"])
            #expect(extra.status == 422)
            #expect(try await app.types(of: id) == before)
        }
    }

    @Test func aCloneGetsTheSourcesDataScrubbedAndAtItsOwnAddress() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let source = try await StoreOperationRouteTests.readyStore(app, client, domain: "shop.example.com")
            let inventory = Self.inventory(app)
            try await inventory.setData(
                release: Self.release(source),
                data: "home https://shop.example.com/ ; admin owner@shop.example.com ; customer dan@example.net ; customer erin@example.net")
            let backup = try await Self.backedUp(app, client, source)

            let clone = try await client.json(
                .post, "/stores",
                [
                    "name": "Staging", "domain": "staging.example.com", "adminEmail": "admin@example.com", "plan": "small",
                    "from": ["store": source, "backup": backup],
                ])
            #expect(clone.status == 202, "\(clone.body)")
            let cloneID = try #require(clone.body["id"] as? String)
            _ = try await app.event("store.ready.v1", of: cloneID)
            let data = try #require(try await inventory.data(release: Self.release(cloneID)))
            #expect(data.contains("https://staging.example.com/"))
            #expect(!data.contains("shop.example.com/"), "URLs rewritten: \(data)")
            #expect(!data.contains("dan@") && !data.contains("erin@"), "customers scrubbed: \(data)")
            #expect(data.contains("owner@shop.example.com"), "the admin stays")
            // The source is untouched.
            #expect(try await inventory.data(release: Self.release(source))?.contains("dan@example.net") == true)

            let unscrubbed = try await client.json(
                .post, "/stores",
                [
                    "name": "Copy", "domain": "copy.example.com", "adminEmail": "admin@example.com", "plan": "small",
                    "from": ["store": source, "backup": backup, "scrub": false],
                ])
            let copyID = try #require(unscrubbed.body["id"] as? String)
            _ = try await app.event("store.ready.v1", of: copyID)
            #expect(try await inventory.data(release: Self.release(copyID))?.contains("dan@example.net") == true)
        }
    }

    @Test func aCloneOfABackupThatIsNotThereIsRefused() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let source = try await StoreOperationRouteTests.readyStore(app, client, domain: "src.example.com")
            let body: [String: Any] = [
                "name": "Staging", "domain": "stage.example.com", "adminEmail": "admin@example.com", "plan": "small",
                "from": ["store": source, "backup": "bk-0000000000aaaaaaaaaaaaaaaa"],
            ]
            let refused = try await client.json(.post, "/stores", body)
            #expect(refused.status == 422, "\(refused.body)")
            #expect((refused.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "from.backup")
            let typo = try await client.json(
                .post, "/stores",
                ["name": "S", "domain": "s2.example.com", "adminEmail": "a@example.com", "plan": "small", "from": ["store": source, "bakup": "x"]])
            #expect(typo.status == 422)
            let fields = (typo.body["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            #expect(fields.contains("from.bakup") && fields.contains("from.backup"))
        }
    }

    @Test func deletingABackupRemovesItsObjectsThenTheListEntry() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "delbackup.example.com")
            let backup = try await Self.backedUp(app, client, id)
            _ = try await Self.settled(client, id)
            let deleted = try await client.json(.delete, "/stores/\(id)/backups/\(backup)")
            #expect(deleted.status == 202, "\(deleted.body)")
            _ = try await app.event("store.backup-deleted.v1", of: id)
            _ = try await Self.settled(client, id)
            let list = try await client.json(.get, "/stores/\(id)/backups")
            #expect((list.body["items"] as? [Any])?.isEmpty == true)
            #expect(try await Self.inventory(app).backups(store: id) == [])
            let again = try await client.json(.delete, "/stores/\(id)/backups/\(backup)")
            #expect(again.status == 200, "a repeat finds the deletion done: \(again.body)")
        }
    }

    @Test func deleteTakesAFinalBackupUnlessToldNotTo() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let kept = try await StoreOperationRouteTests.readyStore(app, client, domain: "final.example.com")
            let deleting = try await client.json(.delete, "/stores/\(kept)")
            #expect(deleting.status == 202)
            #expect(deleting.body["status"] as? String == "backing-up")
            _ = try await app.event("store.deleted.v1", of: kept)
            let finals = try #require(try await client.json(.get, "/stores/\(kept)/backups").body["items"] as? [[String: Any]])
            #expect(finals.map { $0["reason"] as? String } == ["final"])
            let keepUntil = try #require(finals.first?["keepUntil"] as? String)
            let until = try #require(StoreEvent.parseDate(keepUntil))
            #expect(abs(until.timeIntervalSinceNow - 30 * 86_400) < 600, "kept 30 days by default")
            #expect(try await Self.inventory(app).backups(store: kept).count == 1, "the bucket outlives the store")

            let gone = try await StoreOperationRouteTests.readyStore(app, client, domain: "nofinal.example.com")
            let plain = try await client.json(.delete, "/stores/\(gone)?final_backup=false")
            #expect(plain.body["status"] as? String == "deleting")
            _ = try await app.event("store.deleted.v1", of: gone)
            #expect(try await app.types(of: gone).contains("store.change-requested.v1") == false)

            let other = try await StoreOperationRouteTests.readyStore(app, client, domain: "badflag.example.com")
            let bad = try await client.json(.delete, "/stores/\(other)?final_backup=maybe")
            #expect(bad.status == 400)
        }
    }

    @Test func aBackupDeletionThatFailedCanBeAskedForAgain() async throws {
        let app = InMemoryApp(simulation: SimulationSettings(latency: .zero, failures: ["change-discard": 1]))
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "retrydel.example.com")
            let backup = try await Self.backedUp(app, client, id)
            _ = try await Self.settled(client, id)
            let first = try await client.json(.delete, "/stores/\(id)/backups/\(backup)")
            #expect(first.status == 202)
            _ = try await app.event("store.change-failed.v1", of: id)
            let store = try await Self.settled(client, id)
            #expect((store["backups"] as? [[String: Any]])?.first?["status"] as? String == "completed", "still there")
            let second = try await client.json(.delete, "/stores/\(id)/backups/\(backup)")
            #expect(second.status == 202, "a new attempt, not the failed one replayed: \(second.body)")
            #expect((second.body["operation"] as? [String: Any])?["backup"] as? [String: Any] != nil)
        }
    }
}
