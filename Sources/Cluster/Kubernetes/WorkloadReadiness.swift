/// The readiness rules of the store's workloads, as pure functions of their objects.
enum WorkloadReadiness {
    /// Ready when the controller has seen the latest spec (`status.observedGeneration >=
    /// metadata.generation`), `status.readyReplicas == spec.replicas`, and those replicas are
    /// the latest revision's (`updatedReplicas == spec.replicas`, `currentRevision ==
    /// updateRevision`): after an upgrade, the old pod being ready is not enough.
    static func statefulSet(_ object: JSONValue?) -> Readiness {
        guard let object else { return .waiting("it does not exist yet") }
        let desired = object[path: "spec", "replicas"]?.int ?? 1
        let ready = object[path: "status", "readyReplicas"]?.int ?? 0
        let updated = object[path: "status", "updatedReplicas"]?.int ?? 0
        guard generationObserved(object) else { return .waiting("its controller has not seen the latest spec yet") }
        guard ready == desired else { return .waiting("\(ready) of \(desired) replicas ready") }
        let current = object[path: "status", "currentRevision"]?.string
        let update = object[path: "status", "updateRevision"]?.string
        guard updated == desired, current == update else {
            return .waiting("rolling out the latest revision (\(updated) of \(desired) replicas updated)")
        }
        return .ready(["readyReplicas": String(ready)])
    }

    /// Ready when condition `Available` is True for the latest spec. A `Progressing` condition
    /// with reason `ProgressDeadlineExceeded` means it gave up.
    static func deployment(_ object: JSONValue?) -> Readiness {
        guard let object else { return .waiting("it does not exist yet") }
        guard generationObserved(object) else { return .waiting("its controller has not seen the latest spec yet") }
        let progressing = condition(object, "Progressing")
        if progressing?["status"]?.string == "False", progressing?["reason"]?.string == "ProgressDeadlineExceeded" {
            return .failed("progress deadline exceeded: \(progressing?["message"]?.string ?? "no message")")
        }
        let available = condition(object, "Available")
        let desired = object[path: "spec", "replicas"]?.int ?? 1
        guard available?["status"]?.string == "True" else {
            let ready = object[path: "status", "readyReplicas"]?.int ?? 0
            let said = available?["message"]?.string.map { ": \($0)" } ?? ""
            return .waiting("not available (\(ready) of \(desired) replicas ready)\(said)")
        }
        // Available alone can still be the old replica set's pod during an upgrade.
        let updated = object[path: "status", "updatedReplicas"]?.int ?? 0
        let availableReplicas = object[path: "status", "availableReplicas"]?.int ?? 0
        guard updated == desired, availableReplicas == desired else {
            return .waiting("rolling out the latest revision (\(updated) of \(desired) updated, \(availableReplicas) available)")
        }
        return .ready(["availableReplicas": String(availableReplicas)])
    }

    /// Succeeded when condition `Complete` is True; failed for good when `Failed` is True.
    static func job(_ object: JSONValue?) -> Readiness {
        guard let object else { return .waiting("it does not exist yet") }
        if let failed = condition(object, "Failed"), failed["status"]?.string == "True" {
            let reason = failed["reason"]?.string ?? "Failed"
            let message = failed["message"]?.string ?? "no message"
            return .failed("failed (\(reason)): \(message)")
        }
        if let complete = condition(object, "Complete"), complete["status"]?.string == "True" {
            var details = ["succeeded": String(object[path: "status", "succeeded"]?.int ?? 1)]
            if let time = object[path: "status", "completionTime"]?.string { details["completionTime"] = time }
            return .ready(details)
        }
        let active = object[path: "status", "active"]?.int ?? 0
        let failedPods = object[path: "status", "failed"]?.int ?? 0
        return .waiting("running (\(active) active, \(failedPods) failed pods so far)")
    }

    /// Ready when condition `Ready` is True for the latest spec. cert-manager keeps retrying
    /// an order that fails (rate limits, a challenge not reachable yet), so False is waiting,
    /// with its message, until the step's deadline.
    static func certificate(_ object: JSONValue?, hosts: [String] = []) -> Readiness {
        guard let object else { return .waiting("it does not exist yet (is cert-manager installed and the Ingress annotated?)") }
        // ingress-shim adds a new host to the Certificate's spec; until then a Ready of the
        // old host list says nothing about the new one.
        let names = object[path: "spec", "dnsNames"]?.array?.compactMap(\.string) ?? []
        let missing = hosts.filter { !names.contains($0) }
        guard missing.isEmpty else { return .waiting("its dnsNames do not include \(missing.joined(separator: ", ")) yet") }
        // cert-manager writes observedGeneration on the condition, not at the top of status.
        let ready = condition(object, "Ready")
        let generation = object[path: "metadata", "generation"]?.int ?? 0
        let observed = ready?["observedGeneration"]?.int ?? generation
        guard ready?["status"]?.string == "True", observed >= generation else {
            let said = ready?["message"]?.string.map { ": \($0)" } ?? ""
            return .waiting("not ready\(said)")
        }
        var details: [String: String] = ["dnsNames": names.joined(separator: ", ")]
        if let notAfter = object[path: "status", "notAfter"]?.string { details["notAfter"] = notAfter }
        return .ready(details)
    }

    private static func generationObserved(_ object: JSONValue) -> Bool {
        let generation = object[path: "metadata", "generation"]?.int ?? 0
        let observed = object[path: "status", "observedGeneration"]?.int ?? 0
        return observed >= generation
    }

    private static func condition(_ object: JSONValue, _ type: String) -> JSONValue? {
        object[path: "status", "conditions"]?.array?.first { $0["type"]?.string == type }
    }
}
