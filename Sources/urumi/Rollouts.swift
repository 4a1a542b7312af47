import ArgumentParser
import EventStore
import Foundation

/// `urumi rollouts`: a client of a running server's `/rollouts` API. Unlike `urumi stores`,
/// which appends to the log, it goes through the API: a rollout is validated, planned
/// (`--dry-run`) and authorised where the dashboard's are, and the server drives it.
struct Rollouts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Roll one change (or a deletion) out to many stores in waves, through a running server's API.",
        subcommands: [Create.self, List.self, Show.self, Pause.self, Resume.self, Abort.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a rollout (POST /rollouts), or with --dry-run print what it would change; prints its id.")
        @OptionGroup var api: APIOptions
        @Option(help: "update (apply the change) or delete (the stores named by --store).") var action = "update"
        @OptionGroup(title: "The change (an update)") var change: ChangeOptions
        @Option(help: "Only stores on this plan.") var selectPlan: String?
        @Option(help: "Only stores with this status.") var selectStatus: String?
        @Option(name: .customLong("store"), help: "Only this store (repeatable; a deletion must name its stores).")
        var stores: [String] = []
        @Option(help: "The waves, comma-separated counts or percentages (e.g. 1,10%,100%).") var waves: String?
        @Option(help: "How many stores may fail before the rollout halts.") var maxFailures: Int?
        @Option(help: "The pause between waves, e.g. 30s or 10m.") var pauseBetween: String?
        @Flag(help: "Print what would change, and start nothing.") var dryRun = false
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let body = try requestBody()
            try await answering {
                let client = try api.client()
                let answer = try await client.send(.POST, "/rollouts" + (dryRun ? "?dry_run=true" : ""), body: body)
                if json {
                    printJSON(answer)
                } else if dryRun {
                    printDryRun(answer)
                } else {
                    FileHandle.standardError.write(Data("rollout \(summary(answer))\n".utf8))
                    print(answer["id"]?.string ?? "")
                }
            }
        }

        /// The request body; the API validates it (its field errors are printed as they come).
        func requestBody() throws -> JSONValue {
            var body: [String: JSONValue] = ["action": .string(action)]
            if action == "update" {
                guard !change.isEmpty else {
                    throw ValidationError(
                        "an update names what to change: --plan, --name, --wordpress-version, --woocommerce-version, --plugin or --no-plugins")
                }
                body["change"] = .object(change.json)
            } else if !change.isEmpty {
                throw ValidationError("--action delete takes no change (--plan, --wordpress-version, ...)")
            }
            var selector: [String: JSONValue] = [:]
            if let selectPlan { selector["plan"] = .string(selectPlan) }
            if let selectStatus { selector["status"] = .string(selectStatus) }
            if !stores.isEmpty { selector["ids"] = .array(stores.map { .string($0) }) }
            if !selector.isEmpty { body["selector"] = .object(selector) }
            if let waves {
                body["waves"] = .array(
                    waves.split(separator: ",").map { step in
                        let text = step.trimmingCharacters(in: .whitespaces)
                        return Int(text).map { .number(Double($0)) } ?? .string(text)
                    })
            }
            if let maxFailures { body["maxFailures"] = .number(Double(maxFailures)) }
            if let pauseBetween { body["pauseBetween"] = .string(pauseBetween) }
            return .object(body)
        }

        private func printDryRun(_ answer: JSONValue) {
            let sizes = answer["waves"]?.array?.compactMap(\.int) ?? []
            let stores = answer["stores"]?.array ?? []
            print("dry run: \(answer["action"]?.string ?? action) of \(stores.count) store(s) in waves of \(sizes.map(String.init).joined(separator: ", "))")
            for store in stores {
                let changes = (store["changes"]?.object ?? [:]).sorted { $0.key < $1.key }.map { field, value in
                    "\(field) \(value.array?.compactMap(\.string).joined(separator: " → ") ?? "")"
                }
                let what = store["refused"]?.string.map { "refused: \($0)" } ?? (changes.isEmpty ? "no change" : changes.joined(separator: ", "))
                print("wave \(store["wave"]?.int ?? 0)\t\(store["store"]?.string ?? "")\t\(store["name"]?.string ?? "")\t\(what)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List rollouts, newest first (GET /rollouts).")
        @OptionGroup var api: APIOptions
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await reading("/rollouts", from: api, json: json) { answer in
                for rollout in answer["items"]?.array ?? [] { print(line(rollout)) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a rollout: its waves and its stores (GET /rollouts/{id}).")
        @OptionGroup var target: Target
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await reading("/rollouts/\(try target.path())", from: target.api, json: json) { rollout in
                print(line(rollout))
                for wave in rollout["waves"]?.array ?? [] {
                    print(
                        "wave \(wave["index"]?.int ?? 0)\t\(wave["status"]?.string ?? "")\t\(wave["size"]?.int ?? 0) store(s)\t"
                            + "\(wave["succeeded"]?.int ?? 0) succeeded\t\(wave["failed"]?.int ?? 0) failed")
                }
                for store in rollout["stores"]?.array ?? [] {
                    let reason = store["reason"]?.string.map { "\t\($0)" } ?? ""
                    print("store \(store["store"]?.string ?? "")\twave \(store["wave"]?.int ?? 0)\t\(store["phase"]?.string ?? "")\(reason)")
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start no new wave until resumed (the wave in flight finishes).")
        @OptionGroup var target: Target
        func run() async throws { try await target.control("pause") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a paused rollout start its next wave.")
        @OptionGroup var target: Target
        func run() async throws { try await target.control("resume") }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a rollout after the wave in flight (what changed stays).")
        @OptionGroup var target: Target
        func run() async throws { try await target.control("abort") }
    }

    /// The API and the rollout a subcommand acts on.
    struct Target: ParsableArguments {
        @OptionGroup var api: APIOptions
        @Argument(help: "The rollout's id.") var id: String

        func path() throws -> String {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("\(id) is not a rollout id (a UUID)") }
            return uuid.uuidString.lowercased()
        }

        func control(_ action: String) async throws {
            let id = try path()
            try await answering {
                let rollout = try await api.client().send(.POST, "/rollouts/\(id)/\(action)")
                print(line(rollout))
            }
        }
    }
}

/// GETs `path` and prints the answer: its JSON with `json`, else as `lines` prints it.
private func reading(_ path: String, from api: APIOptions, json: Bool, _ lines: (JSONValue) -> Void) async throws {
    try await answering {
        let answer = try await api.client().send(.GET, path)
        if json { printJSON(answer) } else { lines(answer) }
    }
}

/// The API's JSON as it came (sorted keys).
private func printJSON(_ value: JSONValue) {
    print(String(decoding: value.encoded(), as: UTF8.self))
}

/// One line for a rollout: id, status, action, waves done, failures, who and when.
private func line(_ rollout: JSONValue) -> String {
    let waves = rollout["waves"]?.array ?? []
    let done = waves.filter { ["passed", "failed", "rolled-back"].contains($0["status"]?.string ?? "") }.count
    var status = rollout["status"]?.string ?? "?"
    if rollout["paused"]?.bool == true && status != "paused" { status += " (paused)" }
    if rollout["abortRequested"]?.bool == true && status == "running" { status += " (abort requested)" }
    return [
        rollout["id"]?.string ?? "?", status, rollout["action"]?.string ?? "?",
        "waves \(done)/\(waves.count)", "failures \(rollout["failures"]?.int ?? 0)/\(rollout["maxFailures"]?.int ?? 0)",
        "by \(rollout["requestedBy"]?.string ?? "?")", rollout["createdAt"]?.string ?? "",
    ].joined(separator: "\t")
}

/// `id status action`, for the line a new rollout writes on standard error.
private func summary(_ rollout: JSONValue) -> String {
    "\(rollout["id"]?.string ?? "?") \(rollout["status"]?.string ?? "?"): \(rollout["action"]?.string ?? "?") of \(rollout["stores"]?.array?.count ?? 0) store(s)"
}

/// Runs an API call; what the API refused (or an unreachable API) is one readable reason on
/// standard error and exit status 1.
private func answering(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as APIClientError {
        FileHandle.standardError.write(Data("urumi: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
