@testable import Cluster
import Foundation
import Provisioning
import Testing

/// Kubeconfig parsing and resolution: certificates inline and in files, tokens, token files,
/// contexts, exec plugins, in-cluster, and the kubectl lookup order.
@Suite struct KubeConfigTests {
    let certificates = TestCertificates.shared

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-kubeconfig-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    var twoContexts: String {
        """
        apiVersion: v1
        kind: Config
        current-context: with-data
        preferences: {}
        clusters:
        - name: inline
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: \(certificates.base64(certificates.caCertificate))
            extensions: []
        - name: files
          cluster:
            server: https://kube.example.com:443/
            certificate-authority: certs/ca.crt
        - name: careless
          cluster:
            server: https://10.0.0.1
            insecure-skip-tls-verify: true
        contexts:
        - name: with-data
          context: {cluster: inline, user: cert-data, namespace: default}
        - name: with-files
          context: {cluster: files, user: cert-files}
        - name: with-token
          context: {cluster: careless, user: token}
        - name: with-token-file
          context: {cluster: inline, user: token-file}
        - name: broken-user
          context: {cluster: inline, user: nobody}
        users:
        - name: cert-data
          user:
            client-certificate-data: \(certificates.base64(certificates.clientCertificate))
            client-key-data: \(certificates.base64(certificates.clientKey))
        - name: cert-files
          user:
            client-certificate: certs/client.crt
            client-key: \(certificates.clientKey)
        - name: token
          user:
            token: abc.def
        - name: token-file
          user:
            tokenFile: token.txt
        """
    }

    func writeConfig(_ text: String) throws -> (directory: String, path: String) {
        let directory = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: certificates.caCertificate, toPath: directory + "/certs/ca.crt")
        try FileManager.default.copyItem(atPath: certificates.clientCertificate, toPath: directory + "/certs/client.crt")
        try "file-token\n".write(toFile: directory + "/token.txt", atomically: true, encoding: .utf8)
        let path = directory + "/config"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func theCurrentContextWithInlineCertificates() throws {
        let (_, path) = try writeConfig(twoContexts)
        let connection = try KubeConfigLoader(environment: [:]).load(kubeconfig: path)
        #expect(connection.server == "https://127.0.0.1:6443")
        #expect(connection.certificateAuthorityPEM == Array(certificates.contents(certificates.caCertificate).utf8))
        #expect(connection.clientCertificatePEM == Array(certificates.contents(certificates.clientCertificate).utf8))
        #expect(connection.clientKeyPEM == Array(certificates.contents(certificates.clientKey).utf8))
        #expect(connection.credentials == .none)
        #expect(!connection.insecureSkipTLSVerify)
        #expect(connection.source.contains("context with-data"))
    }

    @Test func certificateFilesAreRelativeToTheKubeconfig() throws {
        let (_, path) = try writeConfig(twoContexts)
        let connection = try KubeConfigLoader(environment: [:]).load(kubeconfig: path, context: "with-files")
        #expect(connection.server == "https://kube.example.com:443")
        #expect(connection.certificateAuthorityPEM == Array(certificates.contents(certificates.caCertificate).utf8))
        #expect(connection.clientCertificatePEM == Array(certificates.contents(certificates.clientCertificate).utf8))
        #expect(connection.clientKeyPEM == Array(certificates.contents(certificates.clientKey).utf8))
    }

    @Test func tokensAndTokenFiles() throws {
        let (directory, path) = try writeConfig(twoContexts)
        let token = try KubeConfigLoader(environment: [:]).load(kubeconfig: path, context: "with-token")
        #expect(token.credentials == .token("abc.def"))
        #expect(token.insecureSkipTLSVerify)
        #expect(token.certificateAuthorityPEM == nil)
        let file = try KubeConfigLoader(environment: [:]).load(kubeconfig: path, context: "with-token-file")
        #expect(file.credentials == .tokenFile(directory + "/token.txt"))
    }

    @Test func unknownContextsAndUsersSayWhatIsWrong() throws {
        let (_, path) = try writeConfig(twoContexts)
        #expect { try KubeConfigLoader(environment: [:]).load(kubeconfig: path, context: "nope") } throws: { error in
            "\(error)".contains("no context nope") && "\(error)".contains("with-data")
        }
        #expect { try KubeConfigLoader(environment: [:]).load(kubeconfig: path, context: "broken-user") } throws: { error in
            "\(error)".contains("unknown user nobody")
        }
        #expect { try KubeConfigFile.parse("clusters: [") } throws: { "\($0)".contains("not valid") }
        // The message says where, never what: the lines around a mistake can hold a token.
        let broken = "users:\n- name: u\n  user:\n    token: s3cr3t-t0ken\n    client-key-data: [unclosed\n"
        #expect { try KubeConfigFile.parse(broken) } throws: { error in
            "\(error)".contains("line") && !"\(error)".contains("s3cr3t") && !"\(error)".contains("unclosed")
        }
        let wrongShape = "users:\n- name: u\n  user:\n    token: [s3cr3t-t0ken]\n"
        #expect { try KubeConfigFile.parse(wrongShape) } throws: { error in
            "\(error)".contains("users") && !"\(error)".contains("s3cr3t")
        }
    }

    @Test func theLookupOrderIsFlagThenKUBECONFIGThenHomeThenInCluster() throws {
        let (_, path) = try writeConfig(twoContexts)
        let home = try temporaryDirectory()
        // --kubeconfig wins over everything.
        #expect(try KubeConfigLoader(environment: ["KUBECONFIG": "/nope"], homeDirectory: home).load(kubeconfig: path).source.contains(path))
        // $KUBECONFIG: the first file of the list that exists.
        let viaEnvironment = try KubeConfigLoader(environment: ["KUBECONFIG": "/missing/config:\(path)"], homeDirectory: home).load()
        #expect(viaEnvironment.source.contains(path))
        // Nothing at all: a message that lists the ways.
        #expect { try KubeConfigLoader(environment: [:], homeDirectory: home).load() } throws: { "\($0)".contains("--kubeconfig") }
        // ~/.kube/config.
        try FileManager.default.createDirectory(atPath: home + "/.kube", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path, toPath: home + "/.kube/config")
        #expect(try KubeConfigLoader(environment: [:], homeDirectory: home).load().source.contains(home))
    }

    @Test func inClusterUsesTheServiceAccount() throws {
        let directory = try temporaryDirectory()
        try "sa-token".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: certificates.caCertificate, toPath: directory + "/ca.crt")
        let loader = KubeConfigLoader(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            homeDirectory: try temporaryDirectory(), serviceAccountDirectory: directory)
        let connection = try loader.load()
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.credentials == .tokenFile(directory + "/token"))
        #expect(connection.certificateAuthorityPEM != nil)
        #expect(connection.source == "in-cluster service account")
        let v6 = KubeConfigLoader(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1"], serviceAccountDirectory: directory)
        #expect(try v6.inCluster().server == "https://[fd00::1]:443")
        let noToken = KubeConfigLoader(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1"], serviceAccountDirectory: "/nonexistent")
        #expect { try noToken.inCluster() } throws: { "\($0)".contains("token") }
    }

    /// A plugin script that prints an ExecCredential and counts its runs.
    func plugin(expiresIn seconds: Int?, directory: String, delay: String = "0") throws -> String {
        let expiry = seconds.map { s -> String in
            let date = Date().addingTimeInterval(TimeInterval(s))
            return #", "expirationTimestamp": "\#(ISO8601DateFormatter().string(from: date))""#
        } ?? ""
        let script = """
            #!/bin/sh
            echo run >> "\(directory)/runs"
            sleep \(delay)
            [ "$KUBERNETES_EXEC_INFO" != "" ] || { echo "no exec info" >&2; exit 3; }
            [ "$1" = "--cluster" ] && [ "$2" = "test" ] || { echo "bad args" >&2; exit 4; }
            echo '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "'"$PLUGIN_TOKEN"'"\(expiry)}}'
            """
        let path = directory + "/plugin.sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test(.timeLimit(.minutes(1))) func execPluginsAreParsedRunAndCachedUntilExpiry() async throws {
        let directory = try temporaryDirectory()
        _ = try plugin(expiresIn: 3600, directory: directory)
        let config = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./plugin.sh
                  args: ["--cluster", "test"]
                  env: [{name: PLUGIN_TOKEN, value: from-plugin}]
                  installHint: install the test plugin
                  interactiveMode: Never
            """
        try config.write(toFile: directory + "/config", atomically: true, encoding: .utf8)
        let connection = try KubeConfigLoader(environment: [:]).load(kubeconfig: directory + "/config")
        guard case .exec(let exec) = connection.credentials else {
            Issue.record("expected an exec plugin, got \(connection.credentials)")
            return
        }
        #expect(exec.command == directory + "/./plugin.sh")
        #expect(exec.arguments == ["--cluster", "test"])
        #expect(exec.environment == ["PLUGIN_TOKEN": "from-plugin"])
        let source = KubeTokenSource(connection.credentials)
        #expect(try await source.token() == "from-plugin")
        #expect(try await source.token() == "from-plugin")
        #expect(await source.pluginRuns == 1)
        await source.invalidate()
        #expect(try await source.token() == "from-plugin")
        #expect(await source.pluginRuns == 2)
    }

    /// Requests that need a token while the plugin runs wait for that run (one process, not
    /// one per request).
    @Test(.timeLimit(.minutes(1))) func concurrentRequestsShareOnePluginRun() async throws {
        let directory = try temporaryDirectory()
        let path = try plugin(expiresIn: 3600, directory: directory, delay: "0.5")
        let source = KubeTokenSource(
            .exec(ExecCredentialPlugin(command: path, arguments: ["--cluster", "test"], environment: ["PLUGIN_TOKEN": "shared"])))
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try await source.token() } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(tokens == Array(repeating: "shared", count: 8))
        #expect(await source.pluginRuns == 1)
    }

    @Test(.timeLimit(.minutes(1))) func anExpiredExecCredentialIsFetchedAgain() async throws {
        let directory = try temporaryDirectory()
        let path = try plugin(expiresIn: -60, directory: directory)
        let source = KubeTokenSource(
            .exec(ExecCredentialPlugin(command: path, arguments: ["--cluster", "test"], environment: ["PLUGIN_TOKEN": "t1"])))
        #expect(try await source.token() == "t1")
        #expect(try await source.token() == "t1")
        #expect(await source.pluginRuns == 2)
    }

    @Test(.timeLimit(.minutes(1))) func aMissingOrFailingPluginIsReportedWithItsHint() async throws {
        let missing = KubeTokenSource(.exec(ExecCredentialPlugin(command: "urumi-no-such-plugin", installHint: "brew install it")))
        let notFound = await clusterError { _ = try await missing.token() }
        #expect(notFound?.kind == .permanent)
        #expect(notFound?.message.contains("brew install it") == true)
        let directory = try temporaryDirectory()
        let path = try plugin(expiresIn: nil, directory: directory)
        let failing = KubeTokenSource(.exec(ExecCredentialPlugin(command: path, arguments: ["wrong"])))
        let failed = await clusterError { _ = try await failing.token() }
        #expect(failed?.kind == .transient)
        #expect(failed?.message.contains("bad args") == true)
    }

    @Test func execCredentialAnswersAreChecked() throws {
        let v1 = "client.authentication.k8s.io/v1"
        func parse(_ json: String) -> String? { try? ExecCredential.parse(json, expectedAPIVersion: v1).token }
        #expect(parse(#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"x"}}"#) == "x")
        #expect(parse(#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}}"#) == nil)
        #expect(parse(#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}}"#) == nil)
        #expect(parse("not json") == nil)
        let dated = try ExecCredential.parse(
            #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"x","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#,
            expectedAPIVersion: v1)
        #expect(dated.expiration == ISO8601DateFormatter().date(from: "2030-01-02T03:04:05Z"))
    }
}
