import ArgumentParser
import Foundation
import Logging
import Postgres

/// `--database-url` (or `DATABASE_URL`), shared by every command that needs the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp("PostgreSQL URL, e.g. postgres://user@host:5432/urumi (default: $DATABASE_URL).", valueName: "url"))
    var databaseURL: String?

    @Option(help: "Largest number of pooled database connections.")
    var dbPoolSize: Int = 10

    func resolvedURL() throws -> String {
        if let databaseURL, !databaseURL.isEmpty { return databaseURL }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        throw ValidationError("no database: pass --database-url or set DATABASE_URL")
    }

    func makePool(logger: Logger) throws -> PostgresPool {
        guard dbPoolSize > 0 else { throw ValidationError("--db-pool-size must be at least 1") }
        return PostgresPool(url: try resolvedURL(), maxConnections: dbPoolSize, logger: logger)
    }
}

/// Turns any error into a one-line reason on standard error and a non-zero exit.
func failing<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("urumi: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
