/// The readiness rules of the store's workloads, as pure functions of their objects.
enum WorkloadReadiness {
    /// Ready when `status.readyReplicas == spec.replicas` and the controller has seen the
    /// latest spec (`status.observedGeneration >= metadata.generation`).
    static func statefulSet(_ object: JSONValue?) -> Readiness {
        guard let object else { return .waiting("it does not exist yet") }
        let desired = object[path: "spec", "replicas"]?.int ?? 1
        let ready = object[path: "status", "readyReplicas"]?.int ?? 0
        guard generationObserved(object) else { return .waiting("its controller has not seen the latest spec yet") }
        guard ready == desired else { return .waiting("\(ready) of \(desired) replicas ready") }
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
        guard available?["status"]?.string == "True" else {
            let ready = object[path: "status", "readyReplicas"]?.int ?? 0
            let desired = object[path: "spec", "replicas"]?.int ?? 1
            let said = available?["message"]?.string.map { ": \($0)" } ?? ""
            return .waiting("not available (\(ready) of \(desired) replicas ready)\(said)")
        }
        return .ready(["availableReplicas": String(object[path: "status", "availableReplicas"]?.int ?? 0)])
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

    private static func generationObserved(_ object: JSONValue) -> Bool {
        let generation = object[path: "metadata", "generation"]?.int ?? 0
        let observed = object[path: "status", "observedGeneration"]?.int ?? 0
        return observed >= generation
    }

    private static func condition(_ object: JSONValue, _ type: String) -> JSONValue? {
        object[path: "status", "conditions"]?.array?.first { $0["type"]?.string == type }
    }
}
