import Foundation

/// Decides which events a command produces, given the store's state. Pure.
public enum StoreDecider {
    public static func decide(_ command: StoreCommand, id: StoreID, state: StoreState?) throws(ProvisioningError)
        -> [StoreEvent]
    {
        switch command {
        case .create(_, let spec, let by):
            guard state == nil else { throw .storeAlreadyExists(id) }
            return [.requested(StoreEvent.Requested(storeId: id, spec: spec, requestedBy: by))]

        case .delete(let by):
            guard let state else { throw .storeNotFound(id) }
            // Deleting twice is not an error: the first request is already being carried out.
            if state.status == .deleted || (state.deletionRequestedBy != nil && state.status == .deleting) {
                return []
            }
            return [.deletionRequested(StoreEvent.ByActor(by: by))]

        case .retry(let by):
            guard let state else { throw .storeNotFound(id) }
            guard state.status == .failed else {
                throw .conflict(state.id, "store is \(state.status.rawValue); only a failed store can be retried")
            }
            // Failed while being deleted: it was asked to go, so it must not come back.
            guard state.deletionRequestedBy == nil else {
                throw .conflict(state.id, "the store's deletion could not finish; delete it again instead")
            }
            let from = SagaStep.allCases.first { !state.isPresent($0) } ?? .namespace
            return [.retryRequested(StoreEvent.RetryRequested(by: by, failedStep: state.failedStep, fromStep: from))]
        }
    }
}
