extension StoreDecider {
    /// Drift is recorded only against the state it was found in: if the store moved while its
    /// cluster was read (an operation started, another check recorded), the finding may be
    /// the operation's work in progress, so it is dropped (`concurrentModification`).
    static func decideDrift(
        _ detected: StoreEvent.DriftDetected, observedVersion: Int64, by: String, state: StoreState
    ) throws(ProvisioningError) -> [StoreEvent] {
        guard state.version == observedVersion else { throw .concurrentModification(state.id) }
        guard DriftChecker.isCheckable(state) else {
            throw .conflict(state.id, "store is \(state.status.rawValue); only a ready or suspended store is checked for drift")
        }
        guard let operation = detected.operation else { return [.driftDetected(detected)] }
        // The correction re-applies what the log says the store runs: the same config.
        let config = state.applied ?? state.desired
        return [
            .driftDetected(detected),
            .changeRequested(
                StoreEvent.ChangeRequested(
                    operation: operation, kind: .reconcile, change: StoreChange(), from: config, to: config, by: by)),
        ]
    }
}
