import ArgumentParser
import Auth
import Foundation
import Provisioning
import Logging
import PostgresEvents
import PostgresReadModels

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "API tokens (each issue and revocation is an event in the log).",
        subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token; it is printed once, on the last line, and stored only as a hash.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The token's name (1-40 of a-z, 0-9, -); events record it as their actor.")
        var name: String
        @Option(help: "admin or viewer.")
        var role: String
        @Option(help: "Who issues it (recorded as the actor of the event).")
        var by: String = ProcessInfo.processInfo.environment["USER"].map { "cli:\($0)" } ?? "cli"

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be admin or viewer") }
            let token = try await withRegistry(database) { try await $0.create(name: name, role: role, by: by) }
            FileHandle.standardError.write(Data("Token \(name) (\(role.rawValue)) issued. It is shown only now:\n".utf8))
            print(token)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once (its sessions end too).")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's name.")
        var name: String
        @Option(help: "Who revokes it (recorded as the actor of the event).")
        var by: String = ProcessInfo.processInfo.environment["USER"].map { "cli:\($0)" } ?? "cli"

        func run() async throws {
            try await withRegistry(database) { try await $0.revoke(name: name, by: by) }
            print("revoked \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (names, roles, dates; never the tokens).")

        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let pool = try database.makePool(logger: Logger(label: "urumi.tokens"))
            let records = try await failing {
                let events = PostgresEventStore(pool: pool, logger: Logger(label: "urumi.tokens"))
                let records = try await TokenRegistry(events: events).list(audit: events)
                await pool.close()
                return records
            }
            if json {
                print(try StoreProjection.encodeJSON(records.map(Item.init)))
            } else {
                // Name, role, state, when and by whom it was issued, when it was revoked.
                for record in records {
                    let state = record.revokedAt == nil ? "active" : "revoked"
                    let revoked = record.revokedAt.map { "\trevoked \(StoreEvent.formatDate($0))" } ?? ""
                    print(
                        "\(record.name)\t\(record.role.rawValue)\t\(state)\tcreated \(StoreEvent.formatDate(record.createdAt))"
                            + " by \(record.createdBy)\(revoked)")
                }
            }
        }

        /// A token as `--json` lists it (never its hash).
        struct Item: Encodable {
            let name: String
            let role: String
            let createdBy: String
            let createdAt: Date
            let revoked: Bool
            let revokedAt: Date?

            init(_ record: TokenRegistry.Record) {
                name = record.name
                role = record.role.rawValue
                createdBy = record.createdBy
                createdAt = record.createdAt
                revoked = record.revokedAt != nil
                revokedAt = record.revokedAt
            }
        }
    }
}

private func withRegistry<T>(_ database: DatabaseOptions, _ body: (TokenRegistry) async throws -> T) async throws -> T {
    let logger = Logger(label: "urumi.tokens")
    let pool = try database.makePool(logger: logger)
    return try await failing {
        do {
            try await Migrator(directory: try Migrator.locateSchemaDirectory(), logger: logger).migrate(pool: pool)
            let value = try await body(TokenRegistry(events: PostgresEventStore(pool: pool, logger: logger)))
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }
}
