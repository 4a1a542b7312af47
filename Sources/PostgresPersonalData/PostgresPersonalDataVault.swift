import Foundation
import PersonalData
import Postgres
import Provisioning

/// The stores' keys in PostgreSQL (`store_keys`, `schema/0030_personal_data_keys.sql`),
/// beside the log and never in it. A destroyed key is a tombstone row (`key` null).
public struct PostgresPersonalDataVault: PersonalDataVault {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func seal(_ text: String, for store: StoreID) async throws -> SealedText {
        let fresh = StoreKeyRing.newKey().base64EncodedString()
        // Insert or find, in one statement; a concurrent first seal of the same store (a
        // repeated request) can hide the other's row from this statement's snapshot: ask again.
        for _ in 0..<2 {
            let rows = try await pool.query(
                """
                with made as (
                    insert into store_keys (store_id, key) values (\(store.uuid), decode(\(fresh), 'base64'))
                    on conflict (store_id) do nothing
                    returning key, destroyed_at
                )
                select encode(key, 'base64') as key, destroyed_at is not null as destroyed from made
                union all
                select encode(key, 'base64') as key, destroyed_at is not null as destroyed from store_keys
                 where store_id = \(store.uuid) and not exists (select 1 from made)
                """)
            guard let row = rows.first else { continue }
            if try row.decode(Bool.self, "destroyed") { throw PersonalDataError.forgotten(store) }
            guard let key = try row.decode(String?.self, "key").flatMap({ Data(base64Encoded: $0) }) else {
                throw PersonalDataError.forgotten(store)
            }
            return try StoreKeyRing.seal(text, for: store, with: key)
        }
        throw PersonalDataError.keyNotLoaded(store)
    }

    public func keyRing(for stores: Set<StoreID>) async throws -> any PersonalKeyRing {
        try await pool.withConnection { try await Self.keyRing(for: stores, on: $0) }
    }

    /// The ring, read on a given connection (e.g. inside a projector's transaction).
    public static func keyRing(for stores: Set<StoreID>, on connection: PostgresConnection) async throws -> StoreKeyRing {
        guard !stores.isEmpty else { return StoreKeyRing(keys: [:]) }
        let rows = try await connection.query(
            """
            select store_id, encode(key, 'base64') as key from store_keys
             where store_id = any(\(stores.map(\.uuid))::uuid[]) and key is not null
            """)
        var keys: [StoreID: Data?] = Dictionary(uniqueKeysWithValues: stores.map { ($0, Data?.none) })
        for row in rows {
            let id = StoreID(try row.decode(UUID.self, "store_id"))
            if let data = try row.decode(String?.self, "key").flatMap({ Data(base64Encoded: $0) }) {
                keys[id] = data
            }
        }
        return StoreKeyRing(keys: keys)
    }

    public func destroyKey(of store: StoreID) async throws {
        try await pool.query(
            """
            insert into store_keys (store_id, key, destroyed_at) values (\(store.uuid), null, now())
            on conflict (store_id) do update set key = null, destroyed_at = coalesce(store_keys.destroyed_at, now())
            """)
    }

    public func keyStatus(of store: StoreID) async throws -> StoreKeyStatus {
        let rows = try await pool.query("select key is null as destroyed from store_keys where store_id = \(store.uuid)")
        guard let row = rows.first else { return .none }
        return try row.decode(Bool.self, "destroyed") ? .destroyed : .held
    }
}
