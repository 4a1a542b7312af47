import Foundation

/// Finds and resolves the Kubernetes configuration the way kubectl does: `--kubeconfig`, else
/// `$KUBECONFIG` (its first existing file), else `~/.kube/config`, else the in-cluster service
/// account (`KUBERNETES_SERVICE_HOST`/`PORT` and `/var/run/secrets/kubernetes.io/serviceaccount`).
public struct KubeConfigLoader: Sendable {
    public var environment: [String: String]
    public var homeDirectory: String
    public var serviceAccountDirectory: String

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory(),
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.serviceAccountDirectory = serviceAccountDirectory
    }

    /// The connection to use; `kubeconfig` and `context` are the command line's choices.
    public func load(kubeconfig: String? = nil, context: String? = nil) throws -> KubernetesConnection {
        if let kubeconfig {
            return try resolve(path: kubeconfig, context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init)
            guard let path = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw KubeConfigError("KUBECONFIG names no existing file (\(list))")
            }
            return try resolve(path: path, context: context)
        }
        let home = (homeDirectory as NSString).appendingPathComponent(".kube/config")
        if FileManager.default.fileExists(atPath: home) {
            return try resolve(path: home, context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            if let context { throw KubeConfigError("--kube-context \(context) needs a kubeconfig; running in-cluster there is none") }
            return try inCluster()
        }
        throw KubeConfigError(
            "no Kubernetes configuration: pass --kubeconfig PATH, set KUBECONFIG, create ~/.kube/config, or run in a pod (KUBERNETES_SERVICE_HOST)"
        )
    }

    /// Reads the kubeconfig at `path` and resolves `context` (default: its current context).
    public func resolve(path: String, context: String?) throws -> KubernetesConnection {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubeConfigError("cannot read kubeconfig \(path): \(error.localizedDescription)")
        }
        let file = try KubeConfigFile.parse(text)
        let directory = (path as NSString).deletingLastPathComponent
        return try resolve(file, context: context, directory: directory.isEmpty ? "." : directory, path: path)
    }

    /// Resolves a parsed kubeconfig; relative file names are relative to `directory`.
    public func resolve(_ file: KubeConfigFile, context: String?, directory: String, path: String) throws
        -> KubernetesConnection
    {
        guard let contextName = context ?? file.currentContext, !contextName.isEmpty else {
            throw KubeConfigError("kubeconfig \(path) has no current-context: pass --kube-context NAME")
        }
        guard let chosen = file.contexts.first(where: { $0.name == contextName })?.value else {
            let known = file.contexts.map(\.name).joined(separator: ", ")
            throw KubeConfigError("kubeconfig \(path) has no context \(contextName) (it has: \(known.isEmpty ? "none" : known))")
        }
        guard let clusterName = chosen.cluster, let cluster = file.clusters.first(where: { $0.name == clusterName })?.value
        else {
            throw KubeConfigError("context \(contextName) in \(path) names no known cluster (\(chosen.cluster ?? "none"))")
        }
        guard let server = cluster.server, let url = URL(string: server), url.scheme == "https" || url.scheme == "http"
        else {
            throw KubeConfigError("cluster \(clusterName) in \(path) has no usable server URL")
        }
        var user = KubeConfigFile.User()
        if let userName = chosen.user {
            guard let found = file.users.first(where: { $0.name == userName })?.value else {
                throw KubeConfigError("context \(contextName) in \(path) names an unknown user \(userName)")
            }
            user = found
        }
        let read = FileReader(directory: directory)
        let ca = try read.pem(data: cluster.certificateAuthorityData, file: cluster.certificateAuthority, what: "certificate-authority")
        let cert = try read.pem(data: user.clientCertificateData, file: user.clientCertificate, what: "client-certificate")
        let key = try read.pem(data: user.clientKeyData, file: user.clientKey, what: "client-key")
        if (cert == nil) != (key == nil) {
            throw KubeConfigError("user \(chosen.user ?? "") in \(path) has a client certificate without its key (or a key without its certificate)")
        }
        if user.authProvider != nil {
            throw KubeConfigError(
                "user \(chosen.user ?? "") in \(path) uses an auth-provider, which is not supported: use an exec plugin or a token")
        }
        var credentials = KubeCredentials.none
        if let exec = user.exec {
            var command = exec.command
            if command.contains("/") && !command.hasPrefix("/") { command = read.absolute(command) }
            credentials = .exec(
                ExecCredentialPlugin(
                    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1", command: command,
                    arguments: exec.args ?? [],
                    environment: Dictionary((exec.env ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                    installHint: exec.installHint))
        } else if let token = user.token, !token.isEmpty {
            credentials = .token(token)
        } else if let tokenFile = user.tokenFile, !tokenFile.isEmpty {
            credentials = .tokenFile(read.absolute(tokenFile))
        }
        if url.scheme == "http", credentials != .none || cert != nil {
            throw KubeConfigError(
                "cluster \(clusterName) in \(path) is plain http (\(server)): its credentials would cross the network in clear text; use https")
        }
        return KubernetesConnection(
            server: server, certificateAuthorityPEM: ca, clientCertificatePEM: cert, clientKeyPEM: key,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false, credentials: credentials,
            source: "kubeconfig \(path), context \(contextName)",
            kubeconfigPath: URL(fileURLWithPath: path).standardizedFileURL.path, contextName: contextName)
    }

    /// The pod's service account: API address from the environment, token and CA from files.
    public func inCluster() throws -> KubernetesConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeConfigError("not running in a pod: KUBERNETES_SERVICE_HOST is not set")
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let tokenPath = (serviceAccountDirectory as NSString).appendingPathComponent("token")
        let caPath = (serviceAccountDirectory as NSString).appendingPathComponent("ca.crt")
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError("in-cluster: the service-account token \(tokenPath) is missing (automountServiceAccountToken: false?)")
        }
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubeConfigError("in-cluster: the service-account CA \(caPath) is missing")
        }
        return KubernetesConnection(
            server: "https://\(hostPart):\(port)", certificateAuthorityPEM: Array(ca), credentials: .tokenFile(tokenPath),
            source: "in-cluster service account")
    }
}

/// Reads kubeconfig certificate material given inline (base64) or as a file.
private struct FileReader {
    let directory: String

    func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return (NSHomeDirectory() as NSString).appendingPathComponent(String(path.dropFirst(2))) }
        return (directory as NSString).appendingPathComponent(path)
    }

    func pem(data: String?, file: String?, what: String) throws -> [UInt8]? {
        if let data, !data.isEmpty {
            let compact = data.filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: compact) else {
                throw KubeConfigError("\(what)-data is not valid base64")
            }
            return Array(decoded)
        }
        if let file, !file.isEmpty {
            let path = absolute(file)
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw KubeConfigError("cannot read \(what) file \(path)")
            }
            return Array(contents)
        }
        return nil
    }
}
