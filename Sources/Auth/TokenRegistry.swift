import EventStore
import Foundation

/// API tokens, kept in the event log: `token.created.v1` and `token.revoked.v1` on the stream
/// `token-<name>` (so issuing and revoking are audited like everything else). The created
/// event carries the SHA-256 of the token's random part, never the token.
public struct TokenRegistry: Sendable {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case invalidName(String)
        case exists(String)
        case notFound(String)

        public var description: String {
            switch self {
            case .invalidName(let name): "invalid token name \"\(name.prefix(60))\": use 1-40 of a-z, 0-9 and -"
            case .exists(let name): "an active token named \(name) exists; revoke it first"
            case .notFound(let name): "no active token named \(name)"
            }
        }
    }

    public struct Record: Sendable, Hashable {
        public let name: String
        public let role: Role
        public let hash: String
        public let createdAt: Date
        public let createdBy: String
        public let revokedAt: Date?
    }

    struct Created: Codable {
        let name: String
        let role: Role
        let hash: String
        let by: String
    }

    struct Revoked: Codable {
        let name: String
        let by: String
    }

    /// Decodes a token event's payload into today's shape (for `urumi events check`); throws
    /// when it does not decode. Other types are not the registry's.
    public static func check(_ event: RecordedEvent) throws {
        let data = Data(event.data.utf8)
        switch event.type {
        case createdType: _ = try JSONDecoder().decode(Created.self, from: data)
        case revokedType: _ = try JSONDecoder().decode(Revoked.self, from: data)
        default: break
        }
    }

    public static let createdType = "token.created.v1"
    public static let revokedType = "token.revoked.v1"
    /// The wire names of token events.
    public static let eventTypes = [createdType, revokedType]
    /// Fields of these events that clients (API, SSE, CLI audit) are not shown: a token's
    /// hash is not a secret, but nobody outside has a use for it.
    public static let hiddenFields: [String: Set<String>] = [createdType: ["hash"]]

    let events: any EventStore

    public init(events: any EventStore) {
        self.events = events
    }

    static func stream(_ name: String) throws -> StreamID { try StreamID("token-\(name)") }

    /// Issues a token; returns it (shown once, never stored).
    public func create(name: String, role: Role, by actor: String) async throws -> String {
        guard AccessToken.isValidName(name) else { throw Failure.invalidName(name) }
        let (current, version) = try await load(name)
        if let current, current.revokedAt == nil { throw Failure.exists(name) }
        let (token, hash) = AccessToken.generate(name: name)
        let event = try NewEvent(
            type: Self.createdType, payload: Created(name: name, role: role, hash: hash, by: actor),
            metadata: EventMetadata(actor: actor))
        try await events.append(to: try Self.stream(name), expected: version == 0 ? .noStream : .exact(version), events: [event])
        return token
    }

    public func revoke(name: String, by actor: String) async throws {
        guard AccessToken.isValidName(name) else { throw Failure.invalidName(name) }
        let (current, version) = try await load(name)
        guard let current, current.revokedAt == nil else { throw Failure.notFound(name) }
        let event = try NewEvent(
            type: Self.revokedType, payload: Revoked(name: name, by: actor), metadata: EventMetadata(actor: actor))
        try await events.append(to: try Self.stream(name), expected: .exact(version), events: [event])
    }

    /// The identity of a valid, unrevoked token; nil for anything else.
    public func verify(_ token: String) async throws -> Identity? {
        guard let (name, secret) = AccessToken.parse(token) else { return nil }
        let (record, _) = try await load(name)
        guard let record, record.revokedAt == nil else { return nil }
        guard AccessToken.constantTimeEquals(record.hash, AccessToken.hash(secret)) else { return nil }
        return Identity(name: record.name, role: record.role)
    }

    /// Which issue of its name a well-formed token is: the hash its created event stores.
    public static func issue(of token: String) -> String? {
        AccessToken.parse(token).map { AccessToken.hash($0.secret) }
    }

    /// The identity of a token name if that name's active token is still the issue `issue`
    /// (sessions re-check it on every request: revoked, or revoked and issued anew, is nil).
    public func identity(named name: String, issue: String) async throws -> Identity? {
        guard AccessToken.isValidName(name), let record = try await load(name).0, record.revokedAt == nil,
            AccessToken.constantTimeEquals(record.hash, issue)
        else { return nil }
        return Identity(name: record.name, role: record.role)
    }

    /// The current record of a token name (the newest issue), and its stream version.
    func load(_ name: String) async throws -> (Record?, Int64) {
        var record: Record?
        var version: Int64 = 0
        for event in try await events.readStream(try Self.stream(name)) {
            version = event.version
            switch event.type {
            case Self.createdType:
                let created = try event.decode(Created.self)
                record = Record(
                    name: created.name, role: created.role, hash: created.hash, createdAt: event.recordedAt,
                    createdBy: created.by, revokedAt: nil)
            case Self.revokedType:
                if let current = record {
                    record = Record(
                        name: current.name, role: current.role, hash: current.hash, createdAt: current.createdAt,
                        createdBy: current.createdBy, revokedAt: event.recordedAt)
                }
            default:
                break
            }
        }
        return (record, version)
    }

    /// Every token name ever issued, with its current record (hash omitted from display by callers).
    public func list(audit: any EventAudit) async throws -> [Record] {
        var names = Set<String>()
        var filter = AuditFilter(types: [Self.createdType], limit: 1000)
        while true {
            let page = try await audit.audit(filter)
            for event in page { names.insert(String(event.streamID.rawValue.dropFirst("token-".count))) }
            guard let last = page.last, page.count == filter.limit else { break }
            filter.after = last.cursor
        }
        var records: [Record] = []
        for name in names.sorted() {
            if let record = try await load(name).0 { records.append(record) }
        }
        return records
    }
}
