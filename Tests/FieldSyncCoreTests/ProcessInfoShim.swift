import Foundation

enum ProcessInfoShim {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
}
