import ArgumentParser
import Foundation

/// `--database-url`, shared by every benchmark: the PostgreSQL server a benchmark makes its
/// own database on (`BenchDatabase`).
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL server URL (default: $DATABASE_URL).")
    var databaseURL: String?

    /// The server's URL, from the option or `$DATABASE_URL`.
    func serverURL() throws -> String {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("no database: pass --database-url or set DATABASE_URL")
        }
        return url
    }
}
