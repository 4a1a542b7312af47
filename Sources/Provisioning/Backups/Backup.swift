import EventStore
import Foundation

/// Why a backup was taken.
public enum BackupReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// Asked for (`POST /stores/{id}/backups`).
    case manual
    /// Taken by the plan's schedule; the retention expires it.
    case scheduled
    /// Taken by a restore before it replaces the data (its compensation restores it).
    case safety
    /// Taken before the store's deletion; kept for the final-backup retention window.
    case final
}

/// What a backup, restore or backup-deletion operation works on (part of its request).
public struct BackupOrder: Sendable, Hashable, Codable {
    /// The backup the operation writes (`backup`), restores (`restore`) or removes
    /// (`delete-backup`).
    public let backup: String
    /// `backup`: why it is taken.
    public let reason: BackupReason?
    /// `restore`: the safety backup it takes first.
    public let safety: String?
    /// `backup` with reason `final`: delete the store once the backup is complete.
    public let deleteAfter: Bool?
    /// `delete-backup`: removed because the retention expired it (not on request).
    public let expired: Bool?
    /// Until when the backup is kept (final backups; nil: per the retention).
    public let keepUntil: Date?

    public init(
        backup: String, reason: BackupReason? = nil, safety: String? = nil, deleteAfter: Bool? = nil,
        expired: Bool? = nil, keepUntil: Date? = nil
    ) {
        self.backup = backup
        self.reason = reason
        self.safety = safety
        self.deleteAfter = deleteAfter
        self.expired = expired
        self.keepUntil = keepUntil
    }

    /// The backup the operation's `snapshot` step writes (and `discard` removes, when it fails).
    public func snapshotID(_ kind: OperationKind) -> String {
        kind == .restore ? (safety ?? backup) : backup
    }
}

/// What a backup Job wrote, as its manifest says (stored beside the files as `manifest.json`).
public struct BackupManifest: Sendable, Hashable, Codable {
    public struct File: Sendable, Hashable, Codable {
        public let name: String
        public let bytes: Int64
        public let sha256: String

        public init(name: String, bytes: Int64, sha256: String) {
            self.name = name
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public let format: Int
    public let backup: String
    public let store: String
    public let createdAt: String?
    public let wordpressVersion: String?
    public let woocommerceVersion: String?
    public let chartRevision: String?
    public let files: [File]
    public let totalBytes: Int64
    /// Where the files are, e.g. `s3://bucket/urumi/<store>/<backup>/` or `pvc://claim/...`.
    public let target: String

    public init(
        format: Int = 1, backup: String, store: String, createdAt: String?, wordpressVersion: String?,
        woocommerceVersion: String?, chartRevision: String?, files: [File], totalBytes: Int64, target: String
    ) {
        self.format = format
        self.backup = backup
        self.store = store
        self.createdAt = createdAt
        self.wordpressVersion = wordpressVersion
        self.woocommerceVersion = woocommerceVersion
        self.chartRevision = chartRevision
        self.files = files
        self.totalBytes = totalBytes
        self.target = target
    }

    /// Decodes the manifest a Job reported; nil when it is not one (missing fields, no files).
    public static func parse(_ text: String) -> BackupManifest? {
        guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: Data(text.utf8)),
            !manifest.files.isEmpty, manifest.files.allSatisfy({ $0.sha256.count == 64 && $0.bytes >= 0 })
        else { return nil }
        return manifest
    }

    /// The manifest as one line of JSON (sorted keys), as step details carry it.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// One backup of a store, as its events tell it (the backups list).
public struct BackupRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The Job is writing it.
        case running
        case completed
        /// The Job failed; what it half-wrote is removed.
        case failed
        /// A deletion (asked for, or by the retention) is removing it.
        case deleting
    }

    public let id: String
    public let reason: BackupReason
    public var status: Status
    /// The operation that took it.
    public let operation: String
    public let requestedBy: String
    public let requestedAt: Date
    public var completedAt: Date?
    public var manifest: BackupManifest?
    public var error: String?
    /// Kept at least until then (final backups).
    public var keepUntil: Date?
    /// When it was last restored (into this store or a clone of it).
    public var restoredAt: Date?

    public init(id: String, reason: BackupReason, operation: String, requestedBy: String, requestedAt: Date, keepUntil: Date?) {
        self.id = id
        self.reason = reason
        status = .running
        self.operation = operation
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.keepUntil = keepUntil
    }

    /// Total size in bytes of a completed backup.
    public var bytes: Int64? { manifest?.totalBytes }
}

extension String {
    /// A new backup id: `bk-` and 26 lower-case base-32 characters (time-ordered, like a ULID),
    /// short enough for a Job name and a path segment.
    public static func newBackupID(at date: Date = Date()) -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var random = SystemRandomNumberGenerator()
        return backupID(at: date, tail: (0..<16).map { _ in random.next() })
    }

    /// The backup id of a request that must not run twice (a scheduled slot, an idempotency
    /// key): the same name gives the same id.
    public static func backupID(at date: Date, derivedFrom name: String) -> String {
        let digests = ["urumi-backup-1:", "urumi-backup-2:"].map { UInt64(Fingerprint.of($0 + name), radix: 16)! }
        return backupID(at: date, tail: (0..<16).map { digests[$0 / 8] >> UInt64(($0 % 8) * 8) })
    }

    private static func backupID(at date: Date, tail: [UInt64]) -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var millis = UInt64(Swift.max(0, date.timeIntervalSince1970 * 1000))
        var time: [Character] = []
        for _ in 0..<10 {
            time.append(alphabet[Int(millis & 31)])
            millis >>= 5
        }
        return "bk-" + String(time.reversed()) + String(tail.map { alphabet[Int($0 & 31)] })
    }

    /// Whether this is a backup id as `newBackupID` makes them.
    public var isBackupID: Bool {
        hasPrefix("bk-") && count == 29 && dropFirst(3).allSatisfy { $0.isASCII && ($0.isNumber || $0.isLowercase) }
    }
}
