import Foundation

/// What was asked for: a validated store request.
public struct StoreSpec: Sendable, Hashable, Codable {
    public let name: String
    /// A lower-case RFC 1123 host name.
    public let domain: String
    public let adminEmail: String
    public let plan: Plan
    /// A clone: the backup its data comes from (nil: a fresh shop).
    public var cloneOf: CloneSource? = nil

    /// Validates raw input; every problem is reported, each with its field.
    public static func validate(name: String?, domain: String?, adminEmail: String?, plan: String?) throws(ProvisioningError)
        -> StoreSpec
    {
        var errors: [FieldError] = []
        let trimmedName = (name ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = nameProblem(trimmedName) {
            errors.append(FieldError(field: "name", message: problem))
        }
        let normalizedDomain = (domain ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if let problem = Self.hostNameProblem(normalizedDomain) {
            errors.append(FieldError(field: "domain", message: problem))
        }
        let email = (adminEmail ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = Self.emailProblem(email) {
            errors.append(FieldError(field: "adminEmail", message: problem))
        }
        let planText = (plan ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let parsedPlan = Plan(rawValue: planText)
        if parsedPlan == nil {
            let allowed = Plan.allCases.map(\.rawValue).joined(separator: ", ")
            errors.append(FieldError(field: "plan", message: planText.isEmpty ? "is required (one of \(allowed))" : "must be one of \(allowed)"))
        }
        guard errors.isEmpty, let parsedPlan else { throw .validation(errors) }
        return StoreSpec(name: trimmedName, domain: normalizedDomain, adminEmail: email, plan: parsedPlan)
    }

    public init(name: String, domain: String, adminEmail: String, plan: Plan, cloneOf: CloneSource? = nil) {
        self.name = name
        self.domain = domain
        self.adminEmail = adminEmail
        self.plan = plan
        self.cloneOf = cloneOf
    }

    /// Why `name` (trimmed) is not a store name, or nil if it is.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is required" }
        if name.count > 60 { return "must be at most 60 characters" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// Why `host` is not an RFC 1123 host name with at least two labels, or nil if it is.
    static func hostNameProblem(_ host: String) -> String? {
        if host.isEmpty { return "is required" }
        if host.utf8.count > 253 { return "must be at most 253 characters" }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 { return "must be a fully qualified host name such as shop.example.com" }
        for label in labels {
            if label.isEmpty || label.utf8.count > 63 { return "each label must be 1-63 characters" }
            let valid = label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            if !valid { return "may contain only letters, digits, hyphens and dots" }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "labels must not start or end with a hyphen" }
        }
        if labels.last!.allSatisfy(\.isNumber) { return "must not end in a numeric label" }
        return nil
    }

    /// Why `email` is not a plausible address, or nil if it is (local@host, host as above).
    static func emailProblem(_ email: String) -> String? {
        if email.isEmpty { return "is required" }
        if email.utf8.count > 254 { return "must be at most 254 characters" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else {
            return "must be an e-mail address such as admin@example.com"
        }
        let localAllowed = parts[0].utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || "!#$%&'*+/=?^_`{|}~.-".utf8.contains(byte)
        }
        guard localAllowed, !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains("..") else {
            return "must be an e-mail address such as admin@example.com"
        }
        if hostNameProblem(parts[1].lowercased()) != nil { return "must have a valid domain after @" }
        return nil
    }
}

/// Where a clone's data comes from: a completed backup of another store.
public struct CloneSource: Sendable, Hashable, Codable {
    public let store: StoreID
    public let backup: String
    /// The source store's host name (its URLs in the data are rewritten to the clone's).
    public let domain: String
    /// Customers' personal data (names, e-mails, addresses of customers and orders) scrubbed
    /// before the clone goes live.
    public let scrub: Bool

    public init(store: StoreID, backup: String, domain: String, scrub: Bool) {
        self.store = store
        self.backup = backup
        self.domain = domain
        self.scrub = scrub
    }
}
