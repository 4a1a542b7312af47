import Foundation
import Testing

@testable import Provisioning

@Suite("Folding a store's events")
struct StoreStateTests {
    let requested = StoreEvent.requested(.init(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "alice"))

    @Test func aRequestStartsAProvisioningStore() throws {
        let state = try #require(StoreState.fold([(requested, at(0))]))
        #expect(state.id == Fixtures.id)
        #expect(state.spec == Fixtures.spec)
        #expect(state.requestedBy == "alice")
        #expect(state.status == .provisioning)
        #expect(state.createdAt == at(0))
        #expect(state.runStartedAt == at(0))
        #expect(state.currentStep == .namespace)
        #expect(SagaPlanner.next(state, now: at(0)) == .run(.namespace, attempt: 1))
    }

    @Test func eventsBeforeTheRequestFoldToNoStore() {
        #expect(StoreState.evolve(nil, .deletionRequested(.init(by: "bob")), at: at(0)) == nil)
    }

    @Test func aSecondRequestChangesNothing() throws {
        let first = try #require(StoreState.fold([(requested, at(0))]))
        let other = StoreEvent.requested(.init(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "mallory"))
        #expect(StoreState.evolve(first, other, at: at(5)) == first)
    }

    @Test func eachEventMovesTheUpdateTime() throws {
        let state = try #require(StoreState.fold([(requested, at(0)), (.deletionRequested(.init(by: "bob")), at(9))]))
        #expect(state.updatedAt == at(9))
        #expect(state.createdAt == at(0))
    }

    @Test func theSagaHasWorkOnlyWhileAStoreProvisionsCompensatesIsDeletedOrRunsAnOperation() {
        #expect(
            StoreStatus.allCases.filter(\.isOpen) == [
                .provisioning, .compensating, .deleting, .updating, .backingUp, .restoring,
            ])
    }
}
