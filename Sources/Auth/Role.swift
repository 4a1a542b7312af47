/// What a token may do.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    /// Reads stores, events and the audit.
    case viewer
    /// Also creates, deletes and retries stores and reads their credentials.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs == .viewer && rhs == .admin }
}

/// Who is calling: a token's name and role (or the anonymous developer with `--auth none`).
public struct Identity: Sendable, Hashable {
    public let name: String
    public let role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// May this identity do what needs `role`?
    public func allows(_ role: Role) -> Bool { self.role >= role }
}
