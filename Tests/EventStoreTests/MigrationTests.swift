import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels
import Testing

/// The migration runner, the same files through psql, and `urumi migrate`.
@Suite("Migrations", .timeLimit(.minutes(2)))
struct MigrationTests {
    /// Every file of schema/, in the order they must apply.
    static let schemaFiles: [String] = {
        let directory = try! Migrator.locateSchemaDirectory()
        return try! FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
            .sorted()
    }()

    static func migrator(_ directory: URL? = nil) throws -> Migrator {
        try Migrator(directory: directory ?? Migrator.locateSchemaDirectory(), logger: TestDatabase.logger)
    }

    static func recorded(_ pool: PostgresPool) async throws -> [String] {
        try await pool.query("select name from schema_migrations order by version").map {
            try $0.decode(String.self, "name")
        }
    }

    @Test func appliesEveryFileInOrderOnceAndThenNothing() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let migrator = try Self.migrator()
            #expect(Self.schemaFiles.starts(with: ["0001_event_log.sql", "0002_append_function.sql"]))
            #expect(migrator.migrations.map(\.name) == Self.schemaFiles)
            #expect(try await migrator.migrate(pool: database.pool) == Self.schemaFiles)
            let rows = try await database.pool.query(
                "select version, name, checksum from schema_migrations order by version")
            #expect(try rows.map { try $0.decode(Int.self, "version") } == Self.schemaFiles.map { Int($0.prefix(4))! })
            #expect(try rows.map { try $0.decode(String.self, "checksum") } == migrator.migrations.map(\.checksum))
            #expect(try await migrator.migrate(pool: database.pool) == [])
            #expect(try await Self.recorded(database.pool) == Self.schemaFiles)
        }
    }

    @Test func fourConcurrentMigratorsApplyEachFileOnce() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let pools = (0..<4).map { _ in database.makePool(maxConnections: 1) }
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for pool in pools {
                    group.addTask { try await Self.migrator().migrate(pool: pool) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 4)
            #expect(results.flatMap { $0 }.sorted() == Self.schemaFiles, "each file applied by exactly one of them")
            #expect(results.filter(\.isEmpty).count == 3)
            #expect(try await Self.recorded(database.pool) == Self.schemaFiles)
            for pool in pools { await pool.close() }
        }
    }

    @Test func refusesAnAppliedFileWhoseTextChanged() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-schema-\(UUID())")
            try FileManager.default.copyItem(at: try Migrator.locateSchemaDirectory(), to: copy)
            defer { try? FileManager.default.removeItem(at: copy) }
            try await Self.migrator(copy).migrate(pool: database.pool)

            let edited = copy.appendingPathComponent("0001_event_log.sql")
            try (try String(contentsOf: edited, encoding: .utf8) + "\n-- an innocent comment\n")
                .write(to: edited, atomically: true, encoding: .utf8)
            let error = await #expect(throws: Migrator.Failure.self) {
                try await Self.migrator(copy).migrate(pool: database.pool)
            }
            guard case .changedAfterApply(let name)? = error else {
                Issue.record("expected changedAfterApply, got \(String(describing: error))")
                return
            }
            #expect(name == "0001_event_log.sql")
            #expect(try await Self.recorded(database.pool) == Self.schemaFiles)

            // A new file is the way forward, and only it is applied.
            try "create table later (id int);\n".write(
                to: copy.appendingPathComponent("9999_later.sql"), atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(at: edited)
            try FileManager.default.copyItem(
                at: try Migrator.locateSchemaDirectory().appendingPathComponent("0001_event_log.sql"), to: edited)
            #expect(try await Self.migrator(copy).migrate(pool: database.pool) == ["9999_later.sql"])
        }
    }

    @Test func theSameFilesWorkWithPsql() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let schema = try Migrator.locateSchemaDirectory()
            let files = Self.schemaFiles.flatMap { ["-f", schema.appendingPathComponent($0).path] }
            let applied = try await runProcess(
                "/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database.url] + files)
            #expect(applied.status == 0, "\(applied.stderr)")

            // urumi_append through psql itself...
            let id = UUID().uuidString.lowercased()
            let call = """
                select replayed, stream_version, first_position from urumi_append('psql-stream', 0, \
                '[{"id":"\(id)","type":"test.psql.v1","data":{"via":"psql"},"metadata":{"actor":"psql"}}]', \
                null, null, '{}', '{}')
                """
            let appended = try await runProcess(
                "/usr/bin/psql", ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", database.url, "-c", call])
            #expect(appended.status == 0, "\(appended.stderr)")
            #expect(appended.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "f|1|1")

            // ...and through the store, which reads what psql wrote.
            let store = database.makeStore()
            let psqlStream = try StreamID("psql-stream")
            try await store.append(to: psqlStream, expected: .exact(1), events: [event()])
            let read = try await store.readStream(psqlStream)
            #expect(read.map(\.version) == [1, 2])
            #expect(read.first?.id.uuidString.lowercased() == id)
            #expect(try await readAllSettled(store, count: 2).count == 2)
        }
    }
}

/// `urumi migrate` as an operator runs it.
@Suite("urumi migrate", .timeLimit(.minutes(1)))
struct MigrateCommandTests {
    /// The `urumi` executable built beside this test bundle.
    static func binary() throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the tests run from .build/<triple>/debug/urumiPackageTests.xctest; elsewhere
        // the bundle is a directory a few levels below the products.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("urumi")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        throw TestSetupError.failed(
            "no urumi executable near \(testBinary.path): run `swift build --build-tests` first")
    }

    @Test func migratesAFreshDatabaseThenSaysItIsUpToDate() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let urumi = try Self.binary()
            let first = try await runProcess(urumi, ["migrate", "--database-url", database.url])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout == MigrationTests.schemaFiles.map { "applied \($0)\n" }.joined())
            let second = try await runProcess(urumi, ["migrate", "--database-url", database.url])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout == "database is up to date\n")
            let json = try await runProcess(urumi, ["migrate", "--json"], environment: ["DATABASE_URL": database.url])
            #expect(json.stdout == #"{"applied":[]}"# + "\n")
        }
    }

    @Test(arguments: [
        "postgres://urumi:Pa55-w0rd-XYZZY@127.0.0.1:1/urumi",  // nothing listens on port 1
        "postgres://urumi:Pa55-w0rd-XYZZY@127.0.0.1:notaport/urumi",
        "postgres://urumi:Pa55-w0rd-XYZZY@%2Ftmp%2Furumi-no-such-socket-dir/urumi",
    ])
    func aBadURLFailsWithOneLineThatHidesThePassword(url: String) async throws {
        let output = try await runProcess(try Self.binary(), ["migrate", "--database-url", url])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        let lines = output.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(output.stderr)")
        #expect(output.stderr.hasPrefix("urumi: "))
        #expect(!output.stderr.contains("Pa55-w0rd-XYZZY"), "\(output.stderr)")
    }
}
