import ArgumentParser

@main
struct Urumi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "urumi",
        abstract: "Provisions WooCommerce stores on Kubernetes, as an event-sourced service.",
        subcommands: [Serve.self, Migrate.self, Projections.self, Audit.self, Events.self, Stores.self, Rollouts.self, Tokens.self, Sim.self]
    )
}
