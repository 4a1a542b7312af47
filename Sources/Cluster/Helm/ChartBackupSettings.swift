import Foundation
import Yams

/// What the platform's chart values say about backups: `backup.enabled` renders the backup
/// Job template (a suspended CronJob) in every store, and `backup.s3.bucket` says where they go
/// (a bucket, or a PVC in the store's namespace). Later files win, as with helm's `--values`.
public struct ChartBackupSettings: Sendable, Hashable {
    public var enabled = false
    public var bucket = ""

    public init() {}

    public static func read(_ files: [String]) throws -> ChartBackupSettings {
        var settings = ChartBackupSettings()
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let root = try Yams.load(yaml: text) as? [String: Any], let backup = root["backup"] as? [String: Any]
            else { continue }
            if let enabled = backup["enabled"] as? Bool { settings.enabled = enabled }
            if let s3 = backup["s3"] as? [String: Any], let bucket = s3["bucket"] as? String { settings.bucket = bucket }
        }
        return settings
    }
}
