import Foundation

extension StoreState {
    /// The state as `StoreEvent.encoder` writes it (what the read models store), written by
    /// hand (`DomainJSONWriter`): a rebuild writes one for every store. Keys in sorted order;
    /// nil fields left out.
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            try json.field("applied", applied) { try $1.writeJSON(to: &$0) }
            try json.field("backups", encoded: backups)
            try json.field("claimedDomains", strings: claimedDomains)
            json.field("createdAt", createdAt)
            json.field("deletionCancelsProvisioning", deletionCancelsProvisioning)
            json.field("deletionProtection", deletionProtection)
            try json.field("deletionRequestedBy", deletionRequestedBy)
            json.key("desired")
            try desired.writeJSON(to: &json)
            try json.field("drift", encoded: drift)
            try json.field("failedStep", failedStep)
            try json.field("failureReason", failureReason)
            json.field("forgottenAt", forgottenAt)
            try json.field("health", encoded: health)
            json.field("helmRevision", helmRevision)
            json.key("id")
            try json.string(id.description)
            json.field("lastGoodRevision", lastGoodRevision)
            try json.field("leftovers", strings: leftovers)
            json.field("needsAttention", needsAttention)
            try json.field("operation", encoded: operation)
            try json.field("operations", encoded: operations)
            json.field("personalDataSealed", personalDataSealed)
            json.field("readyAt", readyAt)
            try json.field("requestedBy", requestedBy)
            json.field("runStartedAt", runStartedAt)
            json.key("spec")
            try spec.writeJSON(to: &json)
            try json.field("status", status)
            json.key("steps")
            try json.object { json in
                // The dictionary's keys are the steps' names, sorted by the encoder.
                for (name, step) in Self.sortedStepNames {
                    if let state = steps[step] {
                        json.key(name)
                        try state.writeJSON(to: &json)
                    }
                }
            }
            try json.field("undo", undo) { json, undo in
                try json.object { json in
                    try json.field("cause", undo.cause)
                    try json.field("failedStep", undo.failedStep)
                    try json.field("reason", undo.reason)
                }
            }
            json.field("updatedAt", updatedAt)
            try json.field("urls", urls) { try $1.writeJSON(to: &$0) }
            json.field("version", Int(version))
        }
    }

    /// The steps by name in the encoder's key order (a key must be a static string).
    private static let sortedStepNames: [(StaticString, SagaStep)] = [
        ("helm", .helm), ("mysql", .mysql), ("namespace", .namespace), ("woocommerce", .woocommerce),
        ("wordpress", .wordpress),
    ]
}

extension StepState {
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            json.field("attempts", attempts)
            json.field("deadline", deadline)
            json.key("details")
            if details.count <= 1 {
                try json.object { json in
                    for (key, value) in details {
                        try json.key(text: key)
                        try json.string(value)
                    }
                }
            } else {
                // Several keys: the encoder's order of arbitrary keys is its own business.
                try json.encoded(details)
            }
            json.field("durationMs", durationMs)
            json.field("finishedAt", finishedAt)
            try json.field("lastError", lastError)
            json.field("nextAttemptAt", nextAttemptAt)
            json.field("retryable", retryable)
            json.field("startedAt", startedAt)
            try json.field("status", status)
            json.field("undoAttempts", undoAttempts)
            json.field("undoGaveUp", undoGaveUp)
            json.field("undoNextAttemptAt", undoNextAttemptAt)
            json.field("undoUnreachableAttempts", undoUnreachableAttempts)
            json.field("unreachableAttempts", unreachableAttempts)
            try json.field("waitingForCluster", encoded: waitingForCluster)
        }
    }
}

extension StoreSpec {
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            try json.field("adminEmail", adminEmail)
            try json.field("cloneOf", encoded: cloneOf)
            try json.field("domain", domain)
            try json.field("name", name)
            try json.field("plan", plan)
        }
    }
}

extension StoreConfig {
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            try json.field("extraDomains", strings: extraDomains)
            try json.field("name", name)
            try json.field("plan", plan)
            json.key("plugins")
            try json.array(plugins) { json, plugin in
                try json.object { json in
                    try json.field("slug", plugin.slug)
                    try json.field("version", plugin.version)
                }
            }
            json.field("suspended", suspended)
            try json.field("woocommerceVersion", woocommerceVersion)
            try json.field("wordpressVersion", wordpressVersion)
        }
    }
}

extension StoreURLs {
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            try json.field("admin", admin)
            try json.field("shop", shop)
        }
    }
}
