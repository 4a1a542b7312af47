/// What the simulated cluster holds, persisted so crash tests can count duplicates and
/// leftovers across process restarts.
public protocol SimulatedInventory: Sendable {
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
