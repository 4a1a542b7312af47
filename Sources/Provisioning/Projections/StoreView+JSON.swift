import Foundation

extension StoreView {
    /// The view as `StoreEvent.encoder` writes it (the store list's `view_text`, what the API
    /// serves), written by hand (`DomainJSONWriter`). Keys in sorted order; nil fields left out.
    func writeJSON(to json: inout DomainJSONWriter) throws {
        try json.object { json in
            try json.field("adminEmail", adminEmail)
            try json.field("applied", applied) { try $1.writeJSON(to: &$0) }
            try json.field("backups", encoded: backups)
            try json.field("claimedDomains", strings: claimedDomains)
            json.field("createdAt", createdAt)
            try json.field("currentStep", currentStep)
            json.field("deletionProtection", deletionProtection)
            json.key("desired")
            try desired.writeJSON(to: &json)
            try json.field("domain", domain)
            try json.field("drift", encoded: drift)
            try json.field("extraDomains", strings: extraDomains)
            try json.field("failedStep", failedStep)
            try json.field("health", encoded: health)
            json.field("helmRevision", helmRevision)
            json.key("id")
            try json.string(id.description)
            try json.field("lastError", lastError)
            try json.field("leftovers", strings: leftovers)
            try json.field("name", name)
            json.field("needsAttention", needsAttention)
            try json.field("operation", encoded: operation)
            try json.field("operations", encoded: operations)
            try json.field("plan", plan)
            json.field("readyAt", readyAt)
            try json.field("requestedBy", requestedBy)
            try json.field("status", status)
            json.key("steps")
            try json.array(steps) { json, step in
                try json.object { json in
                    json.field("attempts", step.attempts)
                    json.field("durationMs", step.durationMs)
                    json.field("finishedAt", step.finishedAt)
                    try json.field("lastError", step.lastError)
                    try json.field("name", step.name)
                    json.field("nextAttemptAt", step.nextAttemptAt)
                    json.field("startedAt", step.startedAt)
                    try json.field("status", step.status)
                }
            }
            json.field("updatedAt", updatedAt)
            try json.field("urls", urls) { try $1.writeJSON(to: &$0) }
            json.field("version", Int(version))
            try json.field("waitingForCluster", encoded: waitingForCluster)
        }
    }
}
