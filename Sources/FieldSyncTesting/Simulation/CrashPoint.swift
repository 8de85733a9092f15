internal import GRDB

/// A crash inside a transaction of a real SQLite database, planted from outside the process's code:
/// triggers on the chosen tables count the rows a transaction writes and abort it at the armed row, so
/// the writer's transaction rolls back exactly as recovery after `kill -9` would leave it. The store or
/// server that owned the transaction is then closed and reopened by the simulator (the restart).
public final class CrashPoint: Sendable {
    private let queue: DatabaseQueue

    /// Plants the triggers into the database at `path` (after its own migrations created `tables`).
    public init(path: String, tables: [String]) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS sim_crash (remaining INTEGER);
                INSERT INTO sim_crash SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM sim_crash);
                """)
            for table in tables {
                for event in ["INSERT", "UPDATE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER IF NOT EXISTS sim_crash_\(table)_\(event.lowercased())
                        BEFORE \(event) ON \(table) WHEN (SELECT remaining FROM sim_crash) IS NOT NULL
                        BEGIN
                            UPDATE sim_crash SET remaining = remaining - 1;
                            SELECT RAISE(ABORT, 'simulated crash') WHERE (SELECT remaining FROM sim_crash) < 0;
                        END
                        """)
                }
            }
        }
    }

    /// The next write transactions fail at their `rows`-th written row (0: the first), counting across
    /// transactions until `disarm()`.
    public func arm(afterRows rows: Int) throws {
        try queue.write { try $0.execute(sql: "UPDATE sim_crash SET remaining = ?", arguments: [rows]) }
    }

    public func disarm() throws {
        try queue.write { try $0.execute(sql: "UPDATE sim_crash SET remaining = NULL") }
    }

    public func close() throws { try queue.close() }
}
