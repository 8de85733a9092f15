import Foundation

/// The files of `Protocol/vectors`: the expected values a second implementation of the protocol runs
/// too. One place finds them, so that every suite reads the same files.
public enum ProtocolVectors {
    /// `Protocol/vectors` of this checkout.
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors")

    /// The vector file `name` (without `.json`), decoded as `type`.
    public static func load<File: Decodable>(_ name: String, as type: File.Type) throws -> File {
        try JSONDecoder().decode(type, from: Data(contentsOf: directory.appendingPathComponent(name + ".json")))
    }
}
