import Postgres

extension PostgresSimulatedInventory: SimulatedReleaseObjects {
    public func applyObjects(release: String, objects: [String]) async throws {
        guard try await exists(.release, name: release) else { return }
        try await pool.withTransaction { connection in
            try await connection.query("delete from sim_release_objects where release = \(release) and object <> all(\(objects)::text[])")
            try await connection.query(
                """
                insert into sim_release_objects (release, object) select \(release), unnest(\(objects)::text[])
                on conflict do nothing
                """)
        }
    }

    public func objects(release: String) async throws -> Set<String> {
        Set(try await pool.query("select object from sim_release_objects where release = \(release)").map { try $0.decode(String.self, "object") })
    }

    public func deleteObject(release: String, object: String) async throws -> Bool {
        !(try await pool.query(
            "delete from sim_release_objects where release = \(release) and object = \(object) returning object")).isEmpty
    }
}
