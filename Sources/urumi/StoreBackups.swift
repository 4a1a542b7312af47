import ArgumentParser
import Foundation
import PostgresPersonalData
import Provisioning

/// `urumi stores backup|backups|restore|delete-backup`: the backup operations, appended to the
/// log like the API's (the running servers carry them out).
extension Stores {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Back a store up now (database and wp-content).")
        @OptionGroup var common: Common

        func run() async throws {
            try await common.operate("backup") { handler, id, metadata in
                try await handler.backup(id, metadata: metadata, idempotencyKey: common.idempotencyKey)
            }
        }
    }

    struct Backups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a store's backups, oldest first.")
        @OptionGroup var common: Common

        func run() async throws {
            let id = try common.storeID()
            try await withEvents(common.database) { events, pool in
                guard let state = try await StoreProjection.load(id, from: events, vault: PostgresPersonalDataVault(pool: pool)) else { throw ProvisioningError.storeNotFound(id) }
                if common.json {
                    Swift.print(try StoreProjection.encodeJSON(state.backups))
                    return
                }
                if state.backups.isEmpty { FileHandle.standardError.write(Data("no backups\n".utf8)) }
                for record in state.backups {
                    let size = record.bytes.map { String(format: "%.1f MB", Double($0) / 1_000_000) } ?? "-"
                    let keep = record.keepUntil.map { " kept until \(StoreEvent.formatDate($0))" } ?? ""
                    let error = record.error.map { ": \($0)" } ?? ""
                    Swift.print(
                        "\(record.id)\t\(record.reason.rawValue)\t\(record.status.rawValue)\t\(size)\t\(StoreEvent.formatDate(record.requestedAt))\(keep)\(error)")
                }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore one of a store's backups (a safety backup first; on failure it is put back).")
        @OptionGroup var common: Common
        @Option(help: "The backup to restore (see `urumi stores backups`).") var backup: String

        func run() async throws {
            guard backup.isBackupID else { throw ValidationError("--backup must be a backup id such as bk-01jf0c8r5g3k2m7n9p4q6s8t0v") }
            try await common.operate("restore") { handler, id, metadata in
                try await handler.restore(id, backup: backup, metadata: metadata, idempotencyKey: common.idempotencyKey)
            }
        }
    }

    struct DeleteBackup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one of a store's backups from its target.")
        @OptionGroup var common: Common
        @Option(help: "The backup to remove.") var backup: String

        func run() async throws {
            guard backup.isBackupID else { throw ValidationError("--backup must be a backup id such as bk-01jf0c8r5g3k2m7n9p4q6s8t0v") }
            try await common.operate("delete-backup") { handler, id, metadata in
                try await handler.deleteBackup(id, backup: backup, metadata: metadata)
            }
        }
    }
}
