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
            if state.deletionProtection {
                throw .conflict(state.id, "store has deletion protection; turn it off first (PATCH deletionProtection: false)")
            }
            return [.deletionRequested(StoreEvent.ByActor(by: by))]

        case .protect(let enabled, let then, let by):
            guard let state else { throw .storeNotFound(id) }
            guard state.status != .deleted else { throw .conflict(state.id, "store is deleted") }
            var events: [StoreEvent] = []
            var after = state
            if state.deletionProtection != enabled {
                let event = StoreEvent.deletionProtectionChanged(StoreEvent.DeletionProtection(enabled: enabled, by: by))
                events.append(event)
                after.apply(event, at: state.updatedAt)
            }
            if let then { events += try decide(then, id: id, state: after) }
            return events

        case .forget(let by):
            guard let state else { throw .storeNotFound(id) }
            if state.forgottenAt != nil { return [] }
            guard state.personalDataSealed == true else {
                throw .legacyPersonalData(state.id)
            }
            switch state.status {
            case .ready, .suspended, .failed, .deleted:
                return [.forgotten(StoreEvent.ByActor(by: by))]
            default:
                // A running saga may still need the e-mail (the chart's values).
                throw .conflict(state.id, "store is \(state.status.rawValue); forget it once its saga has ended")
            }

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

        case .change(let kind, let change, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            return try decideChange(kind, change, operation: operation, by: by, state: state)
        }
    }

    private static func decideChange(
        _ kind: OperationKind, _ change: StoreChange, operation: String, by: String, state: StoreState
    ) throws(ProvisioningError) -> [StoreEvent] {
        if let running = state.operation { throw .operationRunning(state.id, operation: running.id, kind: running.kind) }
        switch (state.status, kind) {
        case (.ready, .resume):
            throw .conflict(state.id, "store is not suspended")
        case (.ready, _), (.suspended, .resume):
            break
        case (.suspended, _):
            throw .conflict(state.id, "store is suspended; resume it first")
        default:
            throw .conflict(
                state.id, "store is \(state.status.rawValue); only a ready or suspended store can be changed")
        }
        let from = state.applied ?? state.desired
        if let domain = change.addDomain {
            if domain == state.spec.domain || from.extraDomains.contains(domain) {
                throw .validation([FieldError(field: "domain", message: "\(domain) is already a domain of this store")])
            }
        }
        // A host whose addition could not be rolled back is still claimed (and may still be
        // served) though not in the config: removing it re-applies the config and releases it.
        let onlyClaimed = change.removeDomain.map { !from.extraDomains.contains($0) && state.claimedDomains.contains($0) } ?? false
        if let domain = change.removeDomain, !from.extraDomains.contains(domain), !onlyClaimed {
            throw .domainNotOnStore(state.id, domain)
        }
        let to = change.applied(to: from)
        let problems = StoreChange.transitionProblems(from: from, to: to)
        guard problems.isEmpty else { throw .validation(problems) }
        // Nothing would change: not an operation (a repeat of an applied PATCH is a no-op).
        if to == from && !onlyClaimed { return [] }
        return [
            .changeRequested(
                StoreEvent.ChangeRequested(operation: operation, kind: kind, change: change, from: from, to: to, by: by))
        ]
    }
}
