import EventStore
import Foundation

/// Hands out a store's WordPress admin login, and records who asked
/// (`store.credentials-viewed.v1`, without the password) before returning it.
public struct StoreCredentialsService: Sendable {
    let events: any EventStore
    let driver: any ClusterDriver
    let vault: any PersonalDataVault

    public init(events: any EventStore, driver: any ClusterDriver, vault: any PersonalDataVault) {
        self.events = events
        self.driver = driver
        self.vault = vault
    }

    public func credentials(_ id: StoreID, metadata: EventMetadata) async throws -> StoreCredentials {
        guard let state = try await StoreProjection.load(id, from: events, vault: vault) else { throw ProvisioningError.storeNotFound(id) }
        guard state.isPresent(.helm), state.status != .deleted else {
            throw ProvisioningError.conflict(id, "store is \(state.status.rawValue) and has no installed release")
        }
        let credentials: StoreCredentials
        do {
            credentials = try await driver.credentials(for: StoreTarget(id: id, spec: state.spec))
        } catch let error as ClusterError where error.kind == .transient {
            throw ProvisioningError.clusterUnavailable("the credentials cannot be read now: \(error.message)")
        } catch let error as ClusterError {
            throw ProvisioningError.conflict(id, "the credentials cannot be read: \(error.message)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The port says: anything else is transient.
            throw ProvisioningError.clusterUnavailable("the credentials cannot be read now")
        }
        // Recorded before the password leaves: no unaudited reads.
        try await events.append(
            AppendRequest(
                stream: id.streamID, expected: .any,
                events: [StoreEvent.credentialsViewed(StoreEvent.ByActor(by: metadata.actor)).newEvent(metadata: metadata)]))
        return credentials
    }
}
