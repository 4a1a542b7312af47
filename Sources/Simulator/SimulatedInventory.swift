/// What the simulated cluster holds, persisted so crash tests can count duplicates and
/// leftovers across process restarts.
public protocol SimulatedInventory: SimulatedReleaseHistory, SimulatedReleaseObjects, SimulatedBackupStore {
    /// Creates the object if absent (counting the creation); true when it was created now.
    @discardableResult
    func create(_ kind: SimulatedObjectKind, name: String, owner: String) async throws -> Bool
    /// Deletes the object if present; true when it existed.
    @discardableResult
    func delete(_ kind: SimulatedObjectKind, name: String) async throws -> Bool
    func exists(_ kind: SimulatedObjectKind, name: String) async throws -> Bool
    /// Everything that exists now, with how many times each was created.
    func snapshot() async throws -> SimulatedInventorySnapshot
    /// Stores a secret with an existing object (kept until the object is deleted).
    func setSecret(_ kind: SimulatedObjectKind, name: String, secret: String) async throws
    /// The secret of an existing object.
    func secret(_ kind: SimulatedObjectKind, name: String) async throws -> String?
}

public enum SimulatedObjectKind: String, Sendable, Hashable, Codable {
    case namespace
    case release
}

public struct SimulatedInventorySnapshot: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public let name: String
        public let created: Int
        public init(name: String, created: Int) {
            self.name = name
            self.created = created
        }
    }

    public var namespaces: [Entry]
    public var releases: [Entry]

    public init(namespaces: [Entry], releases: [Entry]) {
        self.namespaces = namespaces
        self.releases = releases
    }
}

/// Helm release history in the simulated cluster: each upgrade or rollback is a revision
/// holding the values it ran with (a JSON text), as `helm history` tells it.
public protocol SimulatedReleaseHistory: Sendable {
    /// A new revision with `values` of a present release; nil when the release is absent.
    func upgrade(release: String, values: String) async throws -> Int?
    /// A new revision with the values of `revision` (nil: of the one before the current);
    /// nil when the release is absent or has no such revision.
    func rollback(release: String, to revision: Int?) async throws -> Int?
    /// The current revision and its values.
    func current(release: String) async throws -> (revision: Int, values: String)?
}

/// The objects a simulated release rendered ("Kind/name"), as the cluster has them now.
public protocol SimulatedReleaseObjects: Sendable {
    /// Makes the present release's objects exactly `objects` (creating the missing ones,
    /// removing those its values no longer render), as `helm upgrade` applies a manifest.
    func applyObjects(release: String, objects: [String]) async throws
    /// The release's objects that exist now.
    func objects(release: String) async throws -> Set<String>
    /// Deletes one object behind the release's back (drift); true when it existed.
    func deleteObject(release: String, object: String) async throws -> Bool
}
