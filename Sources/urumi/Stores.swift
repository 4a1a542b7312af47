import ArgumentParser
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning

/// `urumi stores`: day-two operations from the command line, appended to the log like the
/// API's (the running servers' saga coordinators carry them out).
struct Stores: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a store, and change, suspend, resume or re-domain it (each change is an operation in the log).",
        subcommands: [
            List.self, Show.self, Create.self, Delete.self, Retry.self, Forget.self, Update.self, Suspend.self, Resume.self,
            AddDomain.self, RemoveDomain.self, Backup.self, Backups.self, Restore.self, DeleteBackup.self,
        ])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stores from the store list (oldest first).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only stores of these statuses, comma-separated (e.g. ready,suspended).") var status: String?
        @Option(help: "Only stores whose name or domain contains this.") var search: String?
        @Option(help: "At most this many (1-500).") var limit: Int = 100
        @Flag(help: "Print the stores as JSON (as the API lists them).") var json = false

        func run() async throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1-500") }
            var statuses: [StoreStatus] = []
            for name in (status ?? "").split(separator: ",") {
                guard let parsed = StoreStatus(rawValue: String(name)) else {
                    throw ValidationError(
                        "--status: \(name) is not one of \(StoreStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                statuses.append(parsed)
            }
            try await withEvents(database) { _, pool in
                let page = try await PostgresStoreReadModel(pool: pool, progress: nil).page(
                    statuses: statuses, search: search, after: nil, limit: limit)
                if json {
                    Swift.print("[" + page.items.joined(separator: ",") + "]")
                    return
                }
                for item in page.items {
                    let view = try StoreProjection.decodeView(item)
                    Swift.print("\(view.id)\t\(view.status.rawValue)\t\(view.plan.rawValue)\t\(view.domain)\t\(view.name)")
                }
                if page.next != nil { FileHandle.standardError.write(Data("(more: raise --limit or narrow the filter)\n".utf8)) }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask for a new store (the running servers provision it); prints its id.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The shop's title.") var name: String
        @Option(help: "Its host name, e.g. shop.example.com.") var domain: String
        @Option(help: "The WordPress admin's e-mail.") var adminEmail: String
        @Option(help: "small, medium or large.") var plan: String = "small"
        @Option(help: "Who asks (recorded as the actor of the event).")
        var by: String = ProcessInfo.processInfo.environment["USER"].map { "cli:\($0)" } ?? "cli"
        @Option(help: "Repeat-safe: the same key and request give the same store.") var idempotencyKey: String?
        @Option(help: "A clone: the store whose backup the new one starts from (with --from-backup).") var fromStore: String?
        @Option(help: "A clone: the backup of --from-store it starts from.") var fromBackup: String?
        @Flag(help: "A clone keeps customers' names and e-mails (by default they are scrubbed).") var noScrub = false

        func run() async throws {
            var clone: CloneRequest?
            if fromStore != nil || fromBackup != nil {
                guard let fromStore, let store = StoreID(fromStore.lowercased()) else {
                    throw ValidationError("--from-store must be a store id (and --from-backup is given)")
                }
                guard let fromBackup, fromBackup.isBackupID else {
                    throw ValidationError("--from-backup must be a backup id such as bk-01jf0c8r5g3k2m7n9p4q6s8t0v")
                }
                clone = CloneRequest(store: store, backup: fromBackup, scrub: !noScrub)
            }
            try await withEvents(database) { events, pool in
                let outcome = try await StoreCommandHandler(events: events, vault: PostgresPersonalDataVault(pool: pool)).create(
                    name: name, domain: domain, adminEmail: adminEmail, plan: plan, metadata: EventMetadata(actor: by),
                    idempotencyKey: idempotencyKey, cloneOf: clone)
                Swift.print(outcome.id)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a store: a final backup first (when it has a shop), then the teardown.")
        @OptionGroup var common: Common
        @Flag(help: "Delete without the final backup.") var noFinalBackup = false
        @Option(help: "Keep the final backup this many days.") var finalBackupDays: Int = BackupSettings().finalRetentionDays

        func run() async throws {
            guard finalBackupDays >= 1 else { throw ValidationError("--final-backup-days must be 1 or more") }
            let keep = noFinalBackup ? nil : Date().addingTimeInterval(Double(finalBackupDays) * 86_400)
            try await common.operate("backup, then delete") { try await $0.delete($1, finalBackupUntil: keep, metadata: $2) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a failed store again.")
        @OptionGroup var common: Common
        func run() async throws { try await common.command { try await $0.retry($1, metadata: $2) } }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a store's personal data (its admin e-mail): destroys its key; the events stay, the field reads [erased].",
            discussion: "A store whose stream was archived is forgotten too: its key goes, and the forget is recorded in the live log.")
        @OptionGroup var common: Common

        func run() async throws {
            let id = try common.storeID()
            try await withEvents(common.database) { events, pool in
                let handler = StoreCommandHandler(events: events, vault: PostgresPersonalDataVault(pool: pool))
                let metadata = EventMetadata(actor: common.by)
                do {
                    try print(try await handler.forget(id, metadata: metadata).state, json: common.json)
                } catch ProvisioningError.storeNotFound {
                    try printArchived(try await handler.forgetArchived(id, metadata: metadata))
                }
            }
        }

        private func printArchived(_ done: StoreCommandHandler.ArchivedForget) throws {
            guard common.json else {
                let recorded = "its key is destroyed, the forget recorded at \(done.cursor?.description ?? "-")"
                return Swift.print("store \(done.id) (archived) " + (done.replayed ? "was already forgotten" : "forgotten: \(recorded)"))
            }
            let fields: [String: JSONValue] = [
                "id": .string(done.id.description), "archived": .bool(true), "replayed": .bool(done.replayed),
                "position": done.cursor.map { .string($0.description) } ?? .null,
            ]
            Swift.print(try StoreProjection.encodeJSON(fields))
        }
    }

    struct Common: ParsableArguments {
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The store's id.")
        var id: String
        @Option(help: "Who asks (recorded as the actor of the event).")
        var by: String = ProcessInfo.processInfo.environment["USER"].map { "cli:\($0)" } ?? "cli"
        @Option(help: "Repeat-safe: the same key and change answer with the same operation.")
        var idempotencyKey: String?
        @Flag(help: "Wait until the operation ends and exit non-zero unless it succeeded.")
        var wait = false
        @Flag(help: "Print the store as JSON.")
        var json = false

        func storeID() throws -> StoreID {
            guard let id = StoreID(id.lowercased()) else { throw ValidationError("\(id) is not a store id") }
            return id
        }

        /// Runs a store command and prints the store after it.
        func command(
            _ body: (StoreCommandHandler, StoreID, EventMetadata) async throws -> StoreCommandHandler.Outcome
        ) async throws {
            let id = try storeID()
            try await withEvents(database) { events, pool in
                let handler = StoreCommandHandler(events: events, vault: PostgresPersonalDataVault(pool: pool))
                let outcome = try await body(handler, id, EventMetadata(actor: by))
                try print(outcome.state, json: json)
            }
        }

        /// Starts the operation, prints what it did, and (with --wait) follows it to its end.
        func run(_ kind: OperationKind, _ change: StoreChange?, deletionProtection: Bool? = nil) async throws {
            try await operate(kind.rawValue) { handler, id, metadata in
                try await handler.change(
                    id, kind: kind, change: change, deletionProtection: deletionProtection, metadata: metadata,
                    idempotencyKey: idempotencyKey)
            }
        }

        /// Starts an operation with `start`, prints what it did, and (with --wait) follows it.
        func operate(
            _ label: String, _ start: (StoreCommandHandler, StoreID, EventMetadata) async throws -> StoreCommandHandler.Outcome
        ) async throws {
            let id = try storeID()
            let kind = label
            try await withEvents(database) { events, pool in
                let vault = PostgresPersonalDataVault(pool: pool)
                let outcome = try await start(StoreCommandHandler(events: events, vault: vault), id, EventMetadata(actor: by))
                guard let operationID = outcome.operation else {
                    let what = outcome.cursor == nil ? "nothing to change: the store already runs that" : "done"
                    FileHandle.standardError.write(Data("\(what)\n".utf8))
                    try print(outcome.state, json: json)
                    return
                }
                let how = outcome.replayed ? "was already requested with this key" : "requested"
                FileHandle.standardError.write(Data("operation \(operationID) (\(kind)) \(how)\n".utf8))
                var state = outcome.state
                if wait { state = try await follow(id, operation: operationID, events: events, vault: vault) }
                try print(state, json: json)
                if wait, state.operations.last(where: { $0.id == operationID })?.outcome != .succeeded {
                    throw ExitCode.failure
                }
            }
        }

        /// Reads the store's stream until `operation` is in its history (checking twice a second).
        private func follow(_ id: StoreID, operation: String, events: any EventStore, vault: any PersonalDataVault)
            async throws -> StoreState
        {
            var reported: Set<String> = []
            while true {
                guard let state = try await StoreProjection.load(id, from: events, vault: vault) else {
                    throw ProvisioningError.storeNotFound(id)
                }
                if let running = state.operation, running.id == operation {
                    for step in running.phaseSteps where running[step].status == .succeeded && !reported.contains(step.rawValue) {
                        reported.insert(step.rawValue)
                        FileHandle.standardError.write(Data("  \(step.rawValue) done\n".utf8))
                    }
                }
                if let record = state.operations.last(where: { $0.id == operation }) {
                    let reason = record.reason.map { ": \($0)" } ?? ""
                    FileHandle.standardError.write(Data("operation \(operation) \(record.outcome.rawValue)\(reason)\n".utf8))
                    return state
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a store as its stream tells it (status, config, operations), now or as it was at a time or version.")
        @OptionGroup var common: Common
        @Option(help: "As it was at this time (ISO 8601, e.g. 2026-12-06T10:00:00Z).") var at: String?
        @Option(help: "As it was at this version of its stream.") var version: Int64?

        func run() async throws {
            let id = try common.storeID()
            if at != nil && version != nil { throw ValidationError("--at and --version exclude each other") }
            let instant = try at.map { text in
                guard let date = StoreEvent.parseDate(text) else {
                    throw ValidationError("--at must be an ISO 8601 time such as 2026-12-06T10:00:00Z, got \(text)")
                }
                return date
            }
            try await withEvents(common.database) { events, pool in
                var stream = try await events.readStream(id.streamID)
                guard !stream.isEmpty else { throw ProvisioningError.storeNotFound(id) }
                stream = StoreProjection.history(stream, at: instant, version: version)
                let keys = try await PostgresPersonalDataVault(pool: pool).keyRing(for: stream)
                guard let state = try StoreProjection.fold(stream, keys: keys) else {
                    throw ValidationError("store \(id) did not exist yet then")
                }
                try print(state, json: common.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a store's name, plan, WordPress/WooCommerce versions or plugins (the API's PATCH).")
        @OptionGroup var common: Common
        @OptionGroup var change: ChangeOptions
        @Option(help: ArgumentHelp("Deletion protection: on refuses DELETE until turned off.", valueName: "on|off"))
        var deletionProtection: String?

        func run() async throws {
            let parsed: [(slug: String?, version: String?)]? = change.pluginList?.map { ($0.slug, $0.version) }
            var protection: Bool?
            switch deletionProtection {
            case nil: protection = nil
            case "on": protection = true
            case "off": protection = false
            case let other?: throw ValidationError("--deletion-protection takes on or off, got \(other)")
            }
            let input = StoreChangeInput(
                name: change.name, plan: change.plan, wordpressVersion: change.wordpressVersion,
                woocommerceVersion: change.woocommerceVersion, plugins: parsed)
            let validated: StoreChange?
            do {
                validated = protection != nil && input.isEmpty ? nil : try StoreChange.validate(input)
            } catch {
                throw ValidationError("\(error)")
            }
            try await common.run(.update, validated, deletionProtection: protection)
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scale a store to zero (volumes kept; a maintenance page answers).")
        @OptionGroup var common: Common
        func run() async throws { try await common.run(.suspend, StoreChange(suspended: true)) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring a suspended store back.")
        @OptionGroup var common: Common
        func run() async throws { try await common.run(.resume, StoreChange(suspended: false)) }
    }

    struct AddDomain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a host name to a store (claimed in the log; TLS by cert-manager).")
        @OptionGroup var common: Common
        @Argument(help: "The host name, e.g. www.example.com.") var domain: String
        func run() async throws {
            let valid: String
            do { valid = try StoreChange.validateDomain(domain) } catch { throw ValidationError("\(error)") }
            try await common.run(.addDomain, StoreChange(addDomain: valid))
        }
    }

    struct RemoveDomain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one of a store's extra host names (its claim is released).")
        @OptionGroup var common: Common
        @Argument(help: "The host name.") var domain: String
        func run() async throws {
            let valid: String
            do { valid = try StoreChange.validateDomain(domain) } catch { throw ValidationError("\(error)") }
            try await common.run(.removeDomain, StoreChange(removeDomain: valid))
        }
    }
}

/// One store: a few lines, or `StoreView` as JSON (what the API shows).
func print(_ state: StoreState, json: Bool) throws {
    let view = StoreView(state)
    if json {
        Swift.print(try StoreProjection.encodeJSON(view))
        return
    }
    let config = view.applied ?? view.desired
    var lines = [
        "\(view.id)\t\(view.name)\t\(view.status.rawValue)\(view.needsAttention ? " (needs attention)" : "")\(view.deletionProtection ? " (deletion protection on)" : "")",
        "  domain \(view.domain)\(config.extraDomains.isEmpty ? "" : " + " + config.extraDomains.joined(separator: ", "))",
        "  plan \(config.plan.rawValue), WordPress \(config.wordpressVersion ?? "chart default"), WooCommerce \(config.woocommerceVersion ?? "chart default"), helm revision \(view.helmRevision.map(String.init) ?? "-")",
        "  plugins \(config.plugins.isEmpty ? "none" : config.plugins.map(\.description).joined(separator: ", "))",
    ]
    if let operation = view.operation {
        lines.append("  operation \(operation.id) \(operation.kind.rawValue) \(operation.phase), at \(operation.currentStep?.rawValue ?? "-")")
    }
    for record in view.operations.suffix(5) {
        lines.append(
            "  \(StoreEvent.formatDate(record.finishedAt)) \(record.kind.rawValue) \(record.outcome.rawValue)\(record.reason.map { ": \($0)" } ?? "")")
    }
    Swift.print(lines.joined(separator: "\n"))
}

/// The event log of `database` (migrated by `urumi serve` or `urumi migrate`), for one command.
func withEvents<T>(_ database: DatabaseOptions, _ body: (PostgresEventStore, PostgresPool) async throws -> T)
    async throws -> T
{
    let logger = Logger(label: "urumi.stores")
    let pool = try database.makePool(logger: logger)
    return try await failing {
        do {
            // No migration here: the servers migrate; a CLI newer than the fleet must not.
            let value = try await body(PostgresEventStore(pool: pool, logger: logger), pool)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }
}
