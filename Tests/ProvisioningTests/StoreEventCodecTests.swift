import EventStore
import Foundation
import Testing

@testable import Provisioning

/// One event of each case (two where an optional field changes the shape), with its wire name.
private let samples: [(StoreEvent, String)] = [
    (.requested(.init(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "alice")), "store.requested.v1"),
    (.stepStarted(.init(step: .helm, attempt: 2, deadline: at(300.123))), "store.step-started.v1"),
    (
        .stepSucceeded(
            .init(step: .mysql, attempt: 1, durationMs: 30_000, details: ["replicas": "1", "kind": "StatefulSet"])),
        "store.step-succeeded.v1"
    ),
    (
        .stepFailed(
            .init(
                step: .helm, attempt: 1, error: "503 \"Service\" Unavailable\n/ü", retryable: true,
                nextAttemptAt: at(2.5))), "store.step-failed.v1"
    ),
    (
        .stepFailed(.init(step: .woocommerce, attempt: 5, error: "job failed", retryable: false, nextAttemptAt: nil)),
        "store.step-failed.v1"
    ),
    (.ready(.init(urls: StoreURLs(domain: "shop.example.com"), totalDurationMs: 96_000)), "store.ready.v1"),
    (
        .compensationStarted(.init(cause: .failure, reason: "helm failed: chart error", failedStep: .helm)),
        "store.compensation-started.v1"
    ),
    (
        .compensationStarted(.init(cause: .cancelled, reason: "deleted while provisioning", failedStep: nil)),
        "store.compensation-started.v1"
    ),
    (.stepCompensated(.init(step: .namespace, attempt: 3)), "store.step-compensated.v1"),
    (
        .compensationStepFailed(
            .init(step: .helm, attempt: 1, error: "timeout", retryable: true, nextAttemptAt: at(0.001))),
        "store.compensation-step-failed.v1"
    ),
    (
        .compensationFailed(.init(step: .helm, error: "forbidden", leftovers: [.helm, .namespace])),
        "store.compensation-failed.v1"
    ),
    (.failed(.init(reason: "wordpress failed: boom", failedStep: .wordpress)), "store.failed.v1"),
    (.deletionRequested(.init(by: "bob")), "store.deletion-requested.v1"),
    (.deleted(.init(domain: "shop.example.com")), "store.deleted.v1"),
    (.retryRequested(.init(by: "alice", failedStep: .wordpress, fromStep: .helm)), "store.retry-requested.v1"),
    (.credentialsViewed(.init(by: "alice")), "store.credentials-viewed.v1"),
    (.deleted(.init(domain: "shop.example.com", extraDomains: ["www.example.com"])), "store.deleted.v1"),
    (.changeRequested(changeRequested), "store.change-requested.v1"),
    (.changeStepStarted(.init(operation: "op-1", step: .apply, attempt: 1, deadline: at(300))), "store.change-step-started.v1"),
    (
        .changeStepSucceeded(.init(operation: "op-1", step: .apply, attempt: 1, durationMs: 4000, details: ["revision": "2"])),
        "store.change-step-succeeded.v1"
    ),
    (
        .changeStepFailed(
            .init(operation: "op-1", step: .setup, attempt: 2, error: "job failed", retryable: true, nextAttemptAt: at(9))),
        "store.change-step-failed.v1"
    ),
    (
        .rollbackStarted(.init(operation: "op-1", reason: "setup failed: job failed", failedStep: .setup, toRevision: 1)),
        "store.rollback-started.v1"
    ),
    (.changed(completed(.update)), "store.changed.v1"),
    (.suspended(completed(.suspend)), "store.suspended.v1"),
    (.resumed(completed(.resume)), "store.resumed.v1"),
    (
        .changeFailed(
            .init(
                operation: "op-1", kind: .addDomain, reason: "certificate failed: boom", failedStep: .certificate,
                rolledBack: true, revision: 3, leftovers: nil, releasedDomains: ["www.example.com"])),
        "store.change-failed.v1"
    ),
    (.deletionProtectionChanged(.init(enabled: true, by: "alice")), "store.deletion-protection-changed.v1"),
    // Backups, restores, clones.
    (
        .changeRequested(
            StoreEvent.ChangeRequested(
                operation: "op-2", kind: .restore, change: StoreChange(), from: StoreConfig(spec: Fixtures.spec),
                to: StoreConfig(spec: Fixtures.spec), by: "alice",
                backup: BackupOrder(backup: "bk-01jezq3v8m0000000000000001", safety: "bk-01jezq3v8m0000000000000002"))),
        "store.change-requested.v1"
    ),
    (
        .backupCompleted(
            .init(
                operation: "op-3", backup: "bk-01jezq3v8m0000000000000003", reason: .final, manifest: manifest,
                durationMs: 61_000, keepUntil: at(2_592_000))), "store.backup-completed.v1"
    ),
    (
        .backupFailed(.init(operation: "op-3", backup: "bk-01jezq3v8m0000000000000003", error: "Job failed: disk full")),
        "store.backup-failed.v1"
    ),
    (.restored(restored), "store.restored.v1"),
    (
        .backupDeleted(
            .init(operation: "op-4", backup: "bk-01jezq3v8m0000000000000001", reason: "deleted on request", by: "alice")),
        "store.backup-deleted.v1"
    ),
    (
        .backupExpired(
            .init(operation: "op-5", backup: "bk-01jezq3v8m0000000000000001", reason: "expired by the retention", by: "urumi")),
        "store.backup-expired.v1"
    ),
    (
        .requested(
            .init(
                storeId: Fixtures.id,
                spec: StoreSpec(
                    name: "Demo Staging", domain: "staging.example.com", adminEmail: "admin@example.com", plan: .small,
                    cloneOf: CloneSource(
                        store: Fixtures.id, backup: "bk-01jezq3v8m0000000000000001", domain: "demo.example.com",
                        scrub: true)),
                requestedBy: "alice")), "store.requested.v1"
    ),
    (.requested(sealedRequest), "store.requested.v2"),
    (.forgotten(.init(by: "alice")), "store.forgotten.v1"),
    (
        .healthChecked(
            .init(
                check: "c1", result: CanaryResult(passed: false, latencyMs: 120, failedStep: "checkout", reason: "500"),
                consecutiveFailures: 3, degraded: true, rollout: "r1")),
        "store.health-checked.v1"
    ),
    (
        .driftDetected(
            .init(
                check: "d1",
                differences: [
                    DriftDifference(kind: .revision, name: "revision", expected: "3", actual: "4"),
                    DriftDifference(kind: .value, name: "plan", expected: "small", actual: "large"),
                    DriftDifference(kind: .object, name: "Deployment/store-0b7e2f4c-wordpress", expected: "present", actual: nil),
                ], action: .corrected, operation: "op-9", observedRevision: 4)),
        "store.drift-detected.v1"
    ),
    // Waiting for an unreachable cluster (issue 15): an optional `waitingForCluster` on the failures.
    (
        .stepFailed(
            .init(
                step: .helm, attempt: 7, error: "helm upgrade failed (exit 1): Kubernetes cluster unreachable",
                retryable: true, nextAttemptAt: at(42.5), waitingForCluster: ClusterWait(since: at(1), overdue: true))),
        "store.step-failed.v1"
    ),
    (
        .compensationStepFailed(
            .init(
                step: .namespace, attempt: 2, error: "delete namespace: cannot reach the Kubernetes API",
                retryable: true, nextAttemptAt: at(12), waitingForCluster: ClusterWait(since: at(9), overdue: false))),
        "store.compensation-step-failed.v1"
    ),
    (
        .changeStepFailed(
            .init(
                operation: "op-1", step: .workloads, attempt: 6, error: "watch pods: cannot reach the Kubernetes API",
                retryable: true, nextAttemptAt: at(90), waitingForCluster: ClusterWait(since: at(30), overdue: false))),
        "store.change-step-failed.v1"
    ),
]

private let manifest = BackupManifest(
    backup: "bk-01jezq3v8m0000000000000003", store: "0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e",
    createdAt: "2026-12-06T08:00:00.000Z", wordpressVersion: "7.1.0", woocommerceVersion: "11.1.2", chartRevision: "4",
    files: [
        BackupManifest.File(name: "database.sql.gz", bytes: 52_000_000, sha256: String(repeating: "0f", count: 32)),
        BackupManifest.File(name: "wp-content.tar.gz", bytes: 48_000_000, sha256: String(repeating: "e1", count: 32)),
    ], totalBytes: 100_000_000, target: "s3://shop-backups/urumi/0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e/bk-01jezq3v8m0000000000000003/")

private let restored = StoreEvent.ChangeCompleted(
    operation: "op-2", kind: .restore, applied: StoreConfig(spec: Fixtures.spec), revision: 7, durationMs: 240_000,
    releasedDomains: [], backup: "bk-01jezq3v8m0000000000000001")

/// Today's request: the e-mail sealed with the store's key (an opaque value to the domain).
let sealedRequest: StoreEvent.Requested = {
    var request = StoreEvent.Requested(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "alice")
    request.adminEmail = .sealed(
        SealedText(key: Fixtures.id.description, sealed: "Wm9vYmFyLW5vbmNlLWNpcGhlcnRleHQtYW5kLXRhZy1oZXJl"))
    return request
}()

private let changeRequested = StoreEvent.ChangeRequested(
    operation: "op-1", kind: .update,
    change: StoreChange(plan: .medium, plugins: [PluginSpec(slug: "akismet", version: "5.3.3"), PluginSpec(slug: "jetpack")]),
    from: StoreConfig(spec: Fixtures.spec),
    to: StoreConfig(
        name: "Demo Shop", plan: .medium, plugins: [PluginSpec(slug: "akismet", version: "5.3.3"), PluginSpec(slug: "jetpack")]),
    by: "alice")

private func completed(_ kind: OperationKind) -> StoreEvent.ChangeCompleted {
    StoreEvent.ChangeCompleted(
        operation: "op-1", kind: kind, applied: StoreConfig(name: "Demo Shop", plan: .medium, suspended: kind == .suspend),
        revision: 2, durationMs: 54_000, releasedDomains: [])
}

/// `event` as the event store hands it back after an append.
private func recorded(_ event: NewEvent, at time: Date = Fixtures.t0) -> RecordedEvent {
    RecordedEvent(
        id: event.id, streamID: Fixtures.id.streamID, version: 1, cursor: LogCursor(transactionID: 1, position: 1),
        type: event.type, data: event.data, metadata: event.metadata, recordedAt: time)
}

private func roundTrip(_ event: StoreEvent) throws -> StoreEvent? {
    try StoreEvent(recorded(event.newEvent(metadata: EventMetadata(actor: "alice"))))
}

@Suite("Store events on the wire")
struct StoreEventCodecTests {
    @Test(arguments: samples.map(\.0))
    func anEventRoundTripsThroughTheCodec(event: StoreEvent) throws {
        #expect(try roundTrip(event) == event)
    }

    @Test func thePlainPayloadsAreReadByHandAsTheDecoderReadsThem() throws {
        let texts = [
            #"{"attempt":2,"deadline":"2026-11-27T15:45:44.738Z","step":"helm"}"#,
            #"{"step": "helm", "attempt": 1, "deadline": "2026-11-27T15:45:44.738Z"}"#,
            #"{"attempt":1,"details":{},"durationMs":1000,"step":"mysql"}"#,
            #"{"step": "wordpress", "attempt": 3, "details": {"kind": "Deployment", "replicas": "1"}, "durationMs": 0}"#,
            #"{"attempt":-1,"details":{"a":"ü /"},"durationMs":12345678,"step":"woocommerce","extra":true}"#,
            #"{"attempt":1,"deadline":"2026-11-27T17:45:44+02:00","step":"helm"}"#,
        ]
        for (text, kind) in zip(texts, [StoreEvent.Kind.stepStarted, .stepStarted, .stepSucceeded, .stepSucceeded, .stepSucceeded, .stepStarted]) {
            let plain = try #require(StoreEvent.plainlyDecoded(kind, text), "\(text)")
            let data = Data(text.utf8)
            let decoded: StoreEvent =
                kind == .stepStarted
                ? .stepStarted(try StoreEvent.decoder.decode(StoreEvent.StepStarted.self, from: data))
                : .stepSucceeded(try StoreEvent.decoder.decode(StoreEvent.StepSucceeded.self, from: data))
            #expect(plain == decoded, "\(text)")
        }
        // Anything else is left to the decoder (which reads it, or refuses it).
        for text in [
            #"{"attempt":1.0,"deadline":"2026-11-27T15:45:44.738Z","step":"helm"}"#,
            #"{"attempt":1,"deadline":"2026-11-27T15:45:44.738Z","step":"he\u006cm"}"#,
            #"{"attempt":01,"deadline":"2026-11-27T15:45:44.738Z","step":"helm"}"#,
            #"{"attempt":1,"deadline":"2026-11-27T15:45:44.738Z","step":"helm","step":"mysql"}"#,
            #"{"attempt":1,"deadline":null,"step":"helm"}"#, #"{"attempt":1,"step":"helm"}"#,
            #"{"attempt":1,"deadline":"2026-11-27T15:45:44.738Z","step":"helm"} x"#,
            #"{"attempt":1,"details":{"a":1},"durationMs":1,"step":"helm"}"#,
            #"{"attempt":1,"details":[],"durationMs":1,"step":"helm"}"#,
        ] {
            #expect(StoreEvent.plainlyDecoded(.stepStarted, text) == nil, "\(text)")
            #expect(StoreEvent.plainlyDecoded(.stepSucceeded, text) == nil, "\(text)")
        }
        #expect(StoreEvent.plainlyDecoded(.ready, texts[0]) == nil)
    }

    @Test func eachEventHasItsVersionedWireName() {
        for (event, name) in samples {
            #expect(event.type == name)
            #expect(event.newEvent(metadata: EventMetadata(actor: "alice")).type == name)
        }
    }

    @Test func theKnownTypesAreExactlyTheWireNamesOfEveryCase() {
        #expect(Set(samples.map(\.1)) == StoreEvent.knownTypes)
        #expect(StoreEvent.knownTypes.count == 33)
        #expect(StoreEvent.knownTypes.allSatisfy { $0.hasPrefix("store.") && ($0.hasSuffix(".v1") || $0.hasSuffix(".v2")) })
        // Today's names and the superseded ones read through upcasters.
        #expect(StoreEventUpcasters.supersededTypes == ["store.requested.v1"])
        #expect(Set(StoreEvent.Kind.allCases.map(\.rawValue)).isDisjoint(with: StoreEventUpcasters.supersededTypes))
    }

    @Test(arguments: ["store.plan-changed.v1", "store.requested.v3", "store.forgotten.v2", "StoreRequested", "requested", ""])
    func anUnknownTypeDecodesToNil(type: String) throws {
        let event = NewEvent(type: type, data: "{}", metadata: EventMetadata(actor: "alice"))
        #expect(try StoreEvent(recorded(event)) == nil)
    }

    @Test func aKnownTypeWithBadDataIsAnError() {
        let event = NewEvent(type: "store.requested.v1", data: #"{"name":"x"}"#, metadata: EventMetadata(actor: "a"))
        #expect(throws: DecodingError.self) { try StoreEvent(recorded(event)) }
    }

    @Test func theAppendCarriesTheGivenIdAndMetadata() {
        let id = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!
        let metadata = EventMetadata(actor: "alice", correlationID: id, causationID: nil, requestID: "req-1")
        let new = StoreEvent.deletionRequested(.init(by: "alice")).newEvent(id: id, metadata: metadata)
        #expect(new.id == id)
        #expect(new.metadata == metadata)
    }

    @Test func payloadsAreJSONWithSortedKeysAndPlainSlashes() {
        let requested = samples[0].0.newEvent(metadata: EventMetadata(actor: "alice")).data
        #expect(
            requested
                == #"{"adminEmail":"owner@example.com","domain":"shop.example.com","name":"Demo Shop","plan":"small","#
                + #""requestedBy":"alice","storeId":"0b7e2f4c-1d2a-4e5b-9c8d-7f6a5b4c3d2e"}"#)
        let ready = samples[5].0.newEvent(metadata: EventMetadata(actor: "system")).data
        #expect(
            ready
                == #"{"totalDurationMs":96000,"urls":{"admin":"https://shop.example.com/wp-admin/","shop":"https://shop.example.com/"}}"#
        )
    }

    @Test func datesAreWrittenInUTCWithMilliseconds() {
        let started = samples[1].0.newEvent(metadata: EventMetadata(actor: "system")).data
        #expect(started == #"{"attempt":2,"deadline":"2025-06-15T15:11:40.123Z","step":"helm"}"#)
    }

    @Test func everyMillisecondOfASecondSurvivesTheRoundTrip() throws {
        for ms in 0..<1000 {
            let deadline = at(Double(ms) / 1000)
            let event = StoreEvent.stepStarted(.init(step: .namespace, attempt: 1, deadline: deadline))
            let data = event.newEvent(metadata: EventMetadata(actor: "system")).data
            #expect(data.contains(String(format: ":40.%03dZ", ms)), "\(ms) ms is written as \(data)")
            #expect(try roundTrip(event) == event, "\(ms) ms")
        }
    }

    @Test func aDateWrittenWithAnOffsetMeansTheSameInstant() throws {
        let offset = #"{"attempt":1,"deadline":"2025-06-15T17:06:40.250+02:00","step":"helm"}"#
        let event = NewEvent(type: "store.step-started.v1", data: offset, metadata: EventMetadata(actor: "a"))
        #expect(try StoreEvent(recorded(event)) == .stepStarted(.init(step: .helm, attempt: 1, deadline: at(0.25))))
    }

    @Test func aDateWithoutMillisecondsIsRead() throws {
        let plain = #"{"attempt":1,"deadline":"2025-06-15T15:06:40Z","step":"helm"}"#
        let event = NewEvent(type: "store.step-started.v1", data: plain, metadata: EventMetadata(actor: "a"))
        #expect(try StoreEvent(recorded(event)) == .stepStarted(.init(step: .helm, attempt: 1, deadline: at(0))))
    }

    @Test func domainsAreClaimedByTheirRequestsAndReleasedByDeletionOrTheOperationThatDropsThem() {
        for (event, name) in samples {
            switch (name, event) {
            case ("store.requested.v1", .requested(let requested)), ("store.requested.v2", .requested(let requested)):
                #expect(event.claims == ["domain:\(requested.domain)"])
                #expect(event.releases.isEmpty)
            case ("store.deleted.v1", .deleted(let deleted)):
                #expect(event.claims.isEmpty)
                #expect(event.releases == ["domain:shop.example.com"] + (deleted.extraDomains ?? []).map { "domain:\($0)" })
            case ("store.change-failed.v1", _):
                // An added domain whose operation was rolled back gives its claim up.
                #expect(event.claims.isEmpty)
                #expect(event.releases == ["domain:www.example.com"])
            default:
                #expect(event.claims.isEmpty, "\(name)")
                #expect(event.releases.isEmpty, "\(name)")
            }
        }
        let add = StoreEvent.changeRequested(
            .init(
                operation: "op", kind: .addDomain, change: StoreChange(addDomain: "www.example.com"),
                from: StoreConfig(spec: Fixtures.spec), to: StoreConfig(spec: Fixtures.spec), by: "alice"))
        #expect(add.claims == ["domain:www.example.com"])
        #expect(StoreEvent.domainClaim("shop.example.com") == "domain:shop.example.com")
    }
}

/// Every wire format of every store event, frozen in `Fixtures/` (one file per sample, named
/// after its type): each must decode forever, into the same value the sample has today, and
/// encode back to the same bytes. A change of a payload's shape fails here: give it a new
/// version (`.v2`) and an upcaster instead. `URUMI_WRITE_FIXTURES=1` writes missing files.
@Suite("Frozen wire formats")
struct WireFormatFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func name(_ index: Int, _ type: String) -> String {
        "\(type).\(samples[..<index].filter { $0.1 == type }.count + 1).json"
    }

    @Test func everySampleHasAFixtureThatDecodesToItAndEncodesBackByteForByte() throws {
        let write = ProcessInfo.processInfo.environment["URUMI_WRITE_FIXTURES"] == "1"
        for (index, (event, type)) in samples.enumerated() {
            let url = Self.directory.appendingPathComponent(Self.name(index, type))
            let encoded = event.newEvent(metadata: EventMetadata(actor: "alice")).data
            if write && !FileManager.default.fileExists(atPath: url.path) {
                try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
                try (encoded + "\n").write(to: url, atomically: true, encoding: .utf8)
            }
            let frozen = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let decoded = try StoreEvent(recorded(NewEvent(type: type, data: frozen, metadata: EventMetadata(actor: "alice"))))
            #expect(decoded == event, "\(url.lastPathComponent) decodes to today's sample")
            #expect(encoded == frozen, "\(url.lastPathComponent): today's encoding is the frozen one")
        }
    }

    @Test func everyFixtureFileIsAKnownTypeAndDecodes() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == samples.count)
        for file in files {
            let type = String(file.split(separator: ".").dropLast(2).joined(separator: "."))
            #expect(StoreEvent.knownTypes.contains(type), "\(file)")
            let text = try String(contentsOfFile: Self.directory.appendingPathComponent(file).path, encoding: .utf8)
            #expect(try StoreEvent(recorded(NewEvent(type: type, data: text, metadata: EventMetadata(actor: "a")))) != nil, "\(file)")
        }
    }
}
