import Foundation
import Testing

@testable import Provisioning

/// `given(history).when(command).then(events)` for `StoreDecider`.
struct DeciderSpecification {
    let id: StoreID
    let history: [Recorded]

    func when(_ command: StoreCommand) -> DeciderExpectation {
        DeciderExpectation(id: id, state: StoreState.fold(history.map { ($0.event, $0.at) }), command: command)
    }
}

struct DeciderExpectation {
    let id: StoreID
    let state: StoreState?
    let command: StoreCommand

    /// The command is accepted and produces exactly `expected`.
    func then(_ expected: [StoreEvent], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let events = try StoreDecider.decide(command, id: id, state: state)
            #expect(events == expected, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(expected), but it threw \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The command is refused with exactly `expected`.
    func thenThrows(_ expected: ProvisioningError, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let events = try StoreDecider.decide(command, id: id, state: state)
            Issue.record("expected \(expected), but it produced \(events)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == expected, sourceLocation: sourceLocation)
        }
    }
}

/// A store whose stream holds `history` (recorded events, e.g. a `SagaDriver`'s stream).
func given(_ history: [Recorded], id: StoreID = Fixtures.id) -> DeciderSpecification {
    DeciderSpecification(id: id, history: history)
}

/// A store whose stream holds `events`, recorded one second apart from the clock's origin.
func given(_ events: StoreEvent..., id: StoreID = Fixtures.id) -> DeciderSpecification {
    let history = events.enumerated().map { Recorded(event: $1, at: at(Double($0))) }
    return DeciderSpecification(id: id, history: history)
}
