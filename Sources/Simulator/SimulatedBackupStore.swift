/// The shop data of simulated stores and their backup bucket.
///
/// A release's data is a text standing in for its database and `wp-content`; it goes with the
/// release. Backups are kept per store in a bucket that outlives the store, as S3 does.
public protocol SimulatedBackupStore: Sendable {
    /// The data of a present release (nil: none written yet, or no such release).
    func data(release: String) async throws -> String?
    /// Replaces the data of a release (what a restore, or a test playing the shop, does).
    func setData(release: String, data: String) async throws
    /// Writes a backup's objects (replacing a half-written one with the same id).
    func putBackup(store: String, backup: String, data: String, manifest: String) async throws
    /// A backup's data and manifest.
    func backup(store: String, backup: String) async throws -> (data: String, manifest: String)?
    /// Removes a backup's objects; true when they existed.
    @discardableResult
    func deleteBackup(store: String, backup: String) async throws -> Bool
    /// The ids of a store's backups in the bucket, sorted.
    func backups(store: String) async throws -> [String]
}
