import Foundation

/// How backups are scheduled and kept: per plan a schedule (how often, how many and how long
/// scheduled backups are kept), the final backup a deletion takes, and how long safety and
/// final backups stay. Manual backups stay until they are deleted.
public struct BackupSettings: Sendable, Hashable {
    public struct Schedule: Sendable, Hashable, CustomStringConvertible {
        /// Time between two scheduled backups of a store.
        public var every: Duration
        /// The newest `keepCount` scheduled backups are kept...
        public var keepCount: Int
        /// ... and none older than this many days.
        public var keepDays: Int

        public init(every: Duration, keepCount: Int, keepDays: Int) {
            self.every = every
            self.keepCount = keepCount
            self.keepDays = keepDays
        }

        public var description: String { "every \(every.components.seconds / 3600)h, keep \(keepCount) for \(keepDays)d" }

        /// Parses `INTERVAL:COUNT:DAYS`, e.g. `24h:7:7` or `6h:28:14` (interval in m, h or d).
        public static func parse(_ text: String) -> Schedule? {
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 3, let every = parseInterval(parts[0]), let count = Int(parts[1]), count >= 1,
                let days = Int(parts[2].hasSuffix("d") ? String(parts[2].dropLast()) : parts[2]), days >= 1
            else { return nil }
            return Schedule(every: every, keepCount: count, keepDays: days)
        }

        static func parseInterval(_ text: String) -> Duration? {
            guard let unit = text.last, let value = Int(text.dropLast()), value >= 1 else { return nil }
            switch unit {
            case "m" where value >= 5: return .seconds(value * 60)
            case "h": return .seconds(value * 3600)
            case "d": return .seconds(value * 86_400)
            default: return nil
            }
        }
    }

    /// Per plan; a plan without one has no scheduled backups.
    public var schedules: [Plan: Schedule]
    /// Whether DELETE takes a final backup unless told not to (`?final_backup=false`).
    public var finalBackup: Bool
    public var finalRetentionDays: Int
    /// A restore's safety backup is kept this long.
    public var safetyRetentionDays: Int

    public init(
        schedules: [Plan: Schedule] = BackupSettings.defaultSchedules, finalBackup: Bool = true,
        finalRetentionDays: Int = 30, safetyRetentionDays: Int = 7
    ) {
        self.schedules = schedules
        self.finalBackup = finalBackup
        self.finalRetentionDays = finalRetentionDays
        self.safetyRetentionDays = safetyRetentionDays
    }

    public static let defaultSchedules: [Plan: Schedule] = [
        .small: Schedule(every: .seconds(86_400), keepCount: 7, keepDays: 7),
        .medium: Schedule(every: .seconds(86_400), keepCount: 14, keepDays: 14),
        .large: Schedule(every: .seconds(6 * 3600), keepCount: 28, keepDays: 14),
    ]

    /// Until when a final backup taken `now` is kept.
    public func finalKeepUntil(_ now: Date) -> Date { now.addingTimeInterval(Double(finalRetentionDays) * 86_400) }
}

/// What the backup schedule and the retention want done for one store: pure, over its state.
public enum BackupPlanner {
    public enum Action: Sendable, Hashable {
        /// Take a scheduled backup for the slot starting at `slot` (its idempotency name).
        case backup(slot: Date)
        /// Remove an expired backup.
        case expire(String)
    }

    /// What the planner looks at: the store's state or its view say the same.
    public struct Store: Sendable, Hashable {
        public let status: StoreStatus
        public let operationRunning: Bool
        public let plan: Plan
        public let readyAt: Date?
        public let backups: [BackupRecord]

        public init(_ state: StoreState) {
            status = state.status
            operationRunning = state.operation != nil
            plan = (state.applied ?? state.desired).plan
            readyAt = state.readyAt
            backups = state.backups
        }

        public init(_ view: StoreView) {
            status = view.status
            operationRunning = view.operation != nil
            plan = view.plan
            readyAt = view.readyAt
            backups = view.backups
        }
    }

    /// What is due for the store at `now`: expired backups first (one at a time: each is an
    /// operation), then a scheduled backup when the last scheduled one is `every` old.
    public static func due(_ state: Store, now: Date, settings: BackupSettings) -> Action? {
        if let expired = expired(state, now: now, settings: settings).first {
            // A backup deletion is an operation too: not while another runs.
            return state.operationRunning ? nil : .expire(expired)
        }
        // Not while suspended: the database is stopped.
        guard state.status == .ready, !state.operationRunning,
            let schedule = settings.schedules[state.plan]
        else { return nil }
        let every = Double(schedule.every.components.seconds)
        let last = state.backups.filter { $0.reason == .scheduled && $0.status != .failed }.map(\.requestedAt).max()
        // Slots are fixed multiples of `every` since the epoch, so replicas agree on them.
        let slot = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / every).rounded(.down) * every)
        if let last, last >= slot { return nil }
        // A store younger than one interval has its first scheduled backup at its first slot.
        if last == nil, state.readyAt.map({ $0 > slot }) ?? true { return nil }
        return .backup(slot: slot)
    }

    /// Completed backups the retention removes, oldest first: scheduled ones beyond the
    /// plan's count or age, safety ones past their days, final ones past their `keepUntil`.
    /// Manual backups stay until deleted.
    public static func expired(_ state: Store, now: Date, settings: BackupSettings) -> [String] {
        let completed = state.backups.filter { $0.status == .completed }
        var expired: [String] = []
        let day = 86_400.0
        if let schedule = settings.schedules[state.plan] {
            let scheduled = completed.filter { $0.reason == .scheduled }.sorted { $0.requestedAt < $1.requestedAt }
            let beyondCount = Set(scheduled.dropLast(schedule.keepCount).map(\.id))
            for record in scheduled
            where beyondCount.contains(record.id) || now.timeIntervalSince(record.requestedAt) > Double(schedule.keepDays) * day {
                expired.append(record.id)
            }
        }
        for record in completed where record.reason == .safety {
            if now.timeIntervalSince(record.requestedAt) > Double(settings.safetyRetentionDays) * day { expired.append(record.id) }
        }
        for record in completed where record.reason == .final || record.keepUntil != nil {
            if let keep = record.keepUntil, keep < now, !expired.contains(record.id) { expired.append(record.id) }
        }
        return expired
    }
}
