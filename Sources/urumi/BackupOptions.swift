import ArgumentParser
import Provisioning

/// `--backup-schedule`, `--no-final-backup`, `--final-backup-days`, `--safety-backup-days`:
/// when backups are taken and how long they are kept.
struct BackupOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A plan's backup schedule (repeatable): every INTERVAL (m, h or d), keep the newest COUNT for DAYS days; or off. Defaults: small=24h:7:7, medium=24h:14:14, large=6h:28:14.",
            valueName: "plan=INTERVAL:COUNT:DAYS|off"))
    var backupSchedule: [String] = []

    @Flag(help: "DELETE without a final backup unless asked for one (by default every deletion of a store with a shop takes one).")
    var noFinalBackup = false

    @Option(help: "Days a final backup is kept after its store is deleted.")
    var finalBackupDays: Int = 30

    @Option(help: "Days the safety backup a restore takes first is kept.")
    var safetyBackupDays: Int = 7

    func settings() throws -> BackupSettings {
        var schedules = BackupSettings.defaultSchedules
        for entry in backupSchedule {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let plan = Plan(rawValue: parts[0]) else {
                throw ValidationError("--backup-schedule \(entry): expected plan=INTERVAL:COUNT:DAYS or plan=off, plan one of small, medium, large")
            }
            if parts[1] == "off" {
                schedules[plan] = nil
                continue
            }
            guard let schedule = BackupSettings.Schedule.parse(parts[1]) else {
                throw ValidationError(
                    "--backup-schedule \(entry): expected INTERVAL:COUNT:DAYS such as 24h:7:7 (interval at least 5m, count and days at least 1)")
            }
            schedules[plan] = schedule
        }
        guard finalBackupDays >= 1 else { throw ValidationError("--final-backup-days must be 1 or more") }
        guard safetyBackupDays >= 1 else { throw ValidationError("--safety-backup-days must be 1 or more") }
        return BackupSettings(
            schedules: schedules, finalBackup: !noFinalBackup, finalRetentionDays: finalBackupDays,
            safetyRetentionDays: safetyBackupDays)
    }
}
