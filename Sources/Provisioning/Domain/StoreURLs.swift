/// Where a ready store answers.
public struct StoreURLs: Sendable, Hashable, Codable {
    public let shop: String
    public let admin: String

    public init(shop: String, admin: String) {
        self.shop = shop
        self.admin = admin
    }

    public init(domain: String) {
        self.init(shop: "https://\(domain)/", admin: "https://\(domain)/wp-admin/")
    }
}
