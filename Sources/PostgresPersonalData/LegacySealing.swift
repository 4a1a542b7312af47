import Foundation
import Postgres
import Provisioning

/// `urumi events seal-legacy`: the one rewrite of the log Urumi knows. Requests written before
/// personal data was sealed (`store.requested.v1`) hold the admin e-mail in clear; destroying a
/// key cannot forget what was never sealed. This seals each such e-mail with its store's key
/// and turns the event into the `store.requested.v2` it would be today, in place (same
/// position, stream version, id and time), one batch per transaction. Idempotent: a sealed
/// event is not touched again. See docs/decisions/personal-data.md for why a rewrite, once.
public enum LegacySealing {
    /// Seals every `store.requested.v1`; returns how many were sealed.
    public static func run(pool: PostgresPool, vault: PostgresPersonalDataVault, batch: Int = 500) async throws -> Int {
        var sealed = 0
        while true {
            let done = try await pool.withTransaction { connection -> Int in
                let rows = try await connection.query(
                    """
                    select position, stream_id, data->>'adminEmail' as email from events
                     where type = 'store.requested.v1' order by position limit \(batch) for update
                    """)
                for row in rows {
                    let stream = try row.decode(String.self, "stream_id")
                    guard let id = StoreID(stream.hasPrefix("store-") ? String(stream.dropFirst(6)) : ""),
                        let email = try row.decode(String?.self, "email")
                    else { throw PostgresError(.decoding, "\(stream) holds a store.requested.v1 without a store id or e-mail") }
                    let text = try StoreProjection.encodeJSON(try await vault.seal(email, for: id))
                    try await connection.query(
                        """
                        update events set type = 'store.requested.v2', data = jsonb_set(data, '{adminEmail}', \(text)::jsonb)
                         where position = \(try row.decode(Int64.self, "position")) and type = 'store.requested.v1'
                        """)
                }
                return rows.count
            }
            sealed += done
            if done < batch { return sealed }
        }
    }

    /// How many requests still hold the e-mail in clear.
    public static func pending(pool: PostgresPool) async throws -> Int {
        let rows = try await pool.query("select count(*) as n from events where type = 'store.requested.v1'")
        return try rows.first?.decode(Int.self, "n") ?? 0
    }
}
