import Foundation
import Yams

/// The parts of a kubeconfig file (`kind: Config`) that Urumi uses. Unknown keys are ignored,
/// as kubectl does.
public struct KubeConfigFile: Sendable, Decodable, Hashable {
    public var currentContext: String?
    public var clusters: [Named<Cluster>]
    public var contexts: [Named<Context>]
    public var users: [Named<User>]

    public struct Named<Value: Sendable & Decodable & Hashable>: Sendable, Decodable, Hashable {
        public var name: String
        public var value: Value

        enum CodingKeys: String, CodingKey {
            case name, cluster, context, user
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            let key: CodingKeys =
                Value.self == Cluster.self ? .cluster : Value.self == Context.self ? .context : .user
            // An entry without its body (`- name: x`) is valid YAML and means "all defaults".
            if let value = try container.decodeIfPresent(Value.self, forKey: key) {
                self.value = value
            } else {
                self.value = try Value(from: EmptyDecoder())
            }
        }
    }

    public struct Cluster: Sendable, Decodable, Hashable {
        public var server: String?
        public var certificateAuthority: String?
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    public struct Context: Sendable, Decodable, Hashable {
        public var cluster: String?
        public var user: String?
        public var namespace: String?
    }

    public struct User: Sendable, Decodable, Hashable {
        public var clientCertificate: String?
        public var clientCertificateData: String?
        public var clientKey: String?
        public var clientKeyData: String?
        public var token: String?
        public var tokenFile: String?
        public var exec: Exec?
        public var username: String?
        public var authProvider: JSONValue?

        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, exec, username
            case authProvider = "auth-provider"
        }
    }

    /// `users[].user.exec`: a credential plugin (client.authentication.k8s.io).
    public struct Exec: Sendable, Decodable, Hashable {
        public var apiVersion: String?
        public var command: String
        public var args: [String]?
        public var env: [EnvVar]?
        public var installHint: String?

        public struct EnvVar: Sendable, Decodable, Hashable {
            public var name: String
            public var value: String
        }
    }

    enum CodingKeys: String, CodingKey {
        case currentContext = "current-context"
        case clusters, contexts, users
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        currentContext = try container.decodeIfPresent(String.self, forKey: .currentContext)
        clusters = try container.decodeIfPresent([Named<Cluster>].self, forKey: .clusters) ?? []
        contexts = try container.decodeIfPresent([Named<Context>].self, forKey: .contexts) ?? []
        users = try container.decodeIfPresent([Named<User>].self, forKey: .users) ?? []
    }

    /// Where a YAML error is, without the text around it.
    static func position(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        default:
            return "cannot be read"
        }
    }

    /// The coding path of a decoding error (keys only, never values).
    static func path(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return "an unknown place"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "the top level" : path
    }

    /// Parses kubeconfig YAML.
    public static func parse(_ text: String) throws -> KubeConfigFile {
        do {
            return try YAMLDecoder().decode(KubeConfigFile.self, from: text)
        } catch let error as YamlError {
            // Yams' own description quotes the offending lines, which can be a token or a key.
            throw KubeConfigError("the kubeconfig is not valid YAML (\(Self.position(error)))")
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, let yaml = context.underlyingError as? YamlError {
                throw KubeConfigError("the kubeconfig is not valid YAML (\(Self.position(yaml)))")
            }
            throw KubeConfigError("the kubeconfig is not valid: unexpected shape at \(Self.path(error))")
        } catch {
            throw KubeConfigError("the kubeconfig is not valid")
        }
    }
}

/// Decodes a keyed container with no keys (so every optional field is nil).
private struct EmptyDecoder: Decoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(EmptyContainer<Key>())
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "empty"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "empty"))
    }
}

private struct EmptyContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] = []
    func contains(_ key: Key) -> Bool { false }
    func decodeNil(forKey key: Key) throws -> Bool { true }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "empty entry"))
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        KeyedDecodingContainer(EmptyContainer<NestedKey>())
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "empty entry"))
    }
    func superDecoder() throws -> any Decoder { EmptyDecoder() }
    func superDecoder(forKey key: Key) throws -> any Decoder { EmptyDecoder() }
}
