@testable import Cluster
import Foundation
import Provisioning
import Testing

/// The REST client and the namespace step against the Kubernetes API test server (HTTPS, test
/// CA, client certificates and bearer tokens).
@Suite(.timeLimit(.minutes(1))) struct KubernetesClientTests {
    @Test func discoveryWithAClientCertificateAndWithAToken() async throws {
        try await KubeTestServer.with { server in
            for auth in [TestAuth.certificate, .token("test-token")] {
                try await server.withClient(auth) { client in
                    let version = try await client.send(.GET, "/version", operation: "GET /version")
                    #expect(version["gitVersion"]?.string == "v1.31.0-urumi-test")
                    #expect(try await client.send(.GET, "/api", operation: "GET /api")["versions"]?.array == ["v1"])
                    let groups = try await client.send(.GET, "/apis", operation: "GET /apis")["groups"]?.array ?? []
                    #expect(groups.compactMap { $0["name"]?.string } == ["apps", "batch"])
                }
            }
            let seen = await server.state.requests.map(\.authentication)
            #expect(seen == ["certificate", "certificate", "certificate", "token", "token", "token"])
        }
    }

    @Test func refusedCredentialsArePermanentAndNeverShowTheToken() async throws {
        try await KubeTestServer.with { server in
            for auth in [TestAuth.token("wrong-secret-token"), .anonymous] {
                let error = await clusterError {
                    try await server.withClient(auth) { client in
                        _ = try await Self.classified { try await client.send(.GET, "/version", operation: "GET /version") }
                    }
                }
                #expect(error?.kind == .permanent)
                #expect(error?.message.contains("401") == true)
                #expect(error?.message.contains("wrong-secret-token") == false)
            }
        }
    }

    @Test func aCertificateFromAnotherCAOrAServerWeDoNotTrustIsUnreachable() async throws {
        try await KubeTestServer.with { server in
            let rogue = await clusterError {
                try await server.withClient(.rogueCertificate) { client in
                    _ = try await client.send(.GET, "/version", operation: "GET /version")
                }
            }
            #expect(rogue?.kind == .transient)
            #expect(rogue?.message.contains("cannot reach") == true)
            var untrusted = server.connection(.certificate)
            untrusted.certificateAuthorityPEM = nil
            let error = await clusterError {
                try await server.withClient(untrusted) { client in _ = try await client.send(.GET, "/version", operation: "GET /version") }
            }
            #expect(error?.kind == .transient)
            var insecure = server.connection(.token("test-token"))
            insecure.certificateAuthorityPEM = nil
            insecure.insecureSkipTLSVerify = true
            try await server.withClient(insecure) { client in
                let version = try await client.send(.GET, "/version", operation: "GET /version")
                #expect(version["major"]?.string == "1")
            }
        }
    }

    @Test func nothingListeningIsTransient() async throws {
        let connection = KubernetesConnection(server: "https://127.0.0.1:1", credentials: .token("x"), source: "test")
        let client = try KubernetesClient(connection: connection, requestTimeout: .seconds(5))
        let error = await clusterError { _ = try await client.send(.GET, "/version", operation: "GET /version") }
        await client.shutdown()
        #expect(error?.kind == .transient)
    }

    @Test func injectedStatusesAreClassifiedWithTheServersMessage() async throws {
        try await KubeTestServer.with { server in
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                for (code, kind) in [(403, ClusterError.Kind.permanent), (422, .permanent), (429, .transient), (500, .transient)] {
                    await server.state.inject(code, method: "POST", pathPrefix: "/api/v1/namespaces", message: "injected \(code) for the test")
                    let error = await clusterError { _ = try await namespaces.ensure("store-\(code)", storeID: "id") }
                    #expect(error?.kind == kind, "\(code)")
                    #expect(error?.message.contains("injected \(code) for the test") == true)
                }
                // After the faults, the same call goes through.
                let created = try await namespaces.ensure("store-500", storeID: "id")
                #expect(created["created"] == "true")
            }
        }
    }

    @Test func creatingTheNamespaceIsIdempotentAndLabelled() async throws {
        try await KubeTestServer.with { server in
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                let id = StoreID().description
                let first = try await namespaces.ensure("store-\(id)", storeID: id)
                let second = try await namespaces.ensure("store-\(id)", storeID: id)
                #expect(first == ["namespace": "store-\(id)", "created": "true"])
                #expect(second == ["namespace": "store-\(id)", "created": "false"])
                let labels = await server.state.get("namespaces", nil, "store-\(id)")?.labels ?? [:]
                #expect(labels["app.kubernetes.io/managed-by"] == "urumi")
                #expect(labels["urumi.io/store-id"] == id)
                #expect(labels["pod-security.kubernetes.io/enforce"] == "baseline")
                #expect(labels["pod-security.kubernetes.io/warn"] == "restricted")
                #expect(labels["pod-security.kubernetes.io/audit"] == "restricted")
                let posts = await server.state.requests.filter { $0.method == "POST" }
                #expect(posts.map(\.status) == [201, 409])
                for post in posts {
                    let body = try JSONValue.parse(Data(post.body.utf8))
                    #expect(RequestValidation.namespace(body).isEmpty)
                }
            }
        }
    }

    @Test func aNamespaceThatIsNotOursIsNeverTakenOrDeleted() async throws {
        try await KubeTestServer.with { server in
            await server.state.create("namespaces", nil, ["metadata": ["name": "store-taken", "labels": ["urumi.io/store-id": "someone-else"]], "status": ["phase": "Active"]])
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                let taken = await clusterError { _ = try await namespaces.ensure("store-taken", storeID: "mine") }
                #expect(taken?.kind == .permanent)
                #expect(taken?.message.contains("does not belong to this store") == true)
                let delete = await clusterError { try await namespaces.delete("store-taken", storeID: "mine") }
                #expect(delete?.kind == .permanent)
                #expect(await server.state.get("namespaces", nil, "store-taken") != nil)
            }
        }
    }

    @Test func aTerminatingNamespaceIsATransientErrorUntilItIsGone() async throws {
        try await KubeTestServer.with { server in
            await server.state.setNamespaceDeletionDelay(nil)
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                _ = try await namespaces.ensure("store-t", storeID: "t")
                _ = await server.state.beginNamespaceDeletion("store-t")
                let error = await clusterError { _ = try await namespaces.ensure("store-t", storeID: "t") }
                #expect(error?.kind == .transient)
                #expect(error?.message.contains("Terminating") == true)
                await server.state.finishNamespaceDeletion("store-t")
                let again = try await namespaces.ensure("store-t", storeID: "t")
                #expect(again["created"] == "true")
            }
        }
    }

    /// A repeated undo (after a crash, a takeover, a retry) finds the namespace Terminating: the
    /// API server would answer a second DELETE with 409, so the adapter only waits for it.
    @Test func aRepeatedDeleteOfATerminatingNamespaceWaitsForItInsteadOfFailing() async throws {
        try await KubeTestServer.with { server in
            await server.state.setNamespaceDeletionDelay(.seconds(1))
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                _ = try await namespaces.ensure("store-r", storeID: "r")
                _ = await server.state.beginNamespaceDeletion("store-r")
                try await namespaces.delete("store-r", storeID: "r")
                #expect(await server.state.get("namespaces", nil, "store-r") == nil)
                #expect(await server.state.requests.filter { $0.method == "DELETE" }.isEmpty)
            }
        }
    }

    @Test func deletingWaitsUntilTheNamespaceIsGoneByWatch() async throws {
        try await KubeTestServer.with { server in
            // Long enough that the deletion is still under way when the client starts watching,
            // however loaded the machine is.
            await server.state.setNamespaceDeletionDelay(.seconds(2))
            try await server.withClient { client in
                let namespaces = KubernetesNamespaces(client: client, watchSeconds: 5)
                _ = try await namespaces.ensure("store-d", storeID: "d")
                let started = ContinuousClock.now
                try await namespaces.delete("store-d", storeID: "d")
                #expect(ContinuousClock.now - started >= .milliseconds(1900))
                #expect(await server.state.get("namespaces", nil, "store-d") == nil)
                // Deleting what is gone is success.
                try await namespaces.delete("store-d", storeID: "d")
                let requests = await server.state.requests
                let watches = requests.filter { $0.query["watch"] == "1" }
                #expect(!watches.isEmpty)
                #expect(watches.allSatisfy { $0.query["allowWatchBookmarks"] == "true" && $0.query["fieldSelector"] == "metadata.name=store-d" })
                // A handful of requests, not a polling loop.
                #expect(requests.count < 12)
                let deletes = requests.filter { $0.method == "DELETE" }
                #expect(deletes.count == 1)
                for delete in deletes {
                    let options = try JSONValue.parse(Data(delete.body.utf8))
                    #expect(RequestValidation.deleteOptions(options).isEmpty)
                    #expect(options[path: "preconditions", "uid"]?.string != nil)
                }
            }
        }
    }

    @Test func theBodiesValidateAgainstTheKubernetesSchemas() async throws {
        let namespace = NamespaceManifest.body(name: "store-\(StoreID())", storeID: StoreID().description)
        try await KubernetesSchemaValidator.validate(namespace, kind: "Namespace")
    }

    static func classified<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KubernetesAPIError {
            throw KubernetesErrorClassifier.classify(error)
        }
    }
}
