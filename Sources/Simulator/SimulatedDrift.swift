import Foundation
import Provisioning

/// Drift made behind Urumi's back in the simulated cluster (`urumi sim drift`, tests): an
/// object deleted, or a value changed by an out-of-band `helm upgrade --set`.
public struct SimulatedDrift: Sendable {
    let inventory: any SimulatedInventory

    public init(inventory: any SimulatedInventory) {
        self.inventory = inventory
    }

    /// Deletes `object` ("Kind/name"; a name without the release in it gets the release's
    /// prefix: `Deployment/wordpress`) of the store's release; throws when it is not there.
    public func delete(_ object: String, of store: StoreID) async throws {
        let release = StoreTarget.release(of: store)
        let parts = object.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw SimulatedDriftError("expected Kind/name, e.g. Deployment/wordpress") }
        let name = parts[1].contains(release) ? parts[1] : "\(release)-\(parts[1])"
        guard try await inventory.deleteObject(release: release, object: "\(parts[0])/\(name)") else {
            throw SimulatedDriftError("release \(release) has no \(parts[0])/\(name)")
        }
    }

    /// Sets the value `key` of the store's release to `value` (JSON when it parses as JSON,
    /// otherwise a string) in a new revision, whose objects are applied; returns the revision.
    @discardableResult
    public func set(_ key: String, to value: String, of store: StoreID) async throws -> Int {
        let release = StoreTarget.release(of: store)
        guard let current = try await inventory.current(release: release),
            var values = try JSONSerialization.jsonObject(with: Data(current.values.utf8)) as? [String: Any]
        else { throw SimulatedDriftError("release \(release) is not installed") }
        values[key] = (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)) ?? value
        let text = String(decoding: try JSONSerialization.data(withJSONObject: values, options: [.sortedKeys]), as: UTF8.self)
        guard let revision = try await inventory.upgrade(release: release, values: text) else {
            throw SimulatedDriftError("release \(release) is not installed")
        }
        try await inventory.applyObjects(
            release: release, objects: SimulatedChart.objects(release: release, suspended: SimulatedChart.suspended(text)))
        return revision
    }
}

public struct SimulatedDriftError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
