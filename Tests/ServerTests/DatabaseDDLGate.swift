/// Keeps this process's `CREATE DATABASE` / `DROP DATABASE` out of timing-sensitive checks.
///
/// Why: readers of the event log never read past the oldest running writing transaction *on
/// the whole PostgreSQL server* (gap-free reading, `pg_snapshot_xmin`). `CREATE DATABASE`
/// holds a transaction id for 1-2 s on these machines, `DROP DATABASE` up to 1 s, so while
/// other tests create and drop their databases, every server's projector stalls, and several
/// in a row exceeded the 5 s that `min_position` waits (seen: a 404 right after a create).
/// A check of that bound runs in a `quiet` section: it waits for running DDL to finish and
/// holds new DDL back until it is done. Quiet sections must not create databases themselves.
actor DatabaseDDLGate {
    static let shared = DatabaseDDLGate()

    private var runningDDL = 0
    private var quietSections = 0
    private var parked: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` (a CREATE or DROP DATABASE) when no quiet section is open.
    nonisolated func ddl<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await enterDDL()
        do {
            let value = try await body()
            await leaveDDL()
            return value
        } catch {
            await leaveDDL()
            throw error
        }
    }

    /// Runs `body` with no database DDL of this process running beside it.
    nonisolated func quiet<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await enterQuiet()
        do {
            let value = try await body()
            await leaveQuiet()
            return value
        } catch {
            await leaveQuiet()
            throw error
        }
    }

    private func enterDDL() async {
        while quietSections > 0 { await park() }
        runningDDL += 1
    }

    private func leaveDDL() {
        runningDDL -= 1
        wakeAll()
    }

    private func enterQuiet() async {
        quietSections += 1  // new DDL waits from now on
        while runningDDL > 0 { await park() }
    }

    private func leaveQuiet() {
        quietSections -= 1
        wakeAll()
    }

    private func park() async {
        await withCheckedContinuation { parked.append($0) }
    }

    private func wakeAll() {
        let waiting = parked
        parked = []
        for continuation in waiting { continuation.resume() }
    }
}
