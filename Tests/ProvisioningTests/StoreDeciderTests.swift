import Testing

@testable import Provisioning

@Suite("The store decider")
struct StoreDeciderTests {
    let id = Fixtures.id
    let requested = StoreEvent.requested(.init(storeId: Fixtures.id, spec: Fixtures.spec, requestedBy: "alice"))

    @Test func creatingAStoreRecordsTheRequest() {
        given()
            .when(.create(id: id, spec: Fixtures.spec, by: "alice"))
            .then([requested])
    }

    @Test func creatingAStoreTwiceIsRefused() {
        given(requested)
            .when(.create(id: id, spec: Fixtures.spec, by: "mallory"))
            .thenThrows(.storeAlreadyExists(id))
    }

    @Test(arguments: [StoreCommand.delete(by: "bob"), .retry(by: "bob")])
    func aCommandOnAMissingStoreIsStoreNotFound(command: StoreCommand) {
        given().when(command).thenThrows(.storeNotFound(id))
    }

    @Test(arguments: [Situation.provisioning, .ready, .compensating, .failed, .failedNeedingAttention])
    func deletingAStoreRecordsWhoAsked(situation: Situation) {
        given(situation.driver.stream)
            .when(.delete(by: "bob"))
            .then([.deletionRequested(.init(by: "bob"))])
    }

    @Test func deletingTwiceIsANoOp() {
        given(requested, .deletionRequested(.init(by: "bob")))
            .when(.delete(by: "carol"))
            .then([])
    }

    @Test(arguments: [Situation.deleting, .deleted])
    func deletingAStoreThatIsGoingOrGoneIsANoOp(situation: Situation) {
        given(situation.driver.stream).when(.delete(by: "carol")).then([])
    }

    @Test func retryingAFailedStoreStartsAgainFromTheFirstStepWhoseEffectsAreGone() {
        // Compensation removed everything, so the saga starts from the namespace again.
        given(Situation.failed.driver.stream)
            .when(.retry(by: "alice"))
            .then([.retryRequested(.init(by: "alice", failedStep: .wordpress, fromStep: .namespace))])
    }

    @Test func retryingAfterTheNamespaceCouldNotBeDeletedResumesFromHelm() {
        given(Situation.failedNeedingAttention.driver.stream)
            .when(.retry(by: "alice"))
            .then([.retryRequested(.init(by: "alice", failedStep: .wordpress, fromStep: .helm))])
    }

    @Test(arguments: [Situation.provisioning, .ready, .compensating, .deleting, .deleted])
    func retryingAStoreThatHasNotFailedIsAConflict(situation: Situation) {
        given(situation.driver.stream)
            .when(.retry(by: "alice"))
            .thenThrows(.conflict(id, "store is \(situation.status.rawValue); only a failed store can be retried"))
    }

    @Test func retryingAStoreWhoseDeletionFailedIsAConflict() {
        // The teardown could not delete the namespace: the store is failed, but it was
        // asked to go, so it must not come back.
        var saga = SagaDriver.created(cluster: ScriptedCluster().undoing(.namespace, .permanent("forbidden")))
        saga.run()
        try! saga.send(.delete(by: "bob"))
        saga.run()
        #expect(saga.state?.status == .failed)
        given(saga.stream)
            .when(.retry(by: "alice"))
            .thenThrows(.conflict(id, "the store's deletion could not finish; delete it again instead"))
    }
}
