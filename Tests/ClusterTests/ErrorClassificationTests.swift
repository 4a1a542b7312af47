import Cluster
import Provisioning
import Testing

/// What the saga sees for each kind of failure: retry (transient) or compensate (permanent).
@Suite struct ErrorClassificationTests {
    static let apiCases: [(code: Int, kind: ClusterError.Kind)] = [
        (401, .permanent), (403, .permanent), (404, .permanent), (409, .permanent), (422, .permanent),
        (400, .permanent), (405, .permanent), (408, .transient), (410, .transient), (429, .transient),
        (500, .transient), (502, .transient), (503, .transient), (504, .transient),
    ]

    @Test(arguments: apiCases)
    func kubernetesStatuses(code: Int, kind: ClusterError.Kind) {
        let error = KubernetesErrorClassifier.classify(
            KubernetesAPIError(code: code, reason: "Reason", message: "the server's own words", operation: "create namespace store-x"))
        #expect(error.kind == kind)
        #expect(error.message.contains("the server's own words"))
        #expect(error.message.contains("create namespace store-x"))
        #expect(error.message.contains("\(code)"))
    }

    @Test func unreachableServersAreTransientAndSaySo() {
        struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let error = KubernetesErrorClassifier.unreachable("https://127.0.0.1:1", Refused(), operation: "GET /version")
        #expect(error.kind == .transient)
        #expect(error.isUnreachable, "the saga waits for the cluster instead of giving up")
        #expect(error.message.contains("connection refused"))
    }

    @Test(arguments: apiCases)
    func anAPIServerThatAnswersWasReached(code: Int, kind: ClusterError.Kind) {
        let error = KubernetesErrorClassifier.classify(
            KubernetesAPIError(code: code, reason: nil, message: nil, operation: "create namespace store-x"))
        #expect(!error.isUnreachable, "\(code): an answer, even a 5xx, comes from a reachable cluster")
    }

    /// What helm prints when it cannot talk to the API server, and failures that look alike
    /// but come from a cluster that answered.
    static let helmReachability: [(stderr: String, unreachable: Bool)] = [
        ("Error: INSTALLATION FAILED: Kubernetes cluster unreachable: Get \"https://10.0.0.1:6443/version\": dial tcp 10.0.0.1:6443: connect: connection refused", true),
        ("Error: UPGRADE FAILED: Get \"https://api:6443/apis\": net/http: TLS handshake timeout", true),
        ("Error: Kubernetes cluster unreachable: Get \"https://api.example:6443/version\": dial tcp: lookup api.example on 10.96.0.10:53: no such host", true),
        ("Error: UPGRADE FAILED: Get \"https://10.0.0.1:6443/api/v1/namespaces/store-1/secrets\": dial tcp 10.0.0.1:6443: i/o timeout", true),
        ("Error: INSTALLATION FAILED: Internal error occurred: failed calling webhook \"validate.nginx.ingress.kubernetes.io\": Post \"https://ingress-nginx-controller-admission.ingress-nginx.svc:443/\": dial tcp 10.96.1.1:443: connect: connection refused", false),
        ("Error: INSTALLATION FAILED: failed post-install: timed out waiting for the condition", false),
        ("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress", false),
        ("Error: INSTALLATION FAILED: the server is currently unable to handle the request", false),
        ("Error: INSTALLATION FAILED: failed post-install: job failed: DeadlineExceeded", false),
    ]

    @Test(arguments: helmReachability)
    func helmTellsAnUnreachableClusterFromOneThatAnswered(stderr: String, unreachable: Bool) {
        let error = HelmErrorClassifier.classify(command: "helm upgrade --install store-1", exitCode: 1, output: stderr)
        #expect(error.isUnreachable == unreachable, "\(stderr)")
        if unreachable { #expect(error.kind == .transient) }
    }

    static let helmCases: [(stderr: String, kind: ClusterError.Kind)] = [
        ("Error: INSTALLATION FAILED: Kubernetes cluster unreachable: Get \"https://10.0.0.1:6443/version\": dial tcp 10.0.0.1:6443: connect: connection refused", .transient),
        ("Error: UPGRADE FAILED: Get \"https://api:6443/apis\": net/http: TLS handshake timeout", .transient),
        ("Error: INSTALLATION FAILED: failed post-install: timed out waiting for the condition", .transient),
        ("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress", .transient),
        ("Error: INSTALLATION FAILED: the server is currently unable to handle the request", .transient),
        ("Error: INSTALLATION FAILED: context deadline exceeded", .transient),
        ("Error: INSTALLATION FAILED: failed post-install: 1 error occurred:\n\t* job store-ab12cd34-setup failed: BackoffLimitExceeded", .permanent),
        ("Error: INSTALLATION FAILED: failed post-install: job failed: DeadlineExceeded", .permanent),
        ("Error: INSTALLATION FAILED: parse error at (store/templates/secret.yaml:12): unexpected \"}\" in operand", .permanent),
        ("Error: INSTALLATION FAILED: template: store/templates/_helpers.tpl:14:3: executing \"store.plan\" at <fail>: error calling fail: plan \"tiny\" has no entry under plans", .permanent),
        ("Error: values don't meet the specifications of the schema(s) in the following chart(s):\nstore:\n- plan: plan must be one of the following: \"small\", \"medium\", \"large\"", .permanent),
        ("Error: INSTALLATION FAILED: Deployment.apps \"store-1-wordpress\" is invalid: spec.template.spec.containers[0].image: Required value", .permanent),
        ("Error: INSTALLATION FAILED: statefulsets.apps is forbidden: User \"system:serviceaccount:urumi:urumi\" cannot create resource", .permanent),
        ("Error: path \"/charts/store\" not found", .permanent),
    ]

    @Test(arguments: helmCases)
    func helmFailures(stderr: String, kind: ClusterError.Kind) {
        let error = HelmErrorClassifier.classify(command: "helm upgrade --install store-1", exitCode: 1, output: stderr)
        #expect(error.kind == kind, "\(stderr)")
        #expect(error.message.contains(stderr))
        #expect(error.message.contains("exit 1"))
    }

    @Test func helmKilledBySignalIsTransient() {
        #expect(HelmErrorClassifier.classify(command: "helm", exitCode: nil, output: "").kind == .transient)
    }

    @Test func uninstallOfAMissingReleaseIsRecognised() {
        #expect(HelmErrorClassifier.isReleaseNotFound("Error: uninstall: Release not loaded: store-1: release: not found"))
        #expect(!HelmErrorClassifier.isReleaseNotFound("Error: uninstall: failed to delete release: store-1: Unauthorized"))
    }

    @Test func secretsAreRedacted() {
        let redactor = SecretRedactor(secrets: ["hunter2-secret-value"])
        let text = redactor.redact(
            """
            Error: password=abc123 and MYSQL_ROOT_PASSWORD: "s3cr3t" token=t0k3n
            Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1cnVtaSJ9.c2lnbmF0dXJl
            https://admin:pa55@db.example.com/x leaked hunter2-secret-value
            """)
        for secret in ["abc123", "s3cr3t", "t0k3n", "eyJhbGciOiJSUzI1NiJ9", "pa55", "hunter2-secret-value"] {
            #expect(!text.contains(secret), "\(secret) leaked: \(text)")
        }
        #expect(text.contains("password=<redacted>"))
        #expect(text.contains("Error:"))
    }
}
