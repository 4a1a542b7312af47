import EventStore
import Foundation
import Provisioning

/// The documented fast loader of `urumi-bench reads`: N stores written as real events through
/// the real command handler (the request, with its domain claim) and one append each of the
/// saga's events, as a saga would have recorded them: 70% ready, 20% failed (compensated),
/// 10% provisioning (at mysql). Eight writers at once.
enum StoreLoader {
    static func load(_ count: Int, into events: any EventStore, vault: any PersonalDataVault) async throws -> [StoreID] {
        let commands = StoreCommandHandler(events: events, vault: vault)
        return try await withThrowingTaskGroup(of: [StoreID].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var ids: [StoreID] = []
                    var index = writer
                    while index < count {
                        let outcome = try await commands.create(
                            name: "Reads \(index)", domain: "reads\(index).example.com", adminEmail: "admin@example.com",
                            plan: ["small", "medium", "large"][index % 3], metadata: EventMetadata(actor: "bench"))
                        let saga = history(index % 10)
                        let metadata = EventMetadata(actor: "system", correlationID: outcome.id.uuid)
                        try await events.append(
                            AppendRequest(
                                stream: outcome.id.streamID, expected: .exact(1),
                                events: saga.map { NewEvent(type: $0.0.rawValue, data: $0.1, metadata: metadata) }))
                        ids.append(outcome.id)
                        index += 8
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// The saga's events for a store of kind `kind` (0-6 ready, 7-8 failed, 9 provisioning),
    /// as wire types and JSON payloads.
    static func history(_ kind: Int) -> [(StoreEvent.Kind, String)] {
        let later = StoreEvent.formatDate(Date().addingTimeInterval(86_400))
        func ran(_ step: SagaStep) -> [(StoreEvent.Kind, String)] {
            [
                (.stepStarted, #"{"attempt":1,"deadline":"\#(later)","step":"\#(step.rawValue)"}"#),
                (.stepSucceeded, #"{"attempt":1,"details":{},"durationMs":1000,"step":"\#(step.rawValue)"}"#),
            ]
        }
        switch kind {
        case 0...6:
            return SagaStep.allCases.flatMap(ran) + [
                (.ready, #"{"totalDurationMs":5000,"urls":{"admin":"https://example.com/wp-admin/","shop":"https://example.com/"}}"#)
            ]
        case 7, 8:
            return ran(.namespace) + [
                (.stepStarted, #"{"attempt":1,"deadline":"\#(later)","step":"helm"}"#),
                (.stepFailed, #"{"attempt":1,"error":"chart error","retryable":false,"step":"helm"}"#),
                (.compensationStarted, #"{"cause":"failure","failedStep":"helm","reason":"helm failed: chart error"}"#),
                (.stepCompensated, #"{"attempt":1,"step":"namespace"}"#),
                (.failed, #"{"failedStep":"helm","reason":"helm failed: chart error"}"#),
            ]
        default:
            return ran(.namespace) + ran(.helm) + [(.stepStarted, #"{"attempt":1,"deadline":"\#(later)","step":"mysql"}"#)]
        }
    }
}
