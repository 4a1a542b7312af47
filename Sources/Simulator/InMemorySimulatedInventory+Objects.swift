extension InMemorySimulatedInventory: SimulatedReleaseObjects {
    public func applyObjects(release: String, objects: [String]) async throws {
        guard try await exists(.release, name: release) else { return }
        releaseObjects.withLock { $0[release] = Set(objects) }
    }

    public func objects(release: String) async throws -> Set<String> {
        releaseObjects.withLock { $0[release] ?? [] }
    }

    public func deleteObject(release: String, object: String) async throws -> Bool {
        releaseObjects.withLock { $0[release]?.remove(object) != nil }
    }
}
