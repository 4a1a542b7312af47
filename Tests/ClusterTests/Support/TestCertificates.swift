import Foundation

/// Certificates for the Kubernetes API test server, generated with `openssl` (Debian's) once per
/// test run into a temporary directory: a test CA, a server certificate for 127.0.0.1 and
/// localhost, a client certificate signed by the CA, and a client certificate signed by another
/// CA that the server does not trust. Nothing is committed.
struct TestCertificates: Sendable {
    let directory: String
    var caCertificate: String { path("ca.crt") }
    var serverCertificate: String { path("server.crt") }
    var serverKey: String { path("server.key") }
    var clientCertificate: String { path("client.crt") }
    var clientKey: String { path("client.key") }
    var rogueCertificate: String { path("rogue-client.crt") }
    var rogueKey: String { path("rogue-client.key") }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func contents(_ file: String) -> String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }

    func base64(_ file: String) -> String { Data(contents(file).utf8).base64EncodedString() }

    static let shared: TestCertificates = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-k8s-certs-\(UUID())").path
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let script = """
            set -e
            cd '\(directory)'
            cat > server.ext <<'X'
            subjectAltName=IP:127.0.0.1,DNS:localhost
            extendedKeyUsage=serverAuth
            X
            cat > client.ext <<'X'
            extendedKeyUsage=clientAuth
            X
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=urumi-test-ca' 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=kube-apiserver' 2>/dev/null
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/O=system:masters/CN=urumi' 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 -extfile client.ext 2>/dev/null
            openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.crt -days 2 -subj '/CN=rogue-ca' 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout rogue-client.key -out rogue-client.csr -subj '/CN=intruder' 2>/dev/null
            openssl x509 -req -in rogue-client.csr -CA rogue-ca.crt -CAkey rogue-ca.key -CAcreateserial -out rogue-client.crt -days 2 -extfile client.ext 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "openssl could not generate the test certificates (is openssl installed?)")
        return certificates
    }()
}
