import EventStore
import Foundation
import Logging
import Postgres

/// Applies the numbered SQL files of `schema/` in order, each once, each in its own
/// transaction, and records them (with a checksum) in `schema_migrations`.
///
/// Several processes may start at once: a session advisory lock lets one migrate while the
/// others wait and then find nothing left to do. An applied file whose text changed is an
/// error (fix forward with a new file).
public struct Migrator: Sendable {
    public struct Migration: Sendable, Hashable {
        public let version: Int
        public let name: String
        public let sql: String
        public var checksum: String { Fingerprint.of(sql) }
    }

    public enum Failure: Error, CustomStringConvertible {
        case schemaDirectoryNotFound(searched: [String])
        case badFileName(String)
        case duplicateVersion(Int)
        case changedAfterApply(String)
        case failed(file: String, reason: String)

        public var description: String {
            switch self {
            case .schemaDirectoryNotFound(let searched):
                "no schema directory with migrations found (looked in: \(searched.joined(separator: ", "))); "
                    + "set URUMI_SCHEMA_DIR or --schema-dir"
            case .badFileName(let name): "migration file \(name) must be named NNNN_name.sql"
            case .duplicateVersion(let version): "two migration files have number \(version)"
            case .changedAfterApply(let name): "migration \(name) was changed after it was applied; add a new file instead"
            case .failed(let file, let reason): "migration \(file) failed: \(reason)"
            }
        }
    }

    /// An arbitrary constant: the advisory lock key that serialises migrations.
    static let lockKey: Int64 = 0x7572_756D_6931

    public let migrations: [Migration]
    let logger: Logger

    public init(directory: URL, logger: Logger) throws {
        try self.init(directories: [directory], logger: logger)
    }

    /// Migrations from several directories (the production `schema/`, and the simulator's
    /// `schema/simulator/` when Urumi runs simulated); their numbers must not overlap.
    public init(directories: [URL], logger: Logger) throws {
        var all: [Migration] = []
        for directory in directories { all += try Self.load(directory) }
        all.sort { $0.version < $1.version }
        for (previous, next) in zip(all, all.dropFirst()) where previous.version == next.version {
            throw Failure.duplicateVersion(next.version)
        }
        self.migrations = all
        self.logger = logger
    }

    /// The simulated cluster's migrations, beside the production ones.
    public static func simulatorDirectory(in schema: URL) -> URL {
        schema.appendingPathComponent("simulator")
    }

    /// Finds `schema/`: an explicit path, `URUMI_SCHEMA_DIR`, `../share/urumi/schema` or
    /// `schema` beside the executable (installed, container), then the source checkout the
    /// executable was built in (`.build/...` → the repository), then the working directory.
    public static func locateSchemaDirectory(explicit: String? = nil) throws -> URL {
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        if let env = ProcessInfo.processInfo.environment["URUMI_SCHEMA_DIR"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        candidates.append(directory.appendingPathComponent("../share/urumi/schema").standardized)
        candidates.append(directory.appendingPathComponent("schema"))
        for _ in 0..<6 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("schema"))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("schema"))
        for candidate in candidates {
            let marker = candidate.appendingPathComponent("0001_event_log.sql")
            if FileManager.default.fileExists(atPath: marker.path) { return candidate }
            if explicit != nil, candidate.path == URL(fileURLWithPath: explicit!).path {
                break  // an explicit directory that is wrong must not fall back silently
            }
        }
        throw Failure.schemaDirectoryNotFound(searched: candidates.map(\.path))
    }

    static func load(_ directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for name in names {
            let digits = name.prefix(while: \.isNumber)
            guard digits.count == 4, let version = Int(digits), name.dropFirst(4).hasPrefix("_") else {
                throw Failure.badFileName(name)
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw Failure.duplicateVersion(next.version)
        }
        return migrations
    }

    /// Applies what is missing; returns the names applied (empty when up to date).
    @discardableResult
    public func migrate(pool: PostgresPool) async throws -> [String] {
        try await pool.withConnection { connection in
            try await connection.query("select pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(on: connection)
                try await connection.query("select pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                _ = try? await connection.query("select pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            """
            create table if not exists schema_migrations (
                version    int primary key,
                name       text not null,
                checksum   text not null,
                applied_at timestamptz not null default now()
            )
            """)
        var done: [Int: String] = [:]
        for row in try await connection.query("select version, name, checksum from schema_migrations") {
            done[try row.decode(Int.self, "version")] = try row.decode(String.self, "checksum")
        }
        var applied: [String] = []
        for migration in migrations {
            if let checksum = done[migration.version] {
                guard checksum == migration.checksum else { throw Failure.changedAfterApply(migration.name) }
                continue
            }
            do {
                try await connection.withTransaction { connection in
                    try await connection.execute(unsafeScript: migration.sql)
                    try await connection.query(
                        """
                        insert into schema_migrations (version, name, checksum)
                        values (\(migration.version), \(migration.name), \(migration.checksum))
                        """)
                }
            } catch let error as PostgresError {
                throw Failure.failed(file: migration.name, reason: error.message)
            }
            logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            applied.append(migration.name)
        }
        return applied
    }
}
