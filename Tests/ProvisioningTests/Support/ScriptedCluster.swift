@testable import Provisioning

/// What one cluster call does in a test: how it ends, how long it takes on the injected
/// clock, and optionally a command another user sends while it runs.
struct Script: Sendable {
    enum Ending: Sendable {
        case succeed(details: [String: String])
        case fail(ClusterError)
        /// Never answers: the runtime gives up when the attempt's deadline passes (`takes` is ignored).
        case hang
        /// The process dies during the call: nothing after `StepStarted` is recorded.
        case crash
    }

    var ending: Ending
    /// nil: the cluster's usual time for that step.
    var takes: Duration?
    var meanwhile: StoreCommand?

    static let hang = Script(ending: .hang)
    static let crash = Script(ending: .crash)

    static func succeed(takes: Duration? = nil, details: [String: String] = [:]) -> Script {
        Script(ending: .succeed(details: details), takes: takes)
    }

    static func transient(_ message: String = "503 Service Unavailable", takes: Duration = .seconds(1)) -> Script {
        Script(ending: .fail(.transient(message)), takes: takes)
    }

    /// The cluster's API server cannot be reached (connection refused): the saga waits for it.
    static func unreachable(
        _ message: String = "cannot reach the Kubernetes API: connection refused", takes: Duration = .seconds(1)
    ) -> Script {
        Script(ending: .fail(.unreachable(message)), takes: takes)
    }

    /// `count` calls that cannot reach the cluster.
    static func unreachable(times count: Int) -> [Script] { Array(repeating: .unreachable(), count: count) }

    static func permanent(_ message: String = "chart error", takes: Duration = .seconds(1)) -> Script {
        Script(ending: .fail(.permanent(message)), takes: takes)
    }

    /// The same call, during which `command` arrives (halfway through it).
    func meanwhile(_ command: StoreCommand) -> Script {
        var script = self
        script.meanwhile = command
        return script
    }
}

/// A cluster whose answers are scripted per step and per undo; unscripted calls succeed in
/// the step's usual time. It records every call it gets, in order.
struct ScriptedCluster {
    /// How long each step takes when it just works (96 s in all).
    static let usualRunTime: [SagaStep: Duration] = [
        .namespace: .seconds(1), .helm: .seconds(5), .mysql: .seconds(30), .wordpress: .seconds(20),
        .woocommerce: .seconds(40),
    ]
    static let usualUndoTime: Duration = .seconds(3)
    /// How long each operation step takes when it just works.
    static let usualChangeTime: [OperationStep: Duration] = [
        .apply: .seconds(4), .workloads: .seconds(20), .setup: .seconds(30), .certificate: .seconds(10),
        .rollback: .seconds(4), .recover: .seconds(20), .snapshot: .seconds(60), .quiesce: .seconds(15),
        .restore: .seconds(90), .restoreSnapshot: .seconds(100), .discard: .seconds(5),
    ]

    /// What a backup Job reports: a manifest of 3 MB in two files.
    static let manifest = BackupManifest(
        backup: "bk-scripted", store: "store", createdAt: "2026-12-06T08:00:00.000Z", wordpressVersion: "7.1.0",
        woocommerceVersion: "11.1.2", chartRevision: "1",
        files: [
            BackupManifest.File(name: "database.sql.gz", bytes: 1_000_000, sha256: String(repeating: "a", count: 64)),
            BackupManifest.File(name: "wp-content.tar.gz", bytes: 2_000_000, sha256: String(repeating: "b", count: 64)),
        ], totalBytes: 3_000_000, target: "s3://backups/urumi/store/bk-scripted/")

    private var runs: [SagaStep: [Script]] = [:]
    private var undos: [SagaStep: [Script]] = [:]
    private var changes: [OperationStep: [Script]] = [:]
    /// The release's revision: each helm install, upgrade or rollback that succeeds makes one,
    /// and says so in its details (unless a script gives details of its own).
    private(set) var revision = 0
    /// Every call, e.g. `run helm #2`, `undo namespace #1`.
    private(set) var calls: [String] = []

    init() {}

    /// Queues how the next runs of `step` end.
    func running(_ step: SagaStep, _ scripts: Script...) -> ScriptedCluster {
        var cluster = self
        cluster.runs[step, default: []] += scripts
        return cluster
    }

    /// Queues how the next runs of `step` end (a list built elsewhere).
    func running(_ step: SagaStep, _ scripts: [Script]) -> ScriptedCluster {
        var cluster = self
        cluster.runs[step, default: []] += scripts
        return cluster
    }

    /// Queues how the next undos of `step` end.
    func undoing(_ step: SagaStep, _ scripts: Script...) -> ScriptedCluster {
        var cluster = self
        cluster.undos[step, default: []] += scripts
        return cluster
    }

    /// Queues how the next calls of an operation's `step` end.
    func changing(_ step: OperationStep, _ scripts: Script...) -> ScriptedCluster {
        var cluster = self
        cluster.changes[step, default: []] += scripts
        return cluster
    }

    /// The operation calls only, e.g. `[change apply #1, change workloads #1]`.
    var changeCalls: [String] { calls.filter { $0.hasPrefix("change") } }

    /// The undo calls only, e.g. `[undo helm #1, undo namespace #1]`.
    var undoCalls: [String] { calls.filter { $0.hasPrefix("undo") } }

    mutating func run(_ step: SagaStep, attempt: Int) -> (Script, Duration) {
        calls.append("run \(step) #\(attempt)")
        var script = runs[step]?.isEmpty == false ? runs[step]!.removeFirst() : .succeed()
        if step == .helm { script = revised(script) }
        return (script, script.takes ?? Self.usualRunTime[step]!)
    }

    mutating func change(_ step: OperationStep, attempt: Int) -> (Script, Duration) {
        calls.append("change \(step) #\(attempt)")
        var script = changes[step]?.isEmpty == false ? changes[step]!.removeFirst() : .succeed()
        if [.apply, .rollback, .quiesce, .restoreSnapshot].contains(step) { script = revised(script) }
        if step == .snapshot, case .succeed(let details) = script.ending, details.isEmpty {
            script.ending = .succeed(details: ["manifest": Self.manifest.json])
        }
        return (script, script.takes ?? Self.usualChangeTime[step]!)
    }

    /// A release change that succeeds makes a revision, named in its details.
    private mutating func revised(_ script: Script) -> Script {
        guard case .succeed(let details) = script.ending else { return script }
        revision += 1
        var revised = script
        if details.isEmpty { revised.ending = .succeed(details: ["revision": String(revision)]) }
        return revised
    }

    mutating func undo(_ step: SagaStep, attempt: Int) -> (Script, Duration) {
        calls.append("undo \(step) #\(attempt)")
        let script = undos[step]?.isEmpty == false ? undos[step]!.removeFirst() : .succeed()
        return (script, script.takes ?? Self.usualUndoTime)
    }
}
