import Postgres
import Provisioning

/// The simulated cluster's inventory in `sim_objects`.
public struct PostgresSimulatedInventory: SimulatedInventory {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func create(_ kind: SimulatedObjectKind, name: String, owner: String) async throws -> Bool {
        // Counts a creation only when the object was absent: creating what exists is a no-op,
        // as in a real cluster.
        let rows = try await pool.query(
            """
            insert into sim_objects as o (kind, name, owner, present, created_count)
            values (\(kind.rawValue), \(name), \(owner), true, 1)
            on conflict (kind, name) do update set present = true, owner = excluded.owner,
                created_count = o.created_count + 1, secret = null, updated_at = now()
            where not o.present
            returning created_count
            """)
        return !rows.isEmpty
    }

    public func delete(_ kind: SimulatedObjectKind, name: String) async throws -> Bool {
        if kind == .release {
            try await pool.query("delete from sim_release_revisions where release = \(name)")
            try await pool.query("delete from sim_store_data where release = \(name)")
            try await pool.query("delete from sim_release_objects where release = \(name)")
        }
        let rows = try await pool.query(
            """
            update sim_objects set present = false, secret = null, updated_at = now()
            where kind = \(kind.rawValue) and name = \(name) and present
            returning name
            """)
        return !rows.isEmpty
    }

    public func exists(_ kind: SimulatedObjectKind, name: String) async throws -> Bool {
        let rows = try await pool.query(
            "select 1 as one from sim_objects where kind = \(kind.rawValue) and name = \(name) and present")
        return !rows.isEmpty
    }

    public func setSecret(_ kind: SimulatedObjectKind, name: String, secret: String) async throws {
        try await pool.query(
            "update sim_objects set secret = \(secret) where kind = \(kind.rawValue) and name = \(name) and present")
    }

    public func secret(_ kind: SimulatedObjectKind, name: String) async throws -> String? {
        let rows = try await pool.query(
            "select secret from sim_objects where kind = \(kind.rawValue) and name = \(name) and present")
        return try rows.first?.decode(String?.self, "secret")
    }

    public func snapshot() async throws -> SimulatedInventorySnapshot {
        let rows = try await pool.query(
            "select kind, name, created_count from sim_objects where present order by kind, name")
        var namespaces: [SimulatedInventorySnapshot.Entry] = []
        var releases: [SimulatedInventorySnapshot.Entry] = []
        for row in rows {
            let entry = SimulatedInventorySnapshot.Entry(
                name: try row.decode(String.self, "name"), created: try row.decode(Int.self, "created_count"))
            if try row.decode(String.self, "kind") == "namespace" { namespaces.append(entry) } else { releases.append(entry) }
        }
        return SimulatedInventorySnapshot(namespaces: namespaces, releases: releases)
    }
}

extension PostgresSimulatedInventory: SimulatedReleaseHistory {
    public func upgrade(release: String, values: String) async throws -> Int? {
        // One statement: the release must be present. Two concurrent upgrades of one release
        // may read the same max(revision); the primary key then refuses the second (an error,
        // never a shared revision). The saga runs one operation per store at a time.
        let rows = try await pool.query(
            """
            with r as (
                select name from sim_objects where kind = 'release' and name = \(release) and present for update
            )
            insert into sim_release_revisions (release, revision, values_json)
            select r.name, coalesce((select max(revision) from sim_release_revisions where release = r.name), 0) + 1,
                   \(values)
            from r
            returning revision
            """)
        return try rows.first?.decode(Int.self, "revision")
    }

    public func rollback(release: String, to revision: Int?) async throws -> Int? {
        let rows = try await pool.query(
            """
            with r as (
                select name from sim_objects where kind = 'release' and name = \(release) and present for update
            ), latest as (
                select coalesce(max(revision), 0) as revision from sim_release_revisions where release = \(release)
            ), source as (
                select s.values_json from sim_release_revisions s, latest
                where s.release = \(release) and s.revision = coalesce(\(revision), latest.revision - 1)
            )
            insert into sim_release_revisions (release, revision, values_json)
            select r.name, latest.revision + 1, source.values_json from r, latest, source
            returning revision
            """)
        return try rows.first?.decode(Int.self, "revision")
    }

    public func current(release: String) async throws -> (revision: Int, values: String)? {
        let rows = try await pool.query(
            """
            select revision, values_json from sim_release_revisions where release = \(release)
            order by revision desc limit 1
            """)
        guard let row = rows.first else { return nil }
        return (try row.decode(Int.self, "revision"), try row.decode(String.self, "values_json"))
    }
}

extension PostgresSimulatedInventory: SimulatedBackupStore {
    public func data(release: String) async throws -> String? {
        let rows = try await pool.query("select data from sim_store_data where release = \(release)")
        return try rows.first?.decode(String.self, "data")
    }

    public func setData(release: String, data: String) async throws {
        try await pool.query(
            """
            insert into sim_store_data (release, data) values (\(release), \(data))
            on conflict (release) do update set data = excluded.data, updated_at = now()
            """)
    }

    public func putBackup(store: String, backup: String, data: String, manifest: String) async throws {
        try await pool.query(
            """
            insert into sim_backups (store, backup, data, manifest) values (\(store), \(backup), \(data), \(manifest))
            on conflict (store, backup) do update set data = excluded.data, manifest = excluded.manifest, created_at = now()
            """)
    }

    public func backup(store: String, backup: String) async throws -> (data: String, manifest: String)? {
        let rows = try await pool.query(
            "select data, manifest from sim_backups where store = \(store) and backup = \(backup)")
        guard let row = rows.first else { return nil }
        return (try row.decode(String.self, "data"), try row.decode(String.self, "manifest"))
    }

    public func deleteBackup(store: String, backup: String) async throws -> Bool {
        let rows = try await pool.query(
            "delete from sim_backups where store = \(store) and backup = \(backup) returning backup")
        return !rows.isEmpty
    }

    public func backups(store: String) async throws -> [String] {
        try await pool.query("select backup from sim_backups where store = \(store) order by backup").map {
            try $0.decode(String.self, "backup")
        }
    }
}
