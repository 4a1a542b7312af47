import Cluster
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Routes the test server's requests: authentication, injected faults, then the API.
struct KubeResponder: HTTPResponder {
    typealias Context = KubeRequestContext
    let state: KubeTestState

    /// The collections the server knows: resource name → (API prefix, namespaced, kind).
    static let collections: [String: (prefix: String, kind: String)] = [
        "pods": ("/api/v1", "Pod"), "statefulsets": ("/apis/apps/v1", "StatefulSet"),
        "deployments": ("/apis/apps/v1", "Deployment"), "jobs": ("/apis/batch/v1", "Job"),
        "secrets": ("/api/v1", "Secret"), "rolebindings": ("/apis/rbac.authorization.k8s.io/v1", "RoleBinding"),
        "certificates": ("/apis/cert-manager.io/v1", "Certificate"), "cronjobs": ("/apis/batch/v1", "CronJob"),
        "services": ("/api/v1", "Service"), "persistentvolumeclaims": ("/api/v1", "PersistentVolumeClaim"),
        "ingresses": ("/apis/networking.k8s.io/v1", "Ingress"),
    ]

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let bodyBuffer = try await request.body.collect(upTo: 1 << 20)
        let body = String(buffer: bodyBuffer)
        let method = request.method.rawValue
        var authentication = "none"
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            guard await state.tokens.contains(String(header.dropFirst(7))) else {
                let index = await state.record(.init(method: method, path: path, query: query, body: body, authentication: "bad token"))
                await state.setStatus(of: index, 401)
                return Self.status(401, "Unauthorized", "Unauthorized")
            }
            authentication = "token"
        } else if await context.clientCertificate() != nil {
            authentication = "certificate"
        }
        let index = await state.record(.init(method: method, path: path, query: query, body: body, authentication: authentication))
        let response = await route(method: method, path: path, query: query, body: body, authentication: authentication)
        await state.setStatus(of: index, response.status.code)
        return response
    }

    private func route(method: String, path: String, query: [String: String], body: String, authentication: String) async -> Response {
        guard authentication != "none" else { return Self.status(401, "Unauthorized", "Unauthorized") }
        if let fault = await state.takeFault(method: method, path: path) {
            let reason = [403: "Forbidden", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 401: "Unauthorized"][fault.status] ?? "Failure"
            return Self.status(fault.status, reason, fault.message)
        }
        let parts = path.split(separator: "/").map(String.init)
        switch (method, parts.joined(separator: "/")) {
        case ("GET", "version"):
            return Self.json(200, ["major": "1", "minor": "31", "gitVersion": "v1.31.0-urumi-test", "platform": "linux/amd64"])
        case ("GET", "api"):
            return Self.json(200, ["kind": "APIVersions", "versions": ["v1"]])
        case ("GET", "apis"):
            return Self.json(200, [
                "kind": "APIGroupList", "apiVersion": "v1",
                "groups": [
                    ["name": "apps", "versions": [["groupVersion": "apps/v1", "version": "v1"]]],
                    ["name": "batch", "versions": [["groupVersion": "batch/v1", "version": "v1"]]],
                ],
            ])
        case ("POST", "api/v1/namespaces"):
            return await createNamespace(body)
        case ("POST", "apis/authentication.k8s.io/v1/selfsubjectreviews"):
            // The client certificate's CN, or the service account of the token.
            let username = authentication == "certificate" ? "urumi" : "system:serviceaccount:urumi:urumi"
            return Self.json(201, [
                "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                "status": ["userInfo": ["username": .string(username), "groups": ["system:authenticated"]]],
            ])
        case ("POST", "apis/authorization.k8s.io/v1/selfsubjectaccessreviews"):
            let review = (try? JSONValue.parse(Data(body.utf8))) ?? .null
            let namespace = review[path: "spec", "resourceAttributes", "namespace"]?.string ?? ""
            return Self.json(201, [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": review["spec"] ?? .null,
                "status": ["allowed": .bool(await state.mayWorkIn(namespace))],
            ])
        case ("GET", "api/v1/namespaces"):
            return await listOrWatch("namespaces", nil, query)
        default:
            break
        }
        if parts.count == 4, parts.prefix(3) == ["api", "v1", "namespaces"] {
            let name = parts[3]
            switch method {
            case "GET":
                guard let namespace = await state.get("namespaces", nil, name) else { return Self.notFound("namespaces", name) }
                return Self.json(200, namespace)
            case "DELETE":
                return await deleteNamespace(name, body)
            default:
                break
            }
        }
        // Namespaced collections: /api/v1/namespaces/NS/pods, /apis/apps/v1/namespaces/NS/statefulsets[/NAME]
        if let range = parts.firstIndex(of: "namespaces"), parts.count > range + 2 {
            let namespace = parts[range + 1]
            let resource = parts[range + 2]
            let name = parts.count > range + 3 ? parts[range + 3] : nil
            guard let collection = Self.collections[resource],
                "/" + parts[..<range].joined(separator: "/") == collection.prefix
            else { return Self.status(404, "NotFound", "the server could not find the requested resource") }
            if resource != "rolebindings", !(await state.mayWorkIn(namespace)) {
                return Self.status(403, "Forbidden", "\(resource) is forbidden: User \"urumi\" cannot \(method.lowercased()) resource \"\(resource)\" in the namespace \"\(namespace)\"")
            }
            switch (method, name) {
            case ("GET", nil): return await listOrWatch(resource, namespace, query)
            case ("GET", let name?):
                guard let object = await state.get(resource, namespace, name) else { return Self.notFound(resource, name) }
                return Self.json(200, object)
            case ("POST", nil): return await createWorkload(resource, namespace, body)
            case ("PUT", let name?): return await replaceWorkload(resource, namespace, name, body)
            case ("DELETE", let name?):
                guard await state.get(resource, namespace, name) != nil else { return Self.notFound(resource, name) }
                await state.remove(resource, namespace, name)
                return Self.json(200, ["kind": "Status", "apiVersion": "v1", "status": "Success"])
            default: break
            }
        }
        return Self.status(405, "MethodNotAllowed", "\(method) \(path) is not supported by the test server")
    }

    // MARK: Namespaces

    private func createNamespace(_ body: String) async -> Response {
        guard let object = try? JSONValue.parse(Data(body.utf8)) else { return Self.status(400, "BadRequest", "body is not JSON") }
        let problems = RequestValidation.namespace(object)
        guard problems.isEmpty else { return Self.status(422, "Invalid", "Namespace is invalid: \(problems.joined(separator: "; "))") }
        let name = object.name
        if await state.get("namespaces", nil, name) != nil {
            return Self.status(409, "AlreadyExists", "namespaces \"\(name)\" already exists")
        }
        var namespace = object
        namespace.set("metadata", "labels", "kubernetes.io/metadata.name", to: .string(name))
        namespace.set("status", "phase", to: "Active")
        return Self.json(201, await state.create("namespaces", nil, namespace))
    }

    private func deleteNamespace(_ name: String, _ body: String) async -> Response {
        var uid: String?
        if !body.isEmpty {
            guard let options = try? JSONValue.parse(Data(body.utf8)) else { return Self.status(400, "BadRequest", "body is not JSON") }
            let problems = RequestValidation.deleteOptions(options)
            guard problems.isEmpty else { return Self.status(422, "Invalid", "DeleteOptions are invalid: \(problems.joined(separator: "; "))") }
            uid = options[path: "preconditions", "uid"]?.string
        }
        guard let existing = await state.get("namespaces", nil, name) else { return Self.notFound("namespaces", name) }
        if let uid, existing[path: "metadata", "uid"]?.string != uid {
            return Self.status(409, "Conflict", "Precondition failed: UID in precondition: \(uid), UID in object meta: other")
        }
        if existing[path: "status", "phase"]?.string == "Terminating" {
            // As the API server answers a second DELETE while the namespace's content is removed.
            return Self.status(
                409, "Conflict",
                "Operation cannot be fulfilled on namespaces \"\(name)\": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.")
        }
        let deleting = await state.beginNamespaceDeletion(name)
        return Self.json(200, deleting ?? existing)
    }

    // MARK: Workloads (created by the helm stand-in)

    private func createWorkload(_ resource: String, _ namespace: String, _ body: String) async -> Response {
        guard let object = try? JSONValue.parse(Data(body.utf8)) else { return Self.status(400, "BadRequest", "body is not JSON") }
        guard let ns = await state.get("namespaces", nil, namespace), ns[path: "status", "phase"]?.string == "Active" else {
            return Self.notFound("namespaces", namespace)
        }
        if await state.get(resource, namespace, object.name) != nil {
            return Self.status(409, "AlreadyExists", "\(resource) \"\(object.name)\" already exists")
        }
        let created = await state.create(resource, namespace, object)
        if !["pods", "secrets", "rolebindings", "certificates", "cronjobs", "services", "persistentvolumeclaims", "ingresses"].contains(resource) { await state.workloadCreated(resource, namespace, created) }
        return Self.json(201, created)
    }

    /// A replace (as `helm upgrade` does for a changed object): a new spec is a new generation,
    /// which the controllers settle again.
    private func replaceWorkload(_ resource: String, _ namespace: String, _ name: String, _ body: String) async -> Response {
        guard let object = try? JSONValue.parse(Data(body.utf8)) else { return Self.status(400, "BadRequest", "body is not JSON") }
        guard object.name == name else { return Self.status(400, "BadRequest", "the name in the body does not match the path") }
        guard let replaced = await state.replaceSpec(resource, namespace, name, with: object) else {
            return Self.notFound(resource, name)
        }
        return Self.json(200, replaced)
    }

    // MARK: List and watch

    private func listOrWatch(_ resource: String, _ namespace: String?, _ query: [String: String]) async -> Response {
        let selector = KubeTestState.Selector(fieldSelector: query["fieldSelector"], labelSelector: query["labelSelector"])
        guard query["watch"] == "1" || query["watch"] == "true" else {
            let (items, version) = await state.list(resource, namespace, selector)
            let kind = (resource == "namespaces" ? "Namespace" : Self.collections[resource]?.kind ?? "Object") + "List"
            return Self.json(200, ["kind": .string(kind), "apiVersion": "v1", "metadata": ["resourceVersion": .string(String(version))], "items": .array(items)])
        }
        let from = Int(query["resourceVersion"] ?? "") ?? 0
        let requested = Int(query["timeoutSeconds"] ?? "") ?? 1800
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let start = await state.watch(resource, namespace, selector, from: from)
        let state = self.state
        switch start {
        case .gone:
            let status: JSONValue = [
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired",
                "message": .string("too old resource version: \(from)"),
            ]
            if await state.goneAsHTTPStatus { return Self.json(410, status) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: KubeTestState.line("ERROR", status))))
        case .stream(let id, let backlog, let lines):
            let limit = min(Duration.seconds(requested), await state.maxWatch)
            let interval = await state.bookmarkInterval
            let body = ResponseBody { writer in
                defer { Task { await state.endWatch(id) } }
                for line in backlog { try await writer.write(ByteBuffer(string: line)) }
                let deadline = ContinuousClock.now + limit
                // Live events, with a bookmark at every quiet interval; the stream ends at the
                // deadline (as timeoutSeconds does) or when the state drops the watch.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (merged, continuation) = AsyncStream.makeStream(of: String?.self)
                    group.addTask {
                        for await line in lines { continuation.yield(line) }
                        continuation.yield(nil)
                    }
                    group.addTask {
                        while ContinuousClock.now < deadline {
                            try await Task.sleep(for: min(interval, deadline - ContinuousClock.now))
                            if bookmarks { await state.bookmark(id) }
                        }
                        continuation.yield(nil)
                    }
                    for await line in merged {
                        guard let line else { break }
                        try await writer.write(ByteBuffer(string: line))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        }
    }

    // MARK: Answers

    static func json(_ code: Int, _ value: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }

    static func status(_ code: Int, _ reason: String, _ message: String) -> Response {
        json(code, ["kind": "Status", "apiVersion": "v1", "status": "Failure", "code": .number(Double(code)), "reason": .string(reason), "message": .string(message)])
    }

    static func notFound(_ resource: String, _ name: String) -> Response {
        status(404, "NotFound", "\(resource) \"\(name)\" not found")
    }
}
