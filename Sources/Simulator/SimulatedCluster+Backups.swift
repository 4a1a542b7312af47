import Crypto
import Foundation
import Provisioning

/// Backups in the simulated cluster: the release's data (a text standing in for its database
/// and `wp-content`) copied to and from a bucket that outlives the store, with a manifest whose
/// checksums are real SHA-256 digests, verified before a restore.
extension SimulatedCluster {
    /// What a freshly installed shop holds (no personal data: the admin e-mail is only in the
    /// store's sealed request, so that forgetting the store leaves none of it in the database).
    static func freshData(_ target: StoreTarget) -> String {
        "shop \(target.spec.name) at https://\(target.spec.domain)/; no orders"
    }

    func snapshot(_ target: StoreTarget) async throws -> [String: String] {
        guard let id = target.backup?.snapshot else { throw ClusterError.permanent("no backup id to write") }
        let data = try await inventory.data(release: target.release) ?? Self.freshData(target)
        let bytes = Int64(data.utf8.count)
        let revision = try await inventory.current(release: target.release)?.revision
        let manifest = BackupManifest(
            backup: id, store: target.id.description, createdAt: StoreEvent.formatDate(Date()),
            wordpressVersion: target.config.effectiveWordPressVersion,
            woocommerceVersion: target.config.woocommerceVersion ?? StoreConfig.chartWooCommerceVersion,
            chartRevision: revision.map(String.init),
            files: [BackupManifest.File(name: "database.sql.gz", bytes: bytes, sha256: Self.sha256(data))],
            totalBytes: bytes, target: "sim://backups/\(target.id)/\(id)/")
        try await inventory.putBackup(store: target.id.description, backup: id, data: data, manifest: manifest.json)
        return ["backup": id, "bytes": String(bytes), "manifest": manifest.json]
    }

    func quiesce(_ target: StoreTarget) async throws -> [String: String] {
        var quiet = target.config
        quiet.suspended = true
        let revision = try await upgradeRelease(target, to: quiet)
        return [
            "release": target.release, "revision": revision.map(String.init) ?? "", "wordpress": "0 replicas",
            "mysql": "0 replicas", "maintenance": "1/1 ready",
        ]
    }

    /// Restores `source` into the target's release, refusing a backup whose checksum does not
    /// match its manifest (nothing is touched then).
    func restore(_ source: BackupWork.Source, into target: StoreTarget, scrub: Bool, rewriteFrom: String?)
        async throws -> [String: String]
    {
        guard let stored = try await inventory.backup(store: source.store.description, backup: source.backup) else {
            throw ClusterError.permanent("backup \(source.backup) of store \(source.store) is not in the bucket")
        }
        guard let manifest = BackupManifest.parse(stored.manifest),
            manifest.files.first?.sha256 == Self.sha256(stored.data)
        else {
            throw ClusterError.permanent("backup \(source.backup) does not match its manifest's checksum; nothing restored")
        }
        var data = stored.data
        var rewritten = false
        if let from = rewriteFrom, from != target.spec.domain {
            data = data.replacingOccurrences(of: "https://\(from)", with: "https://\(target.spec.domain)")
            rewritten = true
        }
        if scrub { data = Self.scrubbed(data) }
        try await inventory.setData(release: target.release, data: data)
        return [
            "restored": source.backup, "from": source.store.description, "scrubbed": String(scrub),
            "rewritten": String(rewritten),
        ]
    }

    func discard(_ target: StoreTarget) async throws -> [String: String] {
        guard let id = target.backup?.snapshot else { throw ClusterError.permanent("no backup id to remove") }
        let existed = try await inventory.deleteBackup(store: target.id.description, backup: id)
        return ["deleted": id, "objects": existed ? "1" : "0"]
    }

    /// The data with each customer's e-mail or name (the word after `customer`) replaced:
    /// the simulated scrub. The admin's stays.
    static func scrubbed(_ data: String) -> String {
        var words = data.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for index in words.indices.dropFirst() where words[index - 1] == "customer" {
            let trailing = words[index].last.map { ",;.".contains($0) } == true ? String(words[index].last!) : ""
            words[index] = "[scrubbed]" + trailing
        }
        return words.joined(separator: " ")
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
