import ArgumentParser
import FieldSyncCore

/// A record type on the command line is one that `FieldSyncCommand.registry` declares: the parser
/// refuses any other (a usage error), and help and shell completion list the declared ones.
/// (Declared here: FieldSyncCore links no argument parser.)
extension RecordType: ExpressibleByArgument {
    public init?(argument: String) {
        guard FieldSyncCommand.registry[RecordType(argument)] != nil else { return nil }
        self.init(argument)
    }

    public static var allValueStrings: [String] { FieldSyncCommand.registry.types.map(\.rawValue) }
}
