import ArgumentParser

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The embedded PostgreSQL and schema migrations.",
        subcommands: []
    )
}
