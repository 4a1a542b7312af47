/// The size of a store: resources, quotas and storage in the chart follow it.
public enum Plan: String, Sendable, Codable, CaseIterable, Hashable {
    case small
    case medium
    case large
}
