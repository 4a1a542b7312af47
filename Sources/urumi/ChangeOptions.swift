import ArgumentParser
import EventStore

/// The change flags of `urumi stores update` and `urumi rollouts create`: what PATCH
/// /stores/{id} and a rollout's `change` take.
struct ChangeOptions: ParsableArguments {
    @Option(help: "The shop's new title.") var name: String?
    @Option(help: "small, medium or large (volumes only grow).") var plan: String?
    @Option(help: "WordPress version, e.g. 7.1.0 (only forward).") var wordpressVersion: String?
    @Option(help: "WooCommerce version, e.g. 11.2.0 (only forward).") var woocommerceVersion: String?
    @Option(
        name: .customLong("plugin"),
        help: ArgumentHelp("A wordpress.org plugin to keep installed, SLUG or SLUG@VERSION (repeatable; the list replaces the current one).", valueName: "slug[@version]"))
    var plugins: [String] = []
    @Flag(help: "Remove every plugin Urumi installed.") var noPlugins = false

    func validate() throws {
        if noPlugins && !plugins.isEmpty { throw ValidationError("--no-plugins and --plugin exclude each other") }
    }

    /// The plugin list asked for: nil to keep it, empty to remove every plugin.
    var pluginList: [(slug: String, version: String?)]? {
        noPlugins ? [] : plugins.isEmpty ? nil : plugins.map { text in
            let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
            return (parts.first ?? "", parts.count > 1 ? parts[1] : nil)
        }
    }

    var isEmpty: Bool {
        name == nil && plan == nil && wordpressVersion == nil && woocommerceVersion == nil && pluginList == nil
    }

    /// As the API's JSON (`PATCH /stores/{id}`, a rollout's `change`).
    var json: [String: JSONValue] {
        var change: [String: JSONValue] = [:]
        if let name { change["name"] = .string(name) }
        if let plan { change["plan"] = .string(plan) }
        if let wordpressVersion { change["wordpressVersion"] = .string(wordpressVersion) }
        if let woocommerceVersion { change["woocommerceVersion"] = .string(woocommerceVersion) }
        if let pluginList {
            change["plugins"] = .array(
                pluginList.map { plugin in
                    plugin.version.map { ["slug": .string(plugin.slug), "version": .string($0)] } ?? .string(plugin.slug)
                })
        }
        return change
    }
}
