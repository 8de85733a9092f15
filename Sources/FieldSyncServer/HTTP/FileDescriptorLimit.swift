#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit. Each connection costs a descriptor; with the common default soft
/// limit of 1,024, about a thousand idle sockets made the server unable to accept `/health`. The server
/// raises its soft limit to the hard limit at start (as Go's runtime does) and keeps its connection cap
/// below what the limit allows (`ServerConfig.effectiveMaxConnections`).
public enum FileDescriptorLimit {
    /// Descriptors kept for the database, logs and listeners, outside the connection cap.
    public static let reserve = 256

    /// Raises the soft limit to the hard limit (at most `ceiling`) and returns the soft limit in force.
    @discardableResult
    public static func raise(ceiling: UInt64 = 1 << 20) -> UInt64 {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1_024 }
        let wanted = min(UInt64(limit.rlim_max), ceiling)
        if UInt64(limit.rlim_cur) < wanted {
            var raised = limit
            raised.rlim_cur = rlim_t(wanted)
            if setrlimit(resource, &raised) == 0 { return wanted }
        }
        return UInt64(limit.rlim_cur)
    }
}
