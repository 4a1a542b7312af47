import Provisioning
import Synchronization

/// The simulated cluster's inventory in memory (tests that need no database).
public final class InMemorySimulatedInventory: SimulatedInventory {
    private struct Object {
        var present: Bool
        var created: Int
        var secret: String?
    }

    private let objects = Mutex<[String: Object]>([:])
    /// Each present release's revisions (values per revision, revision 1 first).
    private let revisions = Mutex<[String: [String]]>([:])
    /// Each release's shop data, and the backup bucket (store → backup → data, manifest).
    private let storeData = Mutex<[String: String]>([:])
    private let bucket = Mutex<[String: [String: (data: String, manifest: String)]]>([:])
    /// Each release's rendered objects ("Kind/name").
    let releaseObjects = Mutex<[String: Set<String>]>([:])

    public init() {}

    private static func key(_ kind: SimulatedObjectKind, _ name: String) -> String { "\(kind.rawValue)/\(name)" }

    public func create(_ kind: SimulatedObjectKind, name: String, owner: String) async throws -> Bool {
        objects.withLock { objects in
            let key = Self.key(kind, name)
            if objects[key]?.present == true { return false }
            objects[key, default: Object(present: false, created: 0)].present = true
            objects[key]!.secret = nil
            objects[key]!.created += 1
            return true
        }
    }

    public func delete(_ kind: SimulatedObjectKind, name: String) async throws -> Bool {
        if kind == .release {
            _ = revisions.withLock { $0.removeValue(forKey: name) }
            _ = storeData.withLock { $0.removeValue(forKey: name) }
            _ = releaseObjects.withLock { $0.removeValue(forKey: name) }
        }
        return objects.withLock { objects in
            let key = Self.key(kind, name)
            guard objects[key]?.present == true else { return false }
            objects[key]!.present = false
            objects[key]!.secret = nil
            return true
        }
    }

    public func exists(_ kind: SimulatedObjectKind, name: String) async throws -> Bool {
        objects.withLock { $0[Self.key(kind, name)]?.present == true }
    }

    public func setSecret(_ kind: SimulatedObjectKind, name: String, secret: String) async throws {
        objects.withLock { objects in
            if objects[Self.key(kind, name)]?.present == true { objects[Self.key(kind, name)]!.secret = secret }
        }
    }

    public func secret(_ kind: SimulatedObjectKind, name: String) async throws -> String? {
        objects.withLock { objects in
            let object = objects[Self.key(kind, name)]
            return object?.present == true ? object?.secret : nil
        }
    }

    public func snapshot() async throws -> SimulatedInventorySnapshot {
        objects.withLock { objects in
            var namespaces: [SimulatedInventorySnapshot.Entry] = []
            var releases: [SimulatedInventorySnapshot.Entry] = []
            for (key, object) in objects.sorted(by: { $0.key < $1.key }) where object.present {
                let parts = key.split(separator: "/", maxSplits: 1)
                let entry = SimulatedInventorySnapshot.Entry(name: String(parts[1]), created: object.created)
                if parts[0] == "namespace" { namespaces.append(entry) } else { releases.append(entry) }
            }
            return SimulatedInventorySnapshot(namespaces: namespaces, releases: releases)
        }
    }
}

extension InMemorySimulatedInventory: SimulatedReleaseHistory {
    public func upgrade(release: String, values: String) async throws -> Int? {
        guard try await exists(.release, name: release) else { return nil }
        return revisions.withLock { revisions in
            revisions[release, default: []].append(values)
            return revisions[release]!.count
        }
    }

    public func rollback(release: String, to revision: Int?) async throws -> Int? {
        guard try await exists(.release, name: release) else { return nil }
        return revisions.withLock { revisions in
            let history = revisions[release] ?? []
            let source = revision ?? (history.count - 1)
            guard source >= 1, source <= history.count else { return nil }
            revisions[release]!.append(history[source - 1])
            return revisions[release]!.count
        }
    }

    public func current(release: String) async throws -> (revision: Int, values: String)? {
        revisions.withLock { revisions in
            guard let history = revisions[release], let last = history.last else { return nil }
            return (history.count, last)
        }
    }
}

extension InMemorySimulatedInventory: SimulatedBackupStore {
    public func data(release: String) async throws -> String? { storeData.withLock { $0[release] } }

    public func setData(release: String, data: String) async throws { storeData.withLock { $0[release] = data } }

    public func putBackup(store: String, backup: String, data: String, manifest: String) async throws {
        bucket.withLock { $0[store, default: [:]][backup] = (data, manifest) }
    }

    public func backup(store: String, backup: String) async throws -> (data: String, manifest: String)? {
        bucket.withLock { $0[store]?[backup] }
    }

    public func deleteBackup(store: String, backup: String) async throws -> Bool {
        bucket.withLock { $0[store]?.removeValue(forKey: backup) != nil }
    }

    public func backups(store: String) async throws -> [String] {
        bucket.withLock { ($0[store] ?? [:]).keys.sorted() }
    }
}
