import ArgumentParser

@main
struct FieldSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fieldsync", abstract: "Offline-first sync for police field records.",
        subcommands: [ServerCommand.self, DemoCommand.self])
}
